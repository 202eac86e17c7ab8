"""Service tokens managed by operators: encrypted at rest, pooled with the environment's, disabled on a 401."""
from __future__ import annotations

import pytest
from django.db import connection

from credits.forges import ForgeAuthError
from credits.models import AuditEvent, ServiceToken, SyncState
from credits.selectors.tokens import service_token_states
from credits.services.forge_tokens import (
    TokenExists,
    pool_tokens,
    service_token_add,
    service_token_disable,
    service_token_rotate,
)
from credits.services.sync import repository_sync
from tests.credits.sync_helpers import link, register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DEEPSEEK = "github:deepseek-ai/DeepSeek-V3"


def test_a_stored_token_is_ciphertext_in_the_database_and_joins_the_environments(settings):
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_from_env"]}
    row = service_token_add(platform="github", token="ghp_from_admin", label="ops bot", actor=UserFactory())
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM credits_servicetoken WHERE id = %s", [row.pk])
        (raw,) = cursor.fetchone()
    assert "ghp_from_admin" not in raw
    assert pool_tokens("github") == ["ghp_from_admin", "ghp_from_env"]
    assert AuditEvent.objects.filter(action="service_token_add", subject_id=str(row.pk)).count() == 1
    with pytest.raises(TokenExists):
        service_token_add(platform="github", token="ghp_from_admin", label="again")


def test_disable_and_rotate_change_the_pool_with_one_audit_row_each():
    row = service_token_add(platform="gitee", token="old-secret", label="bot")
    assert service_token_disable(token_id=row.pk, reason="leaked") is True
    assert service_token_disable(token_id=row.pk, reason="again") is False
    assert pool_tokens("gitee") == []
    service_token_rotate(token_id=row.pk, token="new-secret")
    row.refresh_from_db()
    assert row.enabled and row.token == "new-secret" and row.rotated_at is not None
    assert pool_tokens("gitee") == ["new-secret"]
    actions = list(AuditEvent.objects.filter(subject_type="servicetoken").values_list("action", flat=True))
    assert actions == ["service_token_add", "service_token_disable", "service_token_rotate"]


def test_a_401_disables_the_stored_token_with_an_audit_row_and_the_next_sync_uses_another(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    good = settings.FORGE_TOKENS["github"]
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": []}
    bad = service_token_add(platform="github", token="ghp_revoked_by_github", label="old bot")
    with pytest.raises(ForgeAuthError):
        repository_sync(repository_id=repository.pk)
    bad.refresh_from_db()
    assert not bad.enabled and "401" in bad.disabled_reason
    event = AuditEvent.objects.get(action="service_token_disable", subject_id=str(bad.pk))
    assert (event.from_status, event.to_status) == ("enabled", "disabled")
    state = next(s for s in service_token_states() if s.source == "admin")
    assert not state.enabled and "401" in state.disabled_reason
    service_token_add(platform="github", token=good[0], label="new bot")
    repository_sync(repository_id=repository.pk)
    assert SyncState.objects.get(repository=repository).last_status == "ok"


def test_a_rejected_environment_token_is_audited_and_shown_as_disabled(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_revoked_env"]}
    with pytest.raises(ForgeAuthError):
        repository_sync(repository_id=repository.pk)
    assert AuditEvent.objects.filter(action="service_token_rejected").count() == 1
    (state,) = [s for s in service_token_states() if s.platform == "github"]
    assert state.source == "environment" and not state.enabled
    assert not ServiceToken.objects.exists()


def test_rotate_encryption_keys_covers_service_tokens(settings):
    from cryptography.fernet import Fernet

    from accounts.services.encryption import encryption_keys_rotate

    service_token_add(platform="gitlab", token="glpat-secret", label="bot")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
    reports = {r.label: r for r in encryption_keys_rotate()}
    assert reports["credits.ServiceToken.token"].rotated == 1
    assert reports["credits.ServiceToken.token"].not_on_newest == 0
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert ServiceToken.objects.get().token == "glpat-secret"


def test_renaming_a_token_keeps_its_secret_and_leaves_an_audit_row():
    from credits.services.forge_tokens import service_token_relabel

    row = service_token_add(platform="github", token="ghp_label_me", label="bot")
    service_token_relabel(token_id=row.pk, label="ops bot 2", actor=None)
    row.refresh_from_db()
    assert (row.label, row.token) == ("ops bot 2", "ghp_label_me")
    event = AuditEvent.objects.get(action="service_token_relabel", subject_id=str(row.pk))
    assert event.data == {"from": "bot", "to": "ops bot 2"}
