"""Sign-in: username or student id (学号) plus password, behind django-axes throttling."""
from __future__ import annotations

from axes.backends import AxesBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .models import StudentProfile, User


class ThrottleBackend(AxesBackend):
    """django-axes' lock-out check, skipped only when there is no HTTP request to throttle.

    Every web sign-in (Django's LoginView, the admin, allauth) passes the request, so it is always
    checked; `Client.login()` in tests and shell `authenticate()` calls pass none, and axes would
    otherwise raise instead of authenticating.
    """

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        """Refuse a locked-out client; otherwise let the next backend decide."""
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def resolve_login(identifier: str | None) -> User | None:
    """The user an identifier names: a username first, else a student id (usernames win on a clash)."""
    if not identifier:
        return None
    identifier = identifier.strip()
    user = User.objects.filter(username=identifier).first()
    if user is not None:
        return user
    profile = StudentProfile.objects.filter(student_id=identifier).select_related("user").first()
    return profile.user if profile else None


def throttle_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: count failures per account, whether typed as username or student id."""
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    user = resolve_login(identifier)
    return user.username if user else (identifier or "").strip() or None


class UsernameOrStudentIdBackend(ModelBackend):
    """Authenticate with a username or a student id and the account's password."""

    def authenticate(self, request: HttpRequest | None, username=None, password=None, **kwargs):
        """Return the user when the identifier and password match an active account."""
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        user = resolve_login(username)
        if user is None:
            # Hash anyway so an unknown identifier takes as long as a wrong password (no enumeration).
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
