"""Template context shared by every page: which navigation entries the signed-in person's roles may use."""
from __future__ import annotations

from django.http import HttpRequest

from .roles import Role, roles_of


def navigation(request: HttpRequest) -> dict:
    """`nav`: one flag per role (plus `staff`, any non-student role) for base.html's menu."""
    roles = roles_of(getattr(request, "user", None))
    flags = {role.value: role.value in roles for role in Role}
    flags["staff"] = bool(roles - {Role.STUDENT.value})
    # Only someone who is a student and nothing else sees the student's own pages by default; a member of
    # staff who also studies keeps them (they hold the student role explicitly).
    flags["own_credit"] = flags[Role.STUDENT.value]
    return {"nav": flags}
