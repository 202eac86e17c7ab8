"""invite_users [--role R] [--department CODE] [--only-new]: email each person a one-time set-password link."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.models import Department
from accounts.roles import Role
from accounts.services.invitations import invitations_send, invitees
from config.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = ("Email each selected person a single-use link (expiring after INVITATION_TIMEOUT_DAYS) to set a "
            "password. Exit status 1 when any mail could not be sent; those people are listed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", choices=[r.value for r in Role])
        parser.add_argument("--department", metavar="CODE", help="students of, and reviewers for, one department")
        parser.add_argument("--only-new", action="store_true",
                            help="only people who have no password and were never sent an invitation")

    def handle(self, *args, role: str | None, department: str | None, only_new: bool, **options) -> None:
        if not settings.SITE_URL:
            raise CommandError(_("SITE_URL is not set: links in the mail need the portal's public address"))
        if department and not Department.objects.filter(code=department).exists():
            raise CommandError(_("unknown department code %(code)r") % {"code": department})
        users = list(invitees(role=role, department=department, only_new=only_new))
        if not users:
            self.stdout.write(_("nobody to invite"))
            return
        report = invitations_send(users=users, base_url=settings.SITE_URL, actor=None)
        for user, reason in report.failed:
            self.stderr.write(_("NOT sent to %(user)s <%(email)s>: %(reason)s")
                              % {"user": user.username, "email": user.email or "-", "reason": reason})
        self.stdout.write(_("%(sent)d invitation(s) sent, %(failed)d failed")
                          % {"sent": len(report.sent), "failed": len(report.failed)})
        if report.failed:
            raise CommandError(_("%(n)d invitation(s) could not be sent; rerun with --only-new after fixing the "
                                 "mail settings or addresses") % {"n": len(report.failed)})
