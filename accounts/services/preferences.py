"""Personal preferences that are not decisions (no audit row): the language emails are written in."""
from __future__ import annotations

from accounts.models import User


def user_language_remember(*, user: User, language: str) -> bool:
    """Store the language the person uses now; True when it changed (one UPDATE, only then)."""
    if not language or user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True
