"""Fixtures and helpers for OAuth-linking tests: forgesim with allauth's providers pointed at it."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from accounts.providers.config import socialaccount_providers

CLIENTS = {p: (f"xuefen-test-{p}", f"secret-{p}") for p in ("github", "gitee", "gitlab")}
# The demo world's student 王小明 on each forge: (login, numeric id).
WANGXM = {"github": ("wangxm-ai", 1001), "gitee": ("wangxm", 2001), "gitlab": ("wangxm", 3001)}


@pytest.fixture
def oauth_sim(sim, settings):
    """forgesim with an OAuth app per forge configured in settings (apps from settings, not DB rows)."""
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        github_url=sim.github_url, gitee_url=sim.gitee_url, gitee_api_url=sim.gitee_api_url,
        gitlab_url=sim.gitlab_url, clients=CLIENTS,
    )
    return sim


def start_link(client, platform: str) -> str:
    """POST the page's link button; return forgesim's authorize URL allauth redirected to."""
    resp = client.post(f"/accounts/oauth/{platform}/login/", {"process": "connect"})
    assert resp.status_code == 302, resp.content[:300]
    return resp["Location"]


def consent(authorize_url: str, *, login: str, decision: str = "approve") -> str:
    """Answer forgesim's consent page as the simulated user; return the callback path + query."""
    parts = urlsplit(authorize_url)
    page = requests.get(authorize_url, timeout=5)
    assert page.status_code == 200, page.text[:300]
    form = dict(parse_qsl(parts.query))
    form.update({"login": login, "decision": decision})
    resp = requests.post(f"{parts.scheme}://{parts.netloc}{parts.path}", data=form, allow_redirects=False, timeout=5)
    assert resp.status_code == 302, resp.text[:300]
    callback = urlsplit(resp.headers["Location"])
    return f"{callback.path}?{callback.query}"


def link_via_oauth(client, platform: str, login: str, *, decision: str = "approve"):
    """The whole dance through the Django test client and forgesim; returns the callback's response."""
    return client.get(consent(start_link(client, platform), login=login, decision=decision))
