"""Roles (student, faculty reviewer, registrar, operator) as Django groups with permissions behind them.

Groups are created by `setup_roles`, an idempotent function run after every `migrate` (post_migrate,
wired in AccountsConfig.ready), so a permission added by a later migration is granted on the next migrate.
Row-level scope (which department, whose records) lives in `accounts.access`, in the query.
"""
from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from django.contrib.auth.models import Group, Permission
from django.db import transaction


class Role(StrEnum):
    STUDENT = "student"
    REVIEWER = "reviewer"
    REGISTRAR = "registrar"
    OPERATOR = "operator"


# app_label.codename; a codename whose model does not exist yet is skipped and granted on a later migrate.
ROLE_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.STUDENT: (
        "accounts.view_forgeidentity",
        "credits.view_contribution",
        "credits.view_creditrecord",
    ),
    Role.REVIEWER: (
        "accounts.view_studentprofile",
        "accounts.view_forgeidentity",
        "accounts.view_department",
        "credits.view_contribution",
        "credits.view_creditrecord",
        "credits.change_creditrecord",
        "credits.view_creditline",
    ),
    Role.REGISTRAR: (
        "accounts.import_roster",
        "accounts.view_studentprofile",
        "accounts.add_studentprofile",
        "accounts.change_studentprofile",
        "accounts.view_department",
        "accounts.add_department",
        "accounts.change_department",
        "accounts.view_rosterhint",
        "credits.view_creditrecord",
        "credits.view_creditline",
        "credits.view_term",
        "credits.view_exportbatch",
        "credits.add_exportbatch",
        "credits.change_exportbatch",
    ),
    # Operators run the service: every permission of our two apps (computed in setup_roles).
    Role.OPERATOR: (),
}
OPERATOR_APPS = ("accounts", "credits")


def _permissions(codes: Iterable[str]) -> list[Permission]:
    """Resolve 'app.codename' strings to the Permission rows that exist now."""
    wanted = {tuple(code.split(".", 1)) for code in codes}
    found = Permission.objects.filter(content_type__app_label__in={a for a, _ in wanted}).select_related(
        "content_type"
    )
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


@transaction.atomic
def setup_roles() -> dict[str, int]:
    """Create the four role groups and set their permissions exactly (idempotent); return counts."""
    counts: dict[str, int] = {}
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        if role is Role.OPERATOR:
            perms = list(Permission.objects.filter(content_type__app_label__in=OPERATOR_APPS))
        else:
            perms = _permissions(ROLE_PERMISSIONS[role])
        group.permissions.set(perms)
        counts[role.value] = len(perms)
    return counts


def setup_roles_after_migrate(sender, **kwargs) -> None:
    """post_migrate receiver: refresh the role groups once our apps' permissions exist."""
    if sender.label not in OPERATOR_APPS:
        return
    setup_roles()


def roles_of(user) -> frozenset[str]:
    """The roles a user holds (cached on the user object for the request)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_xuefen_roles", None)
    if cached is not None:
        return cached
    roles = set(user.groups.filter(name__in=[r.value for r in Role]).values_list("name", flat=True))
    if user.is_superuser:
        roles.add(Role.OPERATOR.value)
    user._xuefen_roles = frozenset(roles)
    return user._xuefen_roles


def has_role(user, role: Role) -> bool:
    """True when `user` holds `role`."""
    return role.value in roles_of(user)
