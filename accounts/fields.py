"""Model fields that keep secrets (OAuth and service tokens) encrypted at rest with Fernet keys."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models
from django.utils.translation import gettext as _


class DecryptionError(RuntimeError):
    """A stored value cannot be decrypted with any configured key (a key was dropped too early)."""


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[str, ...]) -> MultiFernet:
    """Build (once per key list) the MultiFernet that encrypts with keys[0] and decrypts with any."""
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: no key to encrypt tokens with")
    try:
        return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}") from exc


def current_fernet() -> MultiFernet:
    """The MultiFernet for settings.FIELD_ENCRYPTION_KEYS as they are now (tests may override them)."""
    return _multifernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_str(value: str) -> str:
    """Encrypt text under the newest key."""
    return current_fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_str(token: str) -> str:
    """Decrypt text encrypted under any configured key."""
    try:
        return current_fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeEncodeError) as exc:
        raise DecryptionError(
            _("stored value does not decrypt with any key in FIELD_ENCRYPTION_KEYS (was a key removed before "
              "rotate_encryption_keys ran?)")
        ) from exc


def rotate_str(token: str) -> str:
    """Re-encrypt a stored token under the newest key (decrypting with whichever key made it)."""
    try:
        return current_fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as exc:
        raise DecryptionError(_("stored value does not decrypt with any key in FIELD_ENCRYPTION_KEYS")) from exc


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python code sees clear text, the database only ciphertext.

    Encrypts with the newest key in FIELD_ENCRYPTION_KEYS and decrypts with any of them. Fernet output
    is randomised, so the column cannot be searched: only `isnull` lookups are allowed. An empty string
    stays empty (it means "no token") so blank forms do not store ciphertext of nothing.
    """

    description = "Text encrypted at rest (Fernet)"
    _allowed_lookups = frozenset({"isnull"})

    def get_lookup(self, lookup_name: str):
        """Refuse value lookups: a fresh ciphertext never equals a stored one."""
        if lookup_name not in self._allowed_lookups:
            raise FieldError(f"encrypted field {self.name!r} cannot be filtered with {lookup_name!r}")
        return super().get_lookup(lookup_name)

    def from_db_value(self, value: Any, expression, connection) -> str | None:
        """Decrypt on the way out of the database."""
        if value is None or value == "":
            return value
        return decrypt_str(value)

    def get_prep_value(self, value: Any) -> str | None:
        """Encrypt on the way into the database."""
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt_str(str(value))
