"""Sign-in: username or student id (学号) plus password, behind django-axes throttling."""
from __future__ import annotations

from axes.backends import AxesBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .identifiers import normalize_student_id, normalize_username
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
    """The user an identifier names, by its normalised spelling: a username first, else a student id.

    Usernames win on a clash. A row stored before normalisation (the `accounts.W001` check lists those that
    collide) is still found by its exact spelling, so no account is locked out by the change.
    """
    if not isinstance(identifier, str) or not identifier.strip() or "\x00" in identifier:
        return None
    raw = identifier.strip()
    for username in dict.fromkeys((normalize_username(raw), raw)):
        user = User.objects.filter(username=username).first()
        if user is not None:
            return user
    for student_id in dict.fromkeys((normalize_student_id(raw), raw)):
        profile = StudentProfile.objects.filter(student_id=student_id).select_related("user").first()
        if profile is not None:
            return profile.user
    return None


def throttle_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: one failure count per account, however the username or student id is spelt.

    A known account counts under its stored username; an unknown identifier under its normalised spelling,
    so case, width and Unicode variants of one name never get fresh allowances.
    """
    identifier = (credentials or {}).get("username")
    if identifier is None and request is not None:
        identifier = request.POST.get("username")
    user = resolve_login(identifier)
    if user is not None:
        return user.username
    return normalize_username(identifier if isinstance(identifier, str) else "")[:255] or None


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
