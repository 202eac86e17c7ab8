"""Template context shared by every page: which navigation entries the signed-in person's roles may use."""
from __future__ import annotations

from django.http import HttpRequest

from .roles import Role, roles_of


def navigation(request: HttpRequest) -> dict:
    """`nav`: one flag per role (plus `staff`, any non-student role) for base.html's menu."""
    roles = roles_of(getattr(request, "user", None))
    flags = {role.value: role.value in roles for role in Role}
    flags["staff"] = bool(roles - {Role.STUDENT.value})
    flags["own_credit"] = own_pages(request.user, roles)
    return {"nav": flags}


def own_pages(user, roles: frozenset[str] | None = None) -> bool:
    """Whether the person's own pages (credit, contributions, forge accounts) are theirs to use.

    Students, and anyone signed in who holds no staff role; a member of staff who also studies holds the
    student role explicitly and keeps them.
    """
    if user is None or not user.is_authenticated:
        return False
    roles = roles_of(user) if roles is None else roles
    return Role.STUDENT.value in roles or not (roles - {Role.STUDENT.value})
