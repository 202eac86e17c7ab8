"""grant_role USERNAME ROLE [--department CODE ...] [--revoke]: give or take a role (student, reviewer, ...)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Department, User
from accounts.roles import Role, role_grant, role_revoke


class Command(BaseCommand):
    help = "Give (or with --revoke take) a role; reviewers need --department CODE (repeatable)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("role", choices=[r.value for r in Role])
        parser.add_argument("--department", action="append", default=[], help="department code (reviewers)")
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, username: str, role: str, department: list[str], revoke: bool, **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        departments = list(Department.objects.filter(code__in=department))
        unknown = set(department) - {d.code for d in departments}
        if unknown:
            raise CommandError(f"unknown department code(s): {', '.join(sorted(unknown))}")
        if revoke:
            # With --department only those mandates go; without it, the whole role.
            role_revoke(user=user, role=Role(role), actor=None, departments=departments if department else None)
            suffix = f" of {', '.join(d.code for d in departments)}" if departments else ""
            self.stdout.write(f"{username}: {role}{suffix} revoked")
            return
        if role == Role.REVIEWER and not departments:
            raise CommandError("a reviewer needs at least one --department CODE")
        role_grant(user=user, role=Role(role), actor=None, departments=departments)
        suffix = f" of {', '.join(d.code for d in departments)}" if departments else ""
        self.stdout.write(f"{username}: {role}{suffix}")
