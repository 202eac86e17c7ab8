"""invite_users [--role R] [--department CODE] [--only-new]: email each person a one-time set-password link."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Department
from accounts.roles import Role
from accounts.services.invitations import invitations_send, invitees


class Command(BaseCommand):
    help = ("Email each selected person a single-use link (expiring after INVITATION_TIMEOUT_DAYS) to set a "
            "password. Exit status 1 when any mail could not be sent; those people are listed.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--role", choices=[r.value for r in Role])
        parser.add_argument("--department", metavar="CODE", help="students of, and reviewers for, one department")
        parser.add_argument("--only-new", action="store_true",
                            help="only people who have no password and were never sent an invitation")

    def handle(self, *args, role: str | None, department: str | None, only_new: bool, **options) -> None:
        if not settings.SITE_URL:
            raise CommandError("SITE_URL is not set: links in the mail need the portal's public address")
        if department and not Department.objects.filter(code=department).exists():
            raise CommandError(f"unknown department code {department!r}")
        users = list(invitees(role=role, department=department, only_new=only_new))
        if not users:
            self.stdout.write("nobody to invite")
            return
        report = invitations_send(users=users, base_url=settings.SITE_URL, actor=None)
        for user, reason in report.failed:
            self.stderr.write(f"NOT sent to {user.username} <{user.email or '-'}>: {reason}")
        self.stdout.write(f"{len(report.sent)} invitation(s) sent, {len(report.failed)} failed")
        if report.failed:
            raise CommandError(f"{len(report.failed)} invitation(s) could not be sent; rerun with --only-new "
                               "after fixing the mail settings or addresses")
