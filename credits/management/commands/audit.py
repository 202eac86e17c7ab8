"""manage.py audit verify: recompute the audit log's SHA-256 chain; name the first broken row (exit 1)."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.services.audit import audit_verify


class Command(LocalizedCommand):
    help = "Audit log tools: `verify` recomputes the hash chain and names the first row that does not match."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="recompute the chain from the first row")

    def handle(self, *args, action: str, **options):
        checked, broken = audit_verify()
        if broken is not None:
            raise CommandError(_("audit chain broken at row %(row)s: %(problem)s (%(checked)d rows before it "
                                 "verified)") % {"row": broken.event_id, "problem": broken.problem,
                                                 "checked": checked})
        self.stdout.write(_("audit chain intact: %(checked)d rows verified") % {"checked": checked})
