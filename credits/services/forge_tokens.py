"""Service tokens: the pool each forge client gets (database and environment), and the operator's changes."""
from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from credits.forges import ForgeAuthError, ForgeClient, ForgeError, client_for
from credits.forges.tokens import shared_pool
from credits.models import ServiceToken, TokenBudget
from credits.models.tokens import ANONYMOUS, token_fingerprint
from credits.services.audit import audit_record

logger = logging.getLogger(__name__)
_API_ROOTS = {"github": "GITHUB_API_URL", "gitee": "GITEE_API_URL", "gitlab": "GITLAB_URL"}


class TokenExists(ValueError):
    """That token is already in the pool."""


def pool_tokens(platform: str) -> list[str]:
    """Enabled tokens from the admin first, then the environment's (which still work without a database row)."""
    stored = [t.token for t in ServiceToken.objects.filter(platform=platform, enabled=True).order_by("id")]
    return list(dict.fromkeys(stored + list(settings.FORGE_TOKENS.get(platform) or ())))


def forge_client(platform: str, *, token: str | None = None) -> ForgeClient:
    """A forge client whose pool holds the current database and environment tokens."""
    return client_for(platform, token=token, pool_tokens=None if token else pool_tokens(platform))


def service_token_add(*, platform: str, token: str, label: str, actor=None) -> ServiceToken:
    """Put a new token in the pool (encrypted at rest)."""
    token = token.strip()
    fingerprint = token_fingerprint(token)
    with transaction.atomic():
        if ServiceToken.objects.filter(fingerprint=fingerprint).exists():
            raise TokenExists(f"this {platform} token is already stored")
        row = ServiceToken.objects.create(platform=platform, label=label, token=token, fingerprint=fingerprint,
                                          created_by=actor)
        audit_record(action="service_token_add", subject=row, actor=actor, after="enabled",
                     data={"platform": platform, "label": label, "fingerprint": fingerprint[:12]})
    return row


@transaction.atomic
def service_token_relabel(*, token_id: int, label: str, actor=None) -> ServiceToken:
    """Rename a token as operators see it (the secret and state stay), with an audit row."""
    row = ServiceToken.objects.select_for_update().get(pk=token_id)
    before = row.label
    ServiceToken.objects.filter(pk=row.pk).update(label=label)
    row.label = label
    audit_record(action="service_token_relabel", subject=row, actor=actor, data={"from": before, "to": label})
    return row


def service_token_rotate(*, token_id: int, token: str, actor=None) -> ServiceToken:
    """Replace a token's secret with a new one from the forge (the label and history stay)."""
    token = token.strip()
    fingerprint = token_fingerprint(token)
    with transaction.atomic():
        row = ServiceToken.objects.select_for_update().get(pk=token_id)
        if ServiceToken.objects.filter(fingerprint=fingerprint).exclude(pk=row.pk).exists():
            raise TokenExists("this token is already stored")
        old = row.fingerprint
        ServiceToken.objects.filter(pk=row.pk).update(token=token, fingerprint=fingerprint, enabled=True,
                                                      disabled_at=None, disabled_reason="", rotated_at=timezone.now())
        row.refresh_from_db()
        audit_record(action="service_token_rotate", subject=row, actor=actor, after="enabled",
                     data={"old_fingerprint": old[:12], "fingerprint": fingerprint[:12]})
    return row


def service_token_disable(*, token_id: int, reason: str, actor=None) -> bool:
    """Take a token out of the pool; False when it already was (the conditional update changed nothing)."""
    with transaction.atomic():
        changed = ServiceToken.objects.filter(pk=token_id, enabled=True).update(
            enabled=False, disabled_at=timezone.now(), disabled_reason=reason[:255])
        if changed == 1:
            audit_record(action="service_token_disable", subject_type="servicetoken", subject_id=token_id,
                         actor=actor, before="enabled", after="disabled", reason=reason)
    return changed == 1


def service_token_enable(*, token_id: int, actor=None) -> bool:
    """Put a disabled token back in the pool."""
    with transaction.atomic():
        changed = ServiceToken.objects.filter(pk=token_id, enabled=False).update(
            enabled=True, disabled_at=None, disabled_reason="")
        if changed == 1:
            audit_record(action="service_token_enable", subject_type="servicetoken", subject_id=token_id,
                         actor=actor, before="disabled", after="enabled")
    return changed == 1


def token_rejected(*, platform: str, client: ForgeClient, error: ForgeError) -> None:
    """After a forge error: a 401 on a pool token disables it (database row) or drops it (environment)."""
    if not isinstance(error, ForgeAuthError) or error.status != 401:
        return
    token = client.token_in_use()
    if not token or token not in pool_tokens(platform):
        return  # a person's own token, or anonymous: nothing of the pool to disable
    shared_pool(platform, getattr(settings, _API_ROOTS[platform]), pool_tokens(platform)).reject(token)
    row = ServiceToken.objects.filter(fingerprint=token_fingerprint(token)).first()
    if row is not None:
        service_token_disable(token_id=row.pk, reason=f"the forge answered 401: {error.message}"[:255])
    else:
        fingerprint = token_fingerprint(token)[:12]
        logger.error("%s rejected an environment token (fingerprint %s); remove it from %s_TOKENS",
                     platform, fingerprint, platform.upper())
        audit_record(action="service_token_rejected", subject_type="servicetoken", subject_id=fingerprint,
                     reason=f"environment token rejected (401): {error.message}"[:500], data={"platform": platform})


def token_budget_note(*, platform: str, client: ForgeClient) -> None:
    """Keep what the forge last reported of the client's pool token's budget, for the sync dashboard."""
    rate = client.rate_status()
    if rate.remaining is None:
        return  # nothing reported (Gitee says nothing until it refuses)
    token = client.token_in_use()
    if token is not None and token not in pool_tokens(platform):
        return  # a person's own token is not the pool's business
    TokenBudget.objects.update_or_create(
        platform=platform, fingerprint=token_fingerprint(token) if token else ANONYMOUS,
        defaults={"remaining": _count(rate.remaining), "limit": _count(rate.limit) if rate.limit is not None else None,
                  "reset_at": _moment(rate.reset_at), "seen_at": timezone.now()})


_COLUMN_MAX = 2**31 - 1  # what a PositiveIntegerField holds on every backend


def _count(value: int) -> int:
    """A reported count as the column holds it: a forge's absurd figure must not fail the sync that saw it."""
    return min(max(0, int(value)), _COLUMN_MAX)


def _moment(epoch: float | None) -> datetime | None:
    """A reported reset time, or None when it is missing or no real date (year 10,000 and beyond)."""
    if not epoch:
        return None
    try:
        return datetime.fromtimestamp(epoch, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
