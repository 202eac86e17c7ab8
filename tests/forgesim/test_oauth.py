"""forgesim's OAuth faces over HTTP: consent page, approve/deny redirects, token exchange, and /user."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests

REDIRECT = "http://127.0.0.1:9/accounts/oauth/{p}/login/callback/"
AUTHORIZE = {"github": "/github/login/oauth/authorize", "gitee": "/gitee/oauth/authorize",
             "gitlab": "/gitlab/oauth/authorize"}
TOKEN = {"github": "/github/login/oauth/access_token", "gitee": "/gitee/oauth/token", "gitlab": "/gitlab/oauth/token"}
LOGINS = {"github": ("wangxm-ai", 1001), "gitee": ("wangxm", 2001), "gitlab": ("wangxm", 3001)}


def decide(sim, platform: str, decision: str, login: str, **extra: str) -> requests.Response:
    """POST the consent form as a browser would; return the (unfollowed) redirect."""
    form = {"client_id": "xf-client", "redirect_uri": REDIRECT.format(p=platform), "state": "st-123",
            "response_type": "code", "login": login, "decision": decision, **extra}
    return requests.post(sim.url + AUTHORIZE[platform], data=form, allow_redirects=False, timeout=5)


def redirect_params(resp: requests.Response) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(resp.headers["Location"]).query).items()}


def exchange(sim, platform: str, code: str, *, json_accept: bool = True, **overrides: str) -> requests.Response:
    data = {"client_id": "xf-client", "client_secret": "s3cret", "code": code, "grant_type": "authorization_code",
            "redirect_uri": REDIRECT.format(p=platform), **overrides}
    headers = {"Accept": "application/json"} if json_accept else {}
    return requests.post(sim.url + TOKEN[platform], data=data, headers=headers, timeout=5)


def user_with(sim, platform: str, token: str) -> requests.Response:
    """/user the way each forge (and allauth's provider for it) passes the token."""
    if platform == "github":
        return requests.get(sim.github_api_url + "/user", headers={"Authorization": f"token {token}"}, timeout=5)
    if platform == "gitee":
        return requests.get(sim.gitee_api_url + "/user", params={"access_token": token}, timeout=5)
    return requests.get(sim.gitlab_url + "/api/v4/user", headers={"Authorization": f"Bearer {token}"}, timeout=5)


def test_consent_page_lists_the_forges_users_and_sets_no_cookie(demo_sim):
    resp = requests.get(demo_sim.url + AUTHORIZE["gitee"], timeout=5, params={
        "client_id": "xf-client", "redirect_uri": REDIRECT.format(p="gitee"), "state": "s", "response_type": "code"})

    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/html")
    assert "value='wangxm'" in resp.text and "value='zhang_san'" in resp.text  # Gitee logins, not GitHub's
    assert "wangxm-ai" not in resp.text
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
def test_approved_code_buys_a_token_that_the_user_endpoint_accepts(demo_sim, platform):
    login, uid = LOGINS[platform]
    resp = decide(demo_sim, platform, "approve", login)
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith(REDIRECT.format(p=platform) + "?")
    params = redirect_params(resp)
    assert params["state"] == "st-123"

    token_resp = exchange(demo_sim, platform, params["code"])
    assert token_resp.status_code == 200
    token = token_resp.json()["access_token"]

    me = user_with(demo_sim, platform, token)
    assert me.status_code == 200
    assert me.json()["id"] == uid
    assert me.json()["username" if platform == "gitlab" else "login"] == login


def test_gitlab_user_also_accepts_the_access_token_query_parameter(demo_sim):
    code = redirect_params(decide(demo_sim, "gitlab", "approve", "lihua"))["code"]
    token = exchange(demo_sim, "gitlab", code).json()["access_token"]

    me = requests.get(demo_sim.gitlab_url + "/api/v4/user", params={"access_token": token}, timeout=5)

    assert me.status_code == 200 and me.json()["id"] == 3002


def test_github_token_endpoint_answers_form_encoded_without_json_accept(demo_sim):
    code = redirect_params(decide(demo_sim, "github", "approve", "zhangsan-dev"))["code"]

    resp = exchange(demo_sim, "github", code, json_accept=False)

    assert resp.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    body = parse_qs(resp.text)
    assert body["token_type"] == ["bearer"] and body["access_token"][0].startswith("gho_")


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
def test_denied_authorization_redirects_with_access_denied_and_the_state(demo_sim, platform):
    resp = decide(demo_sim, platform, "deny", LOGINS[platform][0])

    params = redirect_params(resp)
    assert resp.status_code == 302 and params["error"] == "access_denied" and params["state"] == "st-123"
    assert "code" not in params


@pytest.mark.parametrize("platform, status", [("github", 200), ("gitee", 401), ("gitlab", 400)])
def test_a_code_is_redeemable_once(demo_sim, platform, status):
    code = redirect_params(decide(demo_sim, platform, "approve", LOGINS[platform][0]))["code"]
    assert "access_token" in exchange(demo_sim, platform, code).json()

    replay = exchange(demo_sim, platform, code)

    assert replay.status_code == status
    assert "access_token" not in replay.json() and replay.json()["error"] in {"bad_verification_code",
                                                                             "invalid_grant"}


def test_code_is_bound_to_its_client_and_redirect_uri(demo_sim):
    code = redirect_params(decide(demo_sim, "gitee", "approve", "wangxm"))["code"]
    assert exchange(demo_sim, "gitee", code, client_id="another-app").json()["error"] == "incorrect_client_credentials"

    code = redirect_params(decide(demo_sim, "gitee", "approve", "wangxm"))["code"]
    other = exchange(demo_sim, "gitee", code, redirect_uri="http://evil.example/cb")
    assert other.json()["error"] == "redirect_uri_mismatch"


def test_code_from_one_forge_is_worthless_at_another(demo_sim):
    code = redirect_params(decide(demo_sim, "github", "approve", "wangxm-ai"))["code"]

    resp = exchange(demo_sim, "gitlab", code, redirect_uri=REDIRECT.format(p="github"))

    assert resp.status_code == 400 and resp.json()["error"] == "invalid_grant"


def test_authorize_without_a_valid_redirect_uri_shows_an_error_instead_of_redirecting(demo_sim):
    resp = requests.get(demo_sim.url + AUTHORIZE["github"], params={"client_id": "x", "redirect_uri": "javascript:1"},
                        allow_redirects=False, timeout=5)

    assert resp.status_code == 400 and "Location" not in resp.headers
    assert "redirect_uri" in resp.text


def test_issued_tokens_are_user_tokens_unknown_ones_are_rejected(demo_sim):
    assert user_with(demo_sim, "github", "gho_not-issued").status_code == 401
    assert user_with(demo_sim, "gitee", "nope").status_code == 401
