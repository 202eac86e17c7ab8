"""Tokens at rest: EncryptedTextField stores only ciphertext; rotate_encryption_keys moves rows to the newest key."""
from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection, models

from accounts.fields import DecryptionError, EncryptedTextField
from accounts.services.encryption import encrypted_columns, raw_ciphertexts
from credits.models import AuditEvent
from tests.one_language import assert_one_language

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()
CLEAR = "gho_16C7e42F292c6912E7710c838347Ae178B4a"


@pytest.fixture
def vault(transactional_db, settings):
    """A throwaway model with an encrypted column, registered like any app model so discovery must find it.

    No shipped model stores a token yet (linking keeps none), so the test brings its own table.
    """
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    attrs = {
        "__module__": __name__,
        "token": EncryptedTextField(null=True, blank=True),
        "note": models.CharField(max_length=20, default=""),
        "Meta": type("Meta", (), {"app_label": "accounts", "db_table": "xf_test_vault"}),
    }
    model = type("TestVault", (models.Model,), attrs)
    with connection.schema_editor() as editor:
        editor.create_model(model)
    try:
        yield model
    finally:
        with connection.schema_editor() as editor:
            editor.delete_model(model)
        del apps.all_models["accounts"]["testvault"]
        apps.clear_cache()


def raw(model) -> dict[int, str]:
    return dict(raw_ciphertexts(model, model._meta.get_field("token")))


def test_database_never_holds_the_clear_token(vault):
    row = vault.objects.create(token=CLEAR)
    with connection.cursor() as cursor:
        cursor.execute("SELECT token FROM xf_test_vault WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert CLEAR not in stored and stored.startswith("gAAAA")
    assert vault.objects.get(pk=row.pk).token == CLEAR


def test_update_and_bulk_update_encrypt_too(vault):
    row = vault.objects.create(token="a")
    vault.objects.filter(pk=row.pk).update(token=CLEAR)
    assert CLEAR not in raw(vault)[row.pk]
    row.token = CLEAR + "2"
    vault.objects.bulk_update([row], ["token"])
    assert CLEAR not in raw(vault)[row.pk] and vault.objects.get().token == CLEAR + "2"


def test_null_and_empty_stay_as_they_are(vault):
    a, b = vault.objects.create(token=None), vault.objects.create(token="")
    assert vault.objects.get(pk=a.pk).token is None and vault.objects.get(pk=b.pk).token == ""


def test_encrypted_column_cannot_be_searched_by_value(vault):
    with pytest.raises(FieldError):
        vault.objects.filter(token=CLEAR)
    assert vault.objects.filter(token__isnull=True).count() == 0


def test_rotation_moves_every_row_to_the_newest_key_and_old_key_can_go(vault, settings, capsys):
    rows = [vault.objects.create(token=f"{CLEAR}-{i}") for i in range(7)]
    before = raw(vault)
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # new key first, old kept for reading
    assert vault.objects.get(pk=rows[0].pk).token == f"{CLEAR}-0"  # still readable before rotation

    call_command("rotate_encryption_keys", "--batch-size", "3", "--lang", "en")

    out = capsys.readouterr().out
    assert "accounts.TestVault.token: 7 re-encrypted, 0 not on the newest key" in out
    after = raw(vault)
    assert all(after[pk] != before[pk] and CLEAR not in after[pk] for pk in before)
    new_only = Fernet(NEW.encode())
    assert all(new_only.decrypt(after[pk].encode()).decode().startswith(CLEAR) for pk in after)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key removed
    assert [r.token for r in vault.objects.order_by("pk")] == [f"{CLEAR}-{i}" for i in range(7)]
    assert AuditEvent.objects.filter(action="encryption_keys_rotate").count() == 1


@pytest.mark.parametrize("size", ["0", "-5"])
def test_rotation_command_refuses_a_batch_size_below_one(vault, size):
    from django.core.management import CommandError

    vault.objects.create(token=CLEAR)

    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        call_command("rotate_encryption_keys", "--batch-size", size, "--lang", "en")

    assert not AuditEvent.objects.filter(action="encryption_keys_rotate").exists()


def test_rotation_service_refuses_a_negative_batch_size_instead_of_rotating_nothing(vault):
    from accounts.services.encryption import encryption_keys_rotate

    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        encryption_keys_rotate(batch_size=-1)

    assert not AuditEvent.objects.filter(action="encryption_keys_rotate").exists()


def test_dropping_a_key_before_rotating_is_a_loud_error_not_garbage(vault, settings):
    vault.objects.create(token=CLEAR)
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(DecryptionError):
        vault.objects.get()


def test_discovery_finds_every_encrypted_column(vault):
    assert (vault, vault._meta.get_field("token")) in encrypted_columns()


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["accounts.TestVault.token：重新加密 2 个，0 个不在最新密钥下",
                 "所有加密值都已在最新密钥下；旧密钥可以删除",
                 "--batch-size 至少为 1（实际为 0）", "存储的值无法用 FIELD_ENCRYPTION_KEYS 中的任何密钥解密（",
                 "）；出错的这一批未作任何更改"]),
    ("en", ["accounts.TestVault.token: 2 re-encrypted, 0 not on the newest key",
            "all encrypted values are under the newest key; old keys may go", "--batch-size must be at least 1 (got 0)",
            "stored value does not decrypt with any key in FIELD_ENCRYPTION_KEYS (",
            "); nothing in the failing batch was "
            "changed"]),
])
def test_each_run_of_rotate_encryption_keys_speaks_one_language(vault, settings, language, words):
    from io import StringIO

    from django.core.management import CommandError

    vault.objects.create(token=CLEAR)
    vault.objects.create(token=CLEAR + "2")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("rotate_encryption_keys", "--lang", language, stdout=out)
    printed = out.getvalue()
    settings.FIELD_ENCRYPTION_KEYS = [OLD]  # the new key dropped: its values no longer decrypt
    for args in (["--batch-size", "0"], []):
        with pytest.raises(CommandError) as refused:
            call_command("rotate_encryption_keys", *args, "--lang", language, stdout=StringIO())
        printed += str(refused.value) + "\n"
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("accounts.TestVault.token", "credits.ServiceToken.token",
                                                 "FIELD_ENCRYPTION_KEYS", "rotate_encryption_keys"))
