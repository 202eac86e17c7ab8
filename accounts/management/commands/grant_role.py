"""grant_role USERNAME ROLE [--stage KEY] [--department CODE ...] [--revoke]: give or take a role and mandates."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.models import Department, User
from accounts.roles import Role
from accounts.services.roles import SUPERUSER, role_grant, role_revoke, superuser_grant, superuser_revoke
from config.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = ("Give (or with --revoke take) a role. A reviewer decides an approval --stage KEY for each "
            "--department CODE (repeatable), or for every department when --stage is given alone.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        # superuser: the audited way to make one, or to record one made by createsuperuser (check accounts.W002).
        parser.add_argument("role", choices=[r.value for r in Role] + [SUPERUSER])
        parser.add_argument("--stage", default=None, help="approval stage key from the policy (reviewers)")
        parser.add_argument("--department", action="append", default=[], help="department code (reviewers)")
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, username: str, role: str, stage: str | None, department: list[str], revoke: bool,
               **options) -> None:
        user = User.objects.filter(username=User.normalize_username(username)).first()
        user = user or User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("no user %(name)r") % {"name": username})
        if role == SUPERUSER:
            if stage or department:
                raise CommandError(_("--stage and --department apply to reviewers only"))
            (superuser_revoke if revoke else superuser_grant)(user=user, actor=None)
            text = _("%(user)s: superuser revoked") if revoke else _("%(user)s: superuser granted (audited)")
            self.stdout.write(text % {"user": username})
            return
        departments = list(Department.objects.filter(code__in=department))
        unknown = set(department) - {d.code for d in departments}
        if unknown:
            raise CommandError(_("unknown department code(s): %(codes)s") % {"codes": ", ".join(sorted(unknown))})
        if (stage or department) and role != Role.REVIEWER:
            raise CommandError(_("--stage and --department apply to reviewers only"))
        # The role and the stage are printed as typed (they are keys); the sentence around them is translated.
        names = {"user": username, "role": f"{role} [{stage}]" if stage else role,
                 "departments": ", ".join(d.code for d in departments)}
        if revoke:
            # --stage alone removes that stage everywhere; with --department only those; without either, the whole role.
            removed = role_revoke(user=user, role=Role(role), actor=None, stage=stage,
                                  departments=departments if department else None)
            if departments:
                text = _("%(user)s: %(role)s of %(departments)s revoked (%(n)d mandate(s))")
            elif stage:
                text = _("%(user)s: %(role)s (all departments) revoked (%(n)d mandate(s))")
            else:
                text = _("%(user)s: %(role)s revoked (%(n)d mandate(s))")
            self.stdout.write(text % {**names, "n": removed})
            return
        if role == Role.REVIEWER and not (departments or stage):
            raise CommandError(_("a reviewer needs --stage KEY and/or at least one --department CODE"))
        role_grant(user=user, role=Role(role), actor=None, departments=departments, stage=stage)
        if departments:
            text = _("%(user)s: %(role)s of %(departments)s granted")
        elif stage:
            text = _("%(user)s: %(role)s (all departments) granted")
        else:
            text = _("%(user)s: %(role)s granted")
        self.stdout.write(text % names)
