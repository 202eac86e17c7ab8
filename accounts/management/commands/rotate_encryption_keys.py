"""rotate_encryption_keys: re-encrypt every stored token under the newest FIELD_ENCRYPTION_KEYS key."""
from __future__ import annotations

from django.core.management.base import CommandError

from accounts.fields import DecryptionError
from accounts.services.encryption import encryption_keys_rotate
from config.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = (
        "Re-encrypt every encrypted column with the newest key (first in FIELD_ENCRYPTION_KEYS). "
        "Put the new key first, keep the old ones after it, run this, then drop the old keys."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        if batch_size < 1:
            raise CommandError(f"--batch-size must be at least 1 (got {batch_size})")
        try:
            reports = encryption_keys_rotate(batch_size=batch_size)
        except DecryptionError as exc:
            raise CommandError(f"{exc}; nothing in the failing batch was changed") from exc
        for r in reports:
            self.stdout.write(f"{r.label}: {r.rotated} re-encrypted, {r.not_on_newest} not on the newest key")
        if not reports:
            self.stdout.write("no encrypted columns in any installed model")
        if any(r.not_on_newest for r in reports):
            raise CommandError("some values are still not under the newest key; keep the old keys")
        self.stdout.write(self.style.SUCCESS("all encrypted values are under the newest key; old keys may go"))
