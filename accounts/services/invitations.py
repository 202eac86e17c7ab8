"""Invitations and password resets: a one-time, expiring link to set a password, sent by email."""
from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.backends import resolve_login
from accounts.models import Mandate, User
from credits.models import AuditEvent
from credits.services.audit import audit_record

logger = logging.getLogger(__name__)
# Invitations go to people whose language we do not know yet: both, Chinese first.
INVITATION_LANGUAGES = ("zh-hans", "en")


class SendFailed(RuntimeError):
    """The mail server refused or could not be reached; nothing was sent."""


@dataclass
class InviteReport:
    """Who got a link and who did not (with why)."""

    sent: list[User] = field(default_factory=list)
    failed: list[tuple[User, str]] = field(default_factory=list)


def invitation_url(*, user: User, base_url: str) -> str:
    """The set-password link for `user`: valid until it expires or the password changes (single use)."""
    # Made directly rather than through PasswordResetForm, which skips people without a usable password.
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return base_url.rstrip("/") + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _login_name(user: User) -> str:
    profile = getattr(user, "student", None)  # a missing profile reads as None (RelatedObjectDoesNotExist)
    return profile.student_id if profile else user.username


def _message(*, user: User, url: str, kind: str, languages: Iterable[str]) -> EmailMessage:
    """The mail in each of `languages`, one after another under one subject."""
    parts, subjects = [], []
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    for language in languages:
        with translation.override(language):
            context = {"user": user, "url": url, "login": _login_name(user), "days": days}
            parts.append(render_to_string(f"accounts/email/{kind}.txt", context).strip())
            subjects.append(_("Your Xuefen account: set your password") if kind == "invitation"
                            else _("Xuefen: reset your password"))
    subject = " / ".join(dict.fromkeys(subjects))
    return EmailMessage(subject=subject, body="\n\n----------------\n\n".join(parts) + "\n", to=[user.email])


def link_send(*, user: User, base_url: str, actor: User | None, kind: str = "invitation",
              languages: Iterable[str] = INVITATION_LANGUAGES) -> None:
    """Email `user` a set-password link and record it; raise SendFailed (logged and audited) when mail fails."""
    if not user.email:
        raise SendFailed(_("no email address"))
    url = invitation_url(user=user, base_url=base_url)
    try:
        sent = _message(user=user, url=url, kind=kind, languages=languages).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
        logger.error("could not send the %s for %s to %s: %s", kind, user.username, user.email, reason)
        audit_record(action=f"{kind}_failed", subject=user, actor=actor, reason=reason[:500])
        # The exception's own text stays as the mail library wrote it, inside a sentence in the run's language.
        raise SendFailed(_("the mail server refused the message or could not be reached (%(error)s)")
                         % {"error": reason}) from exc
    if sent != 1:
        audit_record(action=f"{kind}_failed", subject=user, actor=actor, reason="the mail backend sent nothing")
        raise SendFailed(_("the mail backend sent nothing"))
    audit_record(action=f"{kind}_send", subject=user, actor=actor, data={"email": user.email})


def invitees(*, role: str | None = None, department: str | None = None, only_new: bool = False) -> QuerySet[User]:
    """Active people to invite: by role, by department (students and reviewers there), never invited yet."""
    users = User.objects.filter(is_active=True)
    if role:
        users = users.filter(groups__name=role)
    if department:
        reviewers = Mandate.objects.filter(department__code=department).values("user_id")
        users = users.filter(Q(student__department__code=department) | Q(pk__in=reviewers))
    if only_new:
        invited = AuditEvent.objects.filter(action="invitation_send", subject_type="user").values("subject_id")
        invited_ids = {int(i) for i in invited.values_list("subject_id", flat=True) if str(i).isdigit()}
        users = users.filter(password__startswith="!").exclude(pk__in=invited_ids)
    return users.distinct().order_by("username")


def invitations_send(*, users: Iterable[User], base_url: str, actor: User | None) -> InviteReport:
    """Send each person an invitation; every failure is collected, none stops the others."""
    report = InviteReport()
    for user in users:
        try:
            link_send(user=user, base_url=base_url, actor=actor)
        except SendFailed as exc:
            report.failed.append((user, str(exc)))
        else:
            report.sent.append(user)
    return report


def password_reset_request(*, identifier: str, base_url: str, language: str) -> int:
    """Send a reset link to the account an email, username or student id names; how many were sent.

    Works for people who never had a password (roster students). Raises SendFailed when mail fails.
    """
    identifier = identifier.strip()
    users = list(User.objects.filter(is_active=True, email__iexact=identifier).exclude(email=""))
    if not users and (user := resolve_login(identifier)) is not None and user.is_active and user.email:
        users = [user]
    for user in users:
        link_send(user=user, base_url=base_url, actor=None, kind="reset", languages=(language,))
    return len(users)


def password_set_record(*, user: User, ip: str | None = None) -> None:
    """Audit a password set through a link (the link is now spent)."""
    audit_record(action="password_set", subject=user, actor=user, ip=ip)
