"""Invitations and forgot password: one-time expiring links, both languages, failures reported, never swallowed."""
from __future__ import annotations

import re
import socket
import time
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import User
from credits.models import AuditEvent
from tests.factories import student
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s]+/accounts/reset/[^\s]+/")


def roster_student(sid: str = "2026001", email: str = "li@example.edu"):
    """A student as the roster creates them: no usable password."""
    profile = student(student_id=sid, user__username=sid, user__email=email)
    profile.user.set_unusable_password()
    profile.user.save()
    return profile


def closed_port() -> int:
    """A local port nothing listens on (a mail server that refuses)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def link_in(message) -> str:
    found = LINK.findall(message.body)
    assert found, message.body
    return found[0]


def test_invitation_reaches_a_roster_student_in_both_languages_and_sets_a_password(client, settings):
    settings.SITE_URL = "https://xuefen.example.edu"
    profile = roster_student()
    out = StringIO()
    call_command("invite_users", "--lang", "en", stdout=out)
    assert "1 invitation(s) sent, 0 failed" in out.getvalue()
    (message,) = mail.outbox
    assert message.to == ["li@example.edu"]
    assert "设置密码" in message.body and "Set your password" in message.body
    assert "2026001" in message.body
    url = link_in(message)
    assert url.startswith("https://xuefen.example.edu/accounts/reset/")
    page = client.get(url.removeprefix("https://xuefen.example.edu"), follow=True)
    assert b'name="new_password1"' in page.content
    done = client.post(page.redirect_chain[-1][0], {"new_password1": "a-Long-pass-2026",
                                                    "new_password2": "a-Long-pass-2026"}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    profile.user.refresh_from_db()
    assert profile.user.check_password("a-Long-pass-2026")
    assert AuditEvent.objects.filter(action="password_set", subject_id=str(profile.user.pk)).exists()
    assert AuditEvent.objects.filter(action="invitation_send", subject_id=str(profile.user.pk)).exists()
    # The same link is spent: a clear page and a way to ask for a new one.
    again = client.get(url.removeprefix("https://xuefen.example.edu"), follow=True)
    assert b'name="new_password1"' not in again.content
    assert reverse("password_reset").encode() in again.content


def test_an_expired_link_shows_the_ask_again_page(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    roster_student()
    call_command("invite_users", stdout=StringIO())
    path = "/" + link_in(mail.outbox[0]).split("/", 3)[3]
    with time_machine.travel(time.time() + 2 * 3600):  # a timestamp: no time-zone reading of a naive now
        page = client.get(path, follow=True)
    assert b'name="new_password1"' not in page.content
    assert reverse("password_reset").encode() in page.content


def test_only_new_skips_people_already_invited_or_with_a_password(settings):
    roster_student("2026001", "a@example.edu")
    call_command("invite_users", stdout=StringIO())
    roster_student("2026002", "b@example.edu")
    student(student_id="2026003", user__username="2026003")  # has a password already
    out = StringIO()
    call_command("invite_users", "--only-new", "--lang", "en", stdout=out)
    assert "1 invitation(s) sent" in out.getvalue()
    assert [m.to for m in mail.outbox] == [["a@example.edu"], ["b@example.edu"]]


def test_a_refusing_mail_server_is_reported_with_exit_status_and_audit(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 3
    profile = roster_student()
    err = StringIO()
    with pytest.raises(CommandError, match="1 invitation"):
        call_command("invite_users", "--lang", "en", stdout=StringIO(), stderr=err)
    assert ("NOT sent to 2026001 <li@example.edu>: the mail server refused the message or could not be reached "
            "(ConnectionRefusedError") in err.getvalue()
    assert AuditEvent.objects.filter(action="invitation_failed", subject_id=str(profile.user.pk)).exists()
    assert not AuditEvent.objects.filter(action="invitation_send").exists()


def test_a_person_without_email_is_a_reported_failure():
    roster_student(email="")
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("invite_users", "--lang", "en", stdout=StringIO(), stderr=err)
    assert "no email address" in err.getvalue()


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["已发送 1 封邀请，0 封失败", "没有需要邀请的人", "未发送给 2026002 <->：没有邮箱地址",
                 "已发送 0 封邀请，1 封失败", "1 封邀请未能发送；修正邮件设置或邮箱地址后，用 --only-new 重新运行",
                 "未知的院系代码 'nosuch'", "未设置 SITE_URL"]),
    ("en", ["1 invitation(s) sent, 0 failed", "nobody to invite", "NOT sent to 2026002 <->: no email address",
            "0 invitation(s) sent, 1 failed", "1 invitation(s) could not be sent; rerun with --only-new",
            "unknown department code 'nosuch'", "SITE_URL is not set"]),
])
def test_each_run_speaks_one_language(settings, language, words):
    """The command's lines are in the run's language; the mail itself is always in both (Chinese first)."""
    settings.SITE_URL = "https://xuefen.example.edu"
    roster_student("2026001", "a@example.edu")
    out, err = StringIO(), StringIO()
    call_command("invite_users", "--lang", language, stdout=out)
    call_command("invite_users", "--only-new", "--lang", language, stdout=out)
    roster_student("2026002", "")
    printed = []
    for args in (["--only-new"], ["--department", "nosuch"]):
        with pytest.raises(CommandError) as refused:
            call_command("invite_users", *args, "--lang", language, stdout=out, stderr=err)
        printed.append(str(refused.value))
    settings.SITE_URL = ""
    with pytest.raises(CommandError) as refused:
        call_command("invite_users", "--lang", language, stdout=out)
    text = "\n".join([out.getvalue(), err.getvalue(), *printed, str(refused.value)])
    for word in words:
        assert word in text
    assert_one_language(text, language, data=("SITE_URL", "nosuch"))
    (message,) = mail.outbox
    assert "设置密码" in message.body and "Set your password" in message.body


def test_forgot_password_works_for_a_roster_student_by_student_id_in_the_pages_language(client):
    roster_student()
    client.cookies["django_language"] = "en"
    page = client.get(reverse("password_reset"))
    assert b"Forgot your password?" in page.content and b"Django" not in page.content
    response = client.post(reverse("password_reset"), {"identifier": "2026001"})
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    (message,) = mail.outbox
    assert "reset your password" in message.subject and "设置" not in message.body
    assert link_in(message).startswith("http://testserver/accounts/reset/")


def test_forgot_password_answers_the_same_for_an_unknown_address(client):
    response = client.post(reverse("password_reset"), {"identifier": "nobody@example.edu"})
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_forgot_password_says_so_when_mail_fails(client, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 3
    roster_student()
    response = client.post(reverse("password_reset"), {"identifier": "li@example.edu"})
    assert response.status_code == 503
    assert "could not send" in response.content.decode() or "无法发送" in response.content.decode()


def test_sign_in_page_offers_forgot_password(client):
    assert reverse("password_reset").encode() in client.get(reverse("login")).content


def test_a_user_who_set_a_password_signs_in_with_the_student_id(client):
    profile = roster_student()
    call_command("invite_users", stdout=StringIO())
    path = "/" + link_in(mail.outbox[0]).split("/", 3)[3]
    form_url = client.get(path, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "a-Long-pass-2026", "new_password2": "a-Long-pass-2026"})
    response = client.post(reverse("login"), {"username": "2026001", "password": "a-Long-pass-2026"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(pk=profile.user.pk).pk)


def test_role_and_department_choose_who_is_invited():
    from accounts.roles import Role
    from accounts.services.roles import role_grant
    from tests.factories import DepartmentFactory, UserFactory

    cs, math = DepartmentFactory(code="cs"), DepartmentFactory(code="math")
    a = roster_student("2026001", "a@example.edu")
    a.department = cs
    a.save()
    b = roster_student("2026002", "b@example.edu")
    b.department = math
    b.save()
    reviewer = UserFactory(username="zhang", email="zhang@example.edu")
    role_grant(user=reviewer, role=Role.REVIEWER, actor=None, departments=[cs], stage="department")
    call_command("invite_users", "--department", "cs", stdout=StringIO())
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.edu", "zhang@example.edu"]
    mail.outbox.clear()
    call_command("invite_users", "--role", "reviewer", stdout=StringIO())
    assert [m.to for m in mail.outbox] == [["zhang@example.edu"]]
    with pytest.raises(CommandError, match="unknown department code 'nosuch'"):
        call_command("invite_users", "--department", "nosuch", "--lang", "en", stdout=StringIO())
