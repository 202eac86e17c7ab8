"""Role and mandate changes: the only way anyone gains or loses a role, each with its audit row."""
from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import DEFAULT_STAGE, Department, Mandate, User
from accounts.roles import Role, setup_roles
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
    if role is Role.OPERATOR and not user.is_staff:
        User.objects.filter(pk=user.pk).update(is_staff=True)
        user.is_staff = True
    _forget_cached_roles(user)
    audit_record(
        actor=actor, action="role_grant", subject=user, after=role.value,
        data={"departments": [d.code for d in depts], **({"stage": stage} if stage else {})},
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
    if role is Role.OPERATOR and user.is_staff and not user.is_superuser:
        # The grant opened the admin site; a former operator must not keep it (a superuser is one regardless).
        User.objects.filter(pk=user.pk).update(is_staff=False)
        user.is_staff = False
    _forget_cached_roles(user)
    data: dict = {"stage": stage} if stage else {}
    if depts is not None:
        data["departments"] = [d.code for d in depts]
    audit_record(actor=actor, action="role_revoke", subject=user, before=role.value, data=data)
    return removed
