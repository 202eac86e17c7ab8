"""manage.py audit verify: recompute the audit log's SHA-256 chain; name the first broken row (exit 1)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credits.services.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools: `verify` recomputes the hash chain and names the first row that does not match."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute the chain from the first row")

    def handle(self, *args, action: str, **options):
        checked, broken = audit_verify()
        if broken is not None:
            raise CommandError(f"audit chain broken at row {broken.event_id}: {broken.problem} "
                               f"({checked} rows before it verified)")
        self.stdout.write(f"audit chain intact: {checked} rows verified")
