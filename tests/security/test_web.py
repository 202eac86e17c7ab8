"""The web surface: CSRF on every state-changing route (generated from the URL configuration), no open
redirect through next=, OAuth state never replayable."""
from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import ForgeIdentity
from accounts.roles import Role
from accounts.services.roles import role_grant
from tests.accounts.linking_fixtures import consent, oauth_sim, start_link  # noqa: F401 (fixture)
from tests.factories import PASSWORD, StudentProfileFactory, UserFactory

pytestmark = [pytest.mark.security, pytest.mark.django_db]


def _routes(resolver: URLResolver, prefix: str = "", ns: str = ""):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern):
            yield ns + (p.name or ""), prefix + str(p.pattern), p


ROUTES = [(name, pattern, p) for name, pattern, p in _routes(get_resolver())]


def _url(name: str, pattern: str, p: URLPattern) -> str | None:
    if not name or name.endswith(":"):
        return None  # unnamed catch-alls (the admin's) are covered by the named admin views
    kwargs = {}
    for param in p.pattern.regex.groupindex:
        if param == "app_label":
            kwargs[param] = re.search(r"\(\?P<app_label>([^)]*)\)", pattern).group(1).split("|")[0]
        elif param == "provider_id":
            kwargs[param] = "sso"
        else:
            kwargs[param] = "1"
    try:
        return reverse(name, kwargs=kwargs or None)
    except Exception:  # noqa: BLE001 - a converter that refuses "1" (then "1" is no URL of it to test)
        return None


def test_no_view_is_exempt_from_csrf():
    exempt = [name or pattern for name, pattern, p in ROUTES if getattr(p.callback, "csrf_exempt", False)]
    assert not exempt


@pytest.fixture
def operator():
    user = UserFactory(username="operator")
    role_grant(user=user, role=Role.OPERATOR, actor=None)
    return user


def test_every_route_refuses_a_post_without_a_csrf_token(operator):
    student = StudentProfileFactory(student_id="202600001").user
    wrong = []
    for who in (None, student, operator):
        client = Client(enforce_csrf_checks=True)
        if who is not None:
            client.force_login(who)
        for name, pattern, p in ROUTES:
            url = _url(name, pattern, p)
            if url is None:
                continue
            response = client.post(url, {"username": "operator", "password": PASSWORD, "next": "/"})
            if response.status_code != 403 or b"CSRF" not in response.content:
                wrong.append(f"POST {url} as {who or 'anonymous'}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert len(ROUTES) > 100  # the admin's routes were found too


EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example", "\\\\evil.example",
        "http://testserver@evil.example/", " https://evil.example/"]


def _is_local(location: str) -> bool:
    return location.startswith("/") and not location.startswith(("//", "/\\"))


@pytest.mark.parametrize("target", EVIL)
def test_sign_in_never_redirects_off_site(client, target):
    UserFactory(username="wangxm")
    response = client.post(f"/accounts/login/?next={target}", {"username": "wangxm", "password": PASSWORD,
                                                              "next": target})
    assert response.status_code == 302 and _is_local(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_sign_out_and_language_switch_never_redirect_off_site(client, target):
    client.force_login(UserFactory(username="wangxm"))
    for url, data in (("/i18n/setlang/", {"language": "en", "next": target}), ("/accounts/logout/", {"next": target})):
        response = client.post(url, data, HTTP_REFERER=target)
        assert response.status_code == 302 and _is_local(response["Location"]), (url, response["Location"])


@pytest.fixture
def student_client(client):
    profile = StudentProfileFactory(student_id="202600001", name="王小明")
    client.force_login(profile.user)
    return client


@pytest.mark.usefixtures("oauth_sim")
@pytest.mark.parametrize("platform, login", [("github", "wangxm-ai"), ("gitee", "wangxm"), ("gitlab", "wangxm")])
def test_an_oauth_callback_cannot_be_replayed(student_client, platform, login):
    callback = consent(start_link(student_client, platform), login=login)
    assert student_client.get(callback).status_code == 302
    ForgeIdentity.objects.all().update(unlinked_at="2026-01-01T00:00:00Z")
    replay = student_client.get(callback)
    assert replay.status_code == 400 and not ForgeIdentity.objects.filter(unlinked_at__isnull=True).exists()


@pytest.mark.usefixtures("oauth_sim")
def test_an_oauth_state_from_another_session_is_refused(student_client):
    callback = consent(start_link(student_client, "gitee"), login="wangxm")
    attacker = Client()
    attacker.force_login(UserFactory(username="mallory"))
    response = attacker.get(callback)  # the victim's code and state, replayed in the attacker's session
    assert response.status_code == 400 and not ForgeIdentity.objects.exists()
