"""Seed a demo university from a forgesim world: departments, a roster, linked identities, the registry."""
from __future__ import annotations

import csv
import io

from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext as _

from accounts.models import Department, StudentProfile, User, Verification
from accounts.services.identities import identity_link
from accounts.services.roster import roster_import
from credits.services.registry import SHIPPED_REGISTRY, RegistryEntry, registry_file_parse, registry_load
from credits.tasks import backfill_enqueue
from forgesim.model import World

DEMO_PASSWORD = "xuefen-demo"
PLATFORMS = ("github", "gitee", "gitlab")


def students_of(world: World) -> list:
    """Simulated people who are students (they carry a `student` record)."""
    return [u for u in world.users.values() if getattr(u, "student", None)]


def departments_seed(world: World) -> int:
    """One Department per department name the students use."""
    names = sorted({u.student["department"] for u in students_of(world)})
    for index, name in enumerate(names, start=1):
        Department.objects.get_or_create(name=name, defaults={"code": f"d{index:02d}"})
    return len(names)


def roster_seed(world: World) -> int:
    """Import the students through the real roster path (the same service registrar uploads use)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student_id", "name", "email", "department"])
    for user in students_of(world):
        info = user.student
        writer.writerow([info["student_id"], info["name"], info.get("email") or f"{info['student_id']}@example.edu.cn",
                         info["department"]])
    result = roster_import(data=buffer.getvalue().encode("utf-8-sig"), actor=None)
    if not result.applied:
        raise ValueError(_("demo roster rejected: %(errors)s") % {"errors": "; ".join(map(str, result.errors[:3]))})
    # One hash for every demo student: PBKDF2 is deliberately slow, and they all share the demo password.
    User.objects.filter(student__isnull=False, password__startswith="!").update(password=make_password(DEMO_PASSWORD))
    return result.created + result.updated


def identities_seed(world: World) -> int:
    """Operator-verified links for every forge account a student has; each link enqueues its backfill."""
    operator = operator_seed()
    profiles = {p.student_id: p for p in StudentProfile.objects.select_related("user")}
    linked = 0
    for user in students_of(world):
        profile = profiles[user.student["student_id"]]
        for platform in PLATFORMS:
            uid, login = user.uid(platform), user.login(platform)
            if uid is None:
                continue
            identity = identity_link(user=profile.user, platform=platform, external_id=uid, login=login,
                                     via=Verification.OPERATOR, actor=operator)
            backfill_enqueue(identity)
            linked += 1
    return linked


def registry_seed(world: World) -> int:
    """Register every simulated repository that is not a student's own project (mirrors marked)."""
    repos = [r for r in world.repos.values() if not r.owner_is_user]
    sources = {r.spec for r in repos}
    shipped = {e.spec.lower(): e.tier for e in registry_file_parse(SHIPPED_REGISTRY)}
    # Sources before mirrors, so a mirror's source is registered first.
    entries = [RegistryEntry(spec=r.spec, tier=shipped.get(r.spec.lower(), "standard"),
                             mirror_of=r.mirror_of if r.mirror_of in sources else "")
               for r in sorted(repos, key=lambda r: (bool(r.mirror_of), r.spec))]
    return len(registry_load(entries=entries))


def staff_seed() -> list[str]:
    """A faculty reviewer for the first department and a registrar, so every role can be tried."""
    from accounts.roles import Role
    from accounts.services.roles import role_grant

    operator = operator_seed()
    department = Department.objects.order_by("code").first()
    made = []
    for username, role, departments in (("reviewer", Role.REVIEWER, [department]), ("registrar", Role.REGISTRAR, [])):
        user, created = User.objects.get_or_create(username=username, defaults={"display_name": f"Demo {username}"})
        if created:
            user.password = make_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        role_grant(user=user, role=role, actor=operator, departments=departments)
        made.append(f"{username} ({role.value}{', ' + department.name if departments else ''})")
    return made


def operator_seed() -> User:
    """The demo operator (superuser) account."""
    operator, created = User.objects.get_or_create(username="operator", defaults={
        "is_staff": True, "is_superuser": True, "display_name": "Demo operator 运维"})
    if created:
        operator.set_password(DEMO_PASSWORD)
        operator.save(update_fields=["password"])
    return operator
