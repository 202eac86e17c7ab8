"""The budget each forge reports per service token reaches the operator's dashboard (workers keep theirs in memory)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.forges.base import BudgetTracking, RateStatus
from credits.models import TokenBudget
from credits.models.tokens import ANONYMOUS, token_fingerprint
from credits.selectors.tokens import service_token_states
from credits.services.forge_tokens import service_token_add, token_budget_note
from credits.services.sync import repository_sync
from tests.credits.sync_helpers import link, register
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DEEPSEEK = "github:deepseek-ai/DeepSeek-V3"


def _sim_budget(sim, platform: str, token: str) -> dict:
    return sim.state.budgets.snapshot()[f"{platform}:{token}"]["core"]


def _sim_remaining(sim, platform: str, token: str) -> int:
    return _sim_budget(sim, platform, token)["remaining"]


def test_a_sync_keeps_the_budget_the_forge_reported_for_its_token(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": settings.FORGE_TOKENS["github"][:1]}
    (token,) = settings.FORGE_TOKENS["github"]
    repository_sync(repository_id=repository.pk)
    budget = TokenBudget.objects.get(platform="github", fingerprint=token_fingerprint(token))
    forge = _sim_budget(sim, "github", token)
    assert (budget.remaining, budget.limit) == (forge["remaining"], forge["limit"])
    assert budget.remaining < budget.limit and budget.reset_at is not None
    state = next(s for s in service_token_states() if s.platform == "github" and s.source == "environment")
    assert state.budget.pk == budget.pk


def test_anonymous_requests_show_their_own_budget(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": []}
    repository_sync(repository_id=repository.pk)
    budget = TokenBudget.objects.get(platform="github", fingerprint=ANONYMOUS)
    assert budget.limit == 60 and budget.remaining == _sim_remaining(sim, "github", "anonymous")
    (state,) = [s for s in service_token_states() if s.platform == "github"]
    assert state.source == "anonymous" and state.budget == budget


def test_the_dashboard_shows_a_stored_tokens_budget_and_says_when_none_was_reported(sim, client, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    token = settings.FORGE_TOKENS["github"][0]
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": []}
    service_token_add(platform="github", token=token, label="ops bot")
    service_token_add(platform="gitlab", token="glpat-never-used", label="idle bot")
    repository_sync(repository_id=repository.pk)
    operator = UserFactory(username="operator")
    role_grant(user=operator, role=Role.OPERATOR, actor=None)
    client.force_login(operator)
    page = client.get(reverse("sync_dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    forge = _sim_budget(sim, "github", token)
    assert f"{forge['remaining']} of {forge['limit']}" in page
    assert "not reported yet" in page  # the GitLab token has not been used
    assert "up to date" in page and ">ok<" not in page  # run states in words
    chinese = client.get(reverse("sync_dashboard"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"剩 {forge['remaining']} / 共 {forge['limit']}" in chinese and "尚未报告" in chinese


class _Reporting(BudgetTracking):
    """A stand-in client that only reports a budget: what matters here is what the forge claimed."""

    def __init__(self, token, rate):
        self._token, self._rate = token, rate


def test_absurd_budget_figures_are_stored_clamped_and_never_fail_the_sync(settings):
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_pool"]}
    token_budget_note(platform="github", client=_Reporting("ghp_pool", RateStatus(10**12, -5, 1e20)))
    budget = TokenBudget.objects.get(platform="github", fingerprint=token_fingerprint("ghp_pool"))
    assert (budget.remaining, budget.limit, budget.reset_at) == (2**31 - 1, 0, None)
    token_budget_note(platform="github", client=_Reporting("ghp_someones_own", RateStatus(5, 60, None)))
    assert TokenBudget.objects.count() == 1  # a person's own token is not recorded


def test_garbled_github_rate_headers_leave_the_budget_unknown():
    from credits.forges.github import client_from_settings

    client = client_from_settings(pool_tokens=[])
    client._note({"X-RateLimit-Remaining": "lots", "X-RateLimit-Limit": "5000", "X-RateLimit-Reset": "soon"})
    assert client.rate_status().remaining is None and client.requests_spent == 1
    client._note({"X-RateLimit-Remaining": "41", "X-RateLimit-Limit": "60", "X-RateLimit-Reset": "soon"})
    assert (client.rate_status().remaining, client.rate_status().limit, client.rate_status().reset_at) == (41, 60, None)
