"""Findings: sign-in throttling was bypassed by changing a username's case (or its Unicode spelling)."""
from __future__ import annotations

import itertools

import pytest
from django.core.checks import run_checks

from accounts.models import StudentProfile, User
from tests.factories import PASSWORD, UserFactory, student

pytestmark = [pytest.mark.security, pytest.mark.django_db]
LOGIN = "/accounts/login/"


def sign_in(client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def signed_in(client) -> bool:
    return client.session.get("_auth_user_id") is not None


def case_variants(word: str, n: int) -> list[str]:
    spellings = ("".join(c) for c in itertools.product(*[(ch.lower(), ch.upper()) for ch in word]))
    return [s for s in spellings if s != word][:n]


def test_a_locked_account_stays_locked_under_another_case(client):
    UserFactory(username="registrar")
    for _ in range(5):
        sign_in(client, "registrar", "wrong")
    response = sign_in(client, "REGISTRAR", PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    assert sign_in(client, "registrar", PASSWORD).status_code == 429  # and the lock was not cleared


def test_case_variants_share_one_failure_count(client):
    UserFactory(username="registrar")
    for spelling in case_variants("registrar", 12)[:2]:
        for _ in range(3):
            sign_in(client, spelling, "wrong")
    # Six failures under two spellings: the account itself is locked.
    assert sign_in(client, "registrar", PASSWORD).status_code == 429 and not signed_in(client)


@pytest.mark.parametrize("variant", ["ＲＥＧＩＳＴＲＡＲ", "ｒｅｇｉｓｔｒａｒ", " registrar ", "Registrar"])
def test_unicode_and_width_variants_count_against_the_same_account(client, variant):
    UserFactory(username="registrar")
    for _ in range(5):
        sign_in(client, variant, "wrong")
    assert sign_in(client, "registrar", PASSWORD).status_code == 429


@pytest.mark.parametrize("lookalike", ["regıstrar", "reǵistrar", "registrar\u200b"])
def test_lookalikes_that_are_not_the_same_account_never_sign_in(client, lookalike):
    UserFactory(username="registrar")
    assert sign_in(client, lookalike, PASSWORD).status_code == 200 and not signed_in(client)


def test_student_ids_are_one_account_whatever_the_case(client):
    student(student_id="X209900020")
    for spelling in ("x209900020", "X209900020", "x209900020", "X209900020", "x209900020"):
        sign_in(client, spelling, "wrong")
    assert sign_in(client, "X209900020", PASSWORD).status_code == 429


def test_a_student_id_typed_in_lower_case_signs_in(client):
    profile = student(student_id="X209900021")
    assert sign_in(client, "x209900021", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(profile.user.pk)


def test_usernames_are_normalised_when_accounts_are_created():
    assert User.objects.create_user(username="ＲＥＧＩＳＴＲＡＲ2", password=PASSWORD).username == "registrar2"


def test_accounts_that_collide_after_normalisation_are_reported_by_a_check():
    a = User.objects.create(username="wang")
    User.objects.filter(pk=a.pk).update(username="Wang")  # a row from before normalisation
    User.objects.create(username="wang")
    profile = student(student_id="A100", user__username="first")
    StudentProfile.objects.filter(pk=profile.pk).update(student_id="a100")
    student(student_id="A100", user__username="second")
    messages = [m for m in run_checks(include_deployment_checks=False, databases=["default"])
                if m.id == "accounts.W001"]
    text = " ".join(m.msg for m in messages)
    assert "Wang" in text and "wang" in text and "a100" in text.lower()
