"""Key rotation for encrypted columns: every EncryptedTextField in every model, found generically."""
from __future__ import annotations

from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast

from accounts.fields import EncryptedTextField
from credits.services.audit import audit_record


@dataclass(frozen=True)
class ColumnReport:
    """One encrypted column: rows re-encrypted, and rows still not readable with the newest key alone."""

    label: str
    rotated: int
    not_on_newest: int


def encrypted_columns() -> list[tuple[type[models.Model], EncryptedTextField]]:
    """Every (model, field) pair whose field is an EncryptedTextField, across all installed apps."""
    return [
        (model, f)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    ]


def raw_ciphertexts(model: type[models.Model], field: EncryptedTextField):
    """(pk, stored text) pairs exactly as the database holds them, without decrypting."""
    return (
        model._default_manager.exclude(**{f"{field.name}__isnull": True})
        .annotate(_raw=Cast(field.name, output_field=models.TextField()))
        .values_list("pk", "_raw")
    )


def _count_not_on_newest(model, field) -> int:
    primary = Fernet(settings.FIELD_ENCRYPTION_KEYS[0])
    stale = 0
    for _pk, raw in raw_ciphertexts(model, field).iterator(chunk_size=500):
        if not raw:
            continue
        try:
            primary.decrypt(raw.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError):
            stale += 1
    return stale


def _rotate_column(model, field, batch_size: int) -> int:
    """Re-encrypt one column in locked batches, so a concurrent write is never overwritten with old text."""
    manager = model._default_manager
    pks = list(manager.exclude(**{f"{field.name}__isnull": True}).order_by("pk").values_list("pk", flat=True))
    done = 0
    for i in range(0, len(pks), batch_size):
        with transaction.atomic():
            # Reading decrypts with whichever key made the value; bulk_update encrypts with the newest.
            rows = list(manager.select_for_update().filter(pk__in=pks[i:i + batch_size]).only("pk", field.attname))
            manager.bulk_update(rows, [field.attname])
            done += len(rows)
    return done


def encryption_keys_rotate(*, batch_size: int = 500, actor=None) -> list[ColumnReport]:
    """Re-encrypt every encrypted column under the newest key; report what is still not on it (should be 0)."""
    if batch_size < 1:
        # range() would crash on 0 and silently rotate nothing on a negative step.
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    reports = []
    for model, field in encrypted_columns():
        rotated = _rotate_column(model, field, batch_size)
        reports.append(ColumnReport(f"{model._meta.label}.{field.name}", rotated, _count_not_on_newest(model, field)))
    audit_record(
        actor=actor, action="encryption_keys_rotate", subject_type="encryption", subject_id="all",
        reason=f"{len(settings.FIELD_ENCRYPTION_KEYS)} key(s) configured",
        data={r.label: {"rotated": r.rotated, "not_on_newest": r.not_on_newest} for r in reports},
    )
    return reports
