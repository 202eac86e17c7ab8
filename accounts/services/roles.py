"""Role and mandate changes: the only way anyone gains or loses a role, each with its audit row."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import DEFAULT_STAGE, Department, Mandate, User
from accounts.roles import Role, setup_roles
from credits.models import AuditEvent
from credits.services.audit import audit_record


def _group(role: Role) -> Group:
    group = Group.objects.filter(name=role.value).first()
    if group is None:  # a database migrated before roles existed, or a flushed test database
        setup_roles()
        group = Group.objects.get(name=role.value)
    return group


def _forget_cached_roles(user: User) -> None:
    user.__dict__.pop("_xuefen_roles", None)


@transaction.atomic
def role_grant(
    *, user: User, role: Role, actor: User | None, departments: Iterable[Department] = (), stage: str | None = None
) -> list[Mandate]:
    """Give `user` a role; a reviewer also gets `stage` mandates for `departments` (none: university-wide).

    A reviewer granted neither a stage nor departments holds the role alone and decides nothing yet.
    Operators also get the admin site. Returns the mandates created.
    """
    user.groups.add(_group(role))
    depts = list(departments)
    created: list[Mandate] = []
    if role is Role.REVIEWER and (depts or stage):
        key = stage or DEFAULT_STAGE
        for department in depts or [None]:
            mandate, new = Mandate.objects.get_or_create(
                user=user, stage=key, department=department, defaults={"granted_by": actor}
            )
            if new:
                created.append(mandate)
    flags: dict = {}
    if role is Role.OPERATOR:
        # Remembered so that revoking takes back exactly what this grant (and the admin it opened) gave.
        flags = User.objects.filter(pk=user.pk).values("is_staff", "is_superuser").first() or {}
        flags = {"was_staff": flags.get("is_staff", False), "was_superuser": flags.get("is_superuser", False)}
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    _forget_cached_roles(user)
    audit_record(
        actor=actor, action="role_grant", subject=user, after=role.value,
        data={"departments": [d.code for d in depts], **({"stage": stage} if stage else {}), **flags},
    )
    return created


@transaction.atomic
def role_revoke(
    *, user: User, role: Role, actor: User | None, departments: Iterable[Department] | None = None,
    stage: str | None = None,
) -> int:
    """Take a role away: a reviewer loses the mandates matching `stage`/`departments` (all when neither is given)
    and keeps the role while any mandate remains. Returns the number of mandates removed."""
    depts = None if departments is None else list(departments)
    removed = 0
    if role is Role.REVIEWER:
        mandates = Mandate.objects.filter(user=user)
        if stage:
            mandates = mandates.filter(stage=stage)
        if depts is not None:  # an empty list names the university-wide mandate
            mandates = mandates.filter(department__in=depts) if depts else mandates.filter(department__isnull=True)
        removed, _ = mandates.delete()
    if role is not Role.REVIEWER or not Mandate.objects.filter(user=user).exists():
        user.groups.remove(*Group.objects.filter(name=role.value))
    data: dict = {"stage": stage} if stage else {}
    if role is Role.OPERATOR:
        removed_flags = _operator_flags_revoke(user)
        if removed_flags:
            data["flags_removed"] = removed_flags
    _forget_cached_roles(user)
    if depts is not None:
        data["departments"] = [d.code for d in depts]
    audit_record(actor=actor, action="role_revoke", subject=user, before=role.value, data=data)
    return removed


SUPERUSER = "superuser"


def _operator_flags_revoke(user: User) -> list[str]:
    """Clear the staff and superuser flags the operator role granted; keep those held before it or audited.

    Superuser gained while an operator without an audited grant (`grant_role USER superuser`) is taken away:
    that is what an operator ticking the box on their own user in the admin used to leave behind.
    """
    rows = AuditEvent.objects.filter(subject_type="user", subject_id=str(user.pk), action="role_grant")
    grant = rows.filter(to_status=Role.OPERATOR.value).order_by("-id").first()
    before = (grant.data or {}) if grant else {}
    keep_superuser = bool(before.get("was_superuser")) or rows.filter(to_status=SUPERUSER).exists()
    flags = User.objects.filter(pk=user.pk).values("is_staff", "is_superuser").first() or {}
    superuser = flags.get("is_superuser", False) and keep_superuser
    staff = flags.get("is_staff", False) and (superuser or bool(before.get("was_staff")))
    removed = [name for name, now in (("is_staff", staff), ("is_superuser", superuser)) if flags.get(name) and not now]
    if removed:
        User.objects.filter(pk=user.pk).update(is_staff=staff, is_superuser=superuser)
    user.is_staff, user.is_superuser = staff, superuser
    return removed


@transaction.atomic
def superuser_grant(*, user: User, actor: User | None) -> None:
    """Make `user` a superuser (and staff), or record an existing superuser's privilege: one audit row."""
    was = user.is_superuser
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    user.is_superuser = user.is_staff = True
    _forget_cached_roles(user)
    audit_record(actor=actor, action="role_grant", subject=user, after=SUPERUSER,
                 data={"already_superuser": was})


@transaction.atomic
def superuser_revoke(*, user: User, actor: User | None) -> None:
    """Take superuser away; staff stays only while the operator role does."""
    keeps_staff = user.groups.filter(name=Role.OPERATOR.value).exists()
    User.objects.filter(pk=user.pk).update(is_superuser=False, is_staff=keeps_staff)
    user.is_superuser, user.is_staff = False, keeps_staff
    _forget_cached_roles(user)
    audit_record(actor=actor, action="role_revoke", subject=user, before=SUPERUSER)


@transaction.atomic
def staff_flag_set(*, user: User, is_staff: bool, actor: User | None) -> None:
    """A superuser's change of the staff flag in the admin, with its audit row."""
    User.objects.filter(pk=user.pk).update(is_staff=is_staff)
    user.is_staff = is_staff
    audit_record(actor=actor, action="staff_grant" if is_staff else "staff_revoke", subject=user)


@transaction.atomic
def groups_set(*, user: User, groups: Iterable[Group], actor: User | None) -> None:
    """A superuser's change of a user's groups in the admin, with one audit row naming what changed."""
    wanted = {g.pk: g for g in groups}
    current = {g.pk: g for g in user.groups.all()}
    added = [wanted[pk] for pk in wanted.keys() - current.keys()]
    removed = [current[pk] for pk in current.keys() - wanted.keys()]
    if not added and not removed:
        return
    user.groups.add(*added)
    user.groups.remove(*removed)
    _forget_cached_roles(user)
    audit_record(actor=actor, action="groups_change", subject=user,
                 data={"added": sorted(g.name for g in added), "removed": sorted(g.name for g in removed)})
