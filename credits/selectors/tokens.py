"""What the operator's sync dashboard shows about service tokens: per forge, state, and the budget left."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _

from credits.models import AuditEvent, ServiceToken, TokenBudget
from credits.models.tokens import ANONYMOUS, token_fingerprint


@dataclass(frozen=True)
class TokenState:
    """One token as the dashboard lists it (never the secret)."""

    platform: str
    label: str
    source: str  # "admin" or "environment"
    enabled: bool
    fingerprint: str
    disabled_reason: str = ""
    disabled_at: datetime | None = None
    budget: TokenBudget | None = None  # what the forge last reported; None: not yet


def service_token_states() -> list[TokenState]:
    """Every stored token, and each forge's environment tokens (counted, never shown), ordered by forge.

    Each carries the budget the forge last reported for it; anonymous budgets show as their own row.
    """
    budgets = {(b.platform, b.fingerprint[:12]): b for b in TokenBudget.objects.all()}
    states = [TokenState(t.platform, t.label, "admin", t.enabled, t.fingerprint[:12], t.disabled_reason, t.disabled_at,
                         budgets.pop((t.platform, t.fingerprint[:12]), None))
              for t in ServiceToken.objects.order_by("platform", "label")]
    rejected = dict(AuditEvent.objects.filter(action="service_token_rejected", subject_type="servicetoken")
                    .values_list("subject_id", "reason"))
    for platform, tokens in sorted(settings.FORGE_TOKENS.items()):
        for n, token in enumerate(tokens, 1):
            fingerprint = token_fingerprint(token)[:12]
            states.append(TokenState(platform, f"{platform.upper()}_TOKENS #{n}", "environment",
                                     fingerprint not in rejected, fingerprint, rejected.get(fingerprint, ""),
                                     budget=budgets.pop((platform, fingerprint), None)))
    for (platform, fingerprint), budget in budgets.items():
        if fingerprint == ANONYMOUS[:12]:
            states.append(TokenState(platform, str(_("no token (anonymous)")), "anonymous", True, "", budget=budget))
    return sorted(states, key=lambda s: (s.platform, s.source, s.label))
