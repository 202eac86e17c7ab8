"""Template context for the navigation: whether the viewer has a review queue and how much waits for them."""
from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def review_nav(request) -> dict:
    """`review_nav.reviewer`, `.waiting` ("waiting for you: N") and `.registrar`, computed only when shown."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def compute() -> dict:
        from accounts.roles import Role, roles_of
        from credits.selectors.review import is_reviewer, waiting_count

        reviewer = is_reviewer(user)
        return {"reviewer": reviewer, "waiting": waiting_count(user) if reviewer else 0,
                "registrar": bool(roles_of(user) & {Role.REGISTRAR.value, Role.OPERATOR.value})}

    return {"review_nav": SimpleLazyObject(compute)}
