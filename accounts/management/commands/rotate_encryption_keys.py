"""rotate_encryption_keys: re-encrypt every stored token under the newest FIELD_ENCRYPTION_KEYS key."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

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
            raise CommandError(_("--batch-size must be at least 1 (got %(n)d)") % {"n": batch_size})
        try:
            reports = encryption_keys_rotate(batch_size=batch_size)
        except DecryptionError as exc:
            raise CommandError(_("%(error)s; nothing in the failing batch was changed") % {"error": exc}) from exc
        for r in reports:  # the column's label (app.Model.field) is a name, printed as it is
            self.stdout.write(_("%(column)s: %(rotated)d re-encrypted, %(left)d not on the newest key")
                              % {"column": r.label, "rotated": r.rotated, "left": r.not_on_newest})
        if not reports:
            self.stdout.write(_("no encrypted columns in any installed model"))
        if any(r.not_on_newest for r in reports):
            raise CommandError(_("some values are still not under the newest key; keep the old keys"))
        self.stdout.write(self.style.SUCCESS(_("all encrypted values are under the newest key; old keys may go")))
