"""Sign-in with a username or a student id, throttled by django-axes with a cool-off."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory, student

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_student_signs_in_with_student_id(client):
    profile = student(student_id="2026123456", user__username="wangxm")
    resp = sign_in(client, "2026123456", PASSWORD)
    assert resp.status_code == 302
    assert signed_in_as(client) == str(profile.user.pk)


def test_anyone_signs_in_with_username(client):
    profile = student(student_id="2026123456", user__username="wangxm")
    assert sign_in(client, "wangxm", PASSWORD).status_code == 302
    assert signed_in_as(client) == str(profile.user.pk)


def test_wrong_password_and_unknown_identifier_do_not_sign_in(client):
    student(student_id="2026123456")
    assert sign_in(client, "2026123456", "wrong-password").status_code == 200
    assert sign_in(client, "no-such-person", PASSWORD).status_code == 200
    assert signed_in_as(client) is None


def test_username_wins_when_it_equals_another_persons_student_id(rf):
    staff = UserFactory(username="2026000001")
    student(student_id="2026000001", user__username="someone-else")
    assert authenticate(rf.post(LOGIN), username="2026000001", password=PASSWORD) == staff


def test_inactive_student_cannot_sign_in_by_student_id(client):
    profile = student(student_id="2026123456")
    profile.user.is_active = False
    profile.user.save()
    assert sign_in(client, "2026123456", PASSWORD).status_code == 200
    assert signed_in_as(client) is None


def test_test_client_login_without_a_request_still_works(client):
    # Client.login() calls authenticate() without a request; the throttle must not break it.
    profile = student()
    assert client.login(username=profile.student_id, password=PASSWORD)


def test_five_failures_lock_the_account_then_the_cool_off_lets_it_back_in(client):
    profile = student(student_id="2026123456", user__username="wangxm")
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(4):
            assert sign_in(client, "2026123456", "wrong").status_code == 200
        assert sign_in(client, "2026123456", "wrong").status_code == 429  # the fifth failure locks
        locked = sign_in(client, "2026123456", PASSWORD)  # even the right password is refused now
        assert locked.status_code == 429
        assert "0:15:00" in locked.content.decode()  # the page says how long to wait
        assert "登录尝试次数过多" in locked.content.decode()  # in the portal's default language
        assert signed_in_as(client) is None
        clock.shift(dt.timedelta(minutes=14))
        assert sign_in(client, "2026123456", PASSWORD).status_code == 429  # still cooling off
        clock.shift(dt.timedelta(minutes=16))
        assert sign_in(client, "2026123456", PASSWORD).status_code == 302
        assert signed_in_as(client) == str(profile.user.pk)


def test_failures_count_per_account_whether_typed_as_username_or_student_id(client):
    student(student_id="2026123456", user__username="wangxm")
    for identifier in ("wangxm", "2026123456", "wangxm", "2026123456", "wangxm"):
        sign_in(client, identifier, "wrong")
    assert sign_in(client, "wangxm", PASSWORD).status_code == 429
    assert sign_in(client, "2026123456", PASSWORD).status_code == 429


def test_a_lock_on_one_account_does_not_lock_another(client):
    student(student_id="2026123456")
    other = student(student_id="2026654321")
    for _ in range(5):
        sign_in(client, "2026123456", "wrong")
    assert sign_in(client, "2026654321", PASSWORD).status_code == 302
    assert signed_in_as(client) == str(other.user.pk)


def test_four_failures_then_success_resets_the_count(client):
    student(student_id="2026123456")
    for _ in range(4):
        sign_in(client, "2026123456", "wrong")
    assert sign_in(client, "2026123456", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, "2026123456", "wrong")
    assert sign_in(client, "2026123456", PASSWORD).status_code == 302
