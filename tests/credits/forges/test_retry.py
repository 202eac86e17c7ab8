"""The one retry rule in the forge door: transient faults retried in place, every attempt counted."""
from __future__ import annotations

import time

import pytest

from credits.forges import ForgeRateLimited, ForgeUnavailable, RepoRef, client_for
from credits.forges.retry import RetryPolicy, retry_wait

from .conftest import add_merged

REPOS = {"github": "github:QwenLM/Qwen3", "gitee": "gitee:mindspore/mindspore", "gitlab": "gitlab:ai-lab/nlp/toolkit"}
QUICK_FAULTS = {"500": 1, "502": 1, "503": 1, "reset": 1, "truncated": 1}


def ref(sim, platform: str) -> RepoRef:
    path = REPOS[platform].split(":", 1)[1]
    return RepoRef(platform, path, sim.world.repo(platform, path).id)


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
def test_a_walk_through_a_forge_failing_half_its_answers_completes_and_counts_every_attempt(
        platform, sim, settings, forge_retries):
    settings.FORGE_RETRY_ATTEMPTS = 10
    add_merged(sim.world, REPOS[platform], "wangxm", 450)
    expected = {p.id for p in sim.world.pulls_of(platform, ref(sim, platform).path).values() if p.state == "merged"}
    sim.set_fault_rate(platform, 0.5, seed=1, mix=QUICK_FAULTS)
    client = client_for(platform)

    seen = {pull.external_id for page in client.pull_pages(ref(sim, platform)) for pull in page.pulls}

    stats = sim.stats()["platforms"][platform]
    assert seen == expected
    assert stats["faults"] >= 2  # faults were injected and retried, not dodged
    assert client.requests_spent == stats["requests"]  # each attempt, answered or cut off, is in the figures


def test_an_answer_slower_than_the_client_timeout_is_retried_then_raised_as_transient(sim, settings, forge_retries):
    settings.FORGE_TIMEOUT_SECONDS = 1
    settings.FORGE_RETRY_ATTEMPTS = 3
    sim.set_fault_rate("gitee", 1.0, mix={"slow": 1}, slow_seconds=1.6)
    client = client_for("gitee")

    with pytest.raises(ForgeUnavailable, match="after 3 attempts") as caught:
        list(client.pull_pages(ref(sim, "gitee")))

    assert not caught.value.permanent and client.requests_spent == 3
    sim.clear_faults()
    assert list(client.pull_pages(ref(sim, "gitee")))[0].pulls


def test_a_spent_token_hands_the_request_to_the_next_token_in_the_pool(sim, settings, forge_retries):
    first, second = settings.FORGE_TOKENS["github"][:2]
    add_merged(sim.world, REPOS["github"], "wangxm", 3)
    sim.set_budget("github", first, remaining=0, reset_in_seconds=600)
    client = client_for("github")  # the pool knows no budgets yet and starts with the first token
    started = time.monotonic()

    pages = list(client.pull_pages(ref(sim, "github")))

    assert pages[0].pulls and time.monotonic() - started < 2  # moved on at once, no waiting for the reset
    tokens = sim.stats()["tokens"]
    assert tokens[f"github:{first}"]["statuses"] == {"403": 1} and tokens[f"github:{second}"]["requests"] >= 1


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
def test_a_long_limit_is_the_tasks_to_wait_for_not_the_clients(platform, sim, forge_retries):
    sim.inject_fault(platform, r"/(pulls|merge_requests)", "secondary_rate_limit" if platform == "github"
                     else "rate_limit", retry_after=42, times=None)
    client = client_for(platform, token="glpat-demo-service-1" if platform == "gitlab" else None)
    started = time.monotonic()

    with pytest.raises(ForgeRateLimited) as caught:
        list(client.pull_pages(ref(sim, platform)))

    assert caught.value.retry_after == 42 and time.monotonic() - started < 2


def test_short_limits_are_waited_in_place_and_primary_limits_never_are():
    policy = RetryPolicy(attempts=4, backoff=0.1, max_wait=5)
    short = ForgeRateLimited("429", retry_after=2)
    primary = ForgeRateLimited("spent", retry_after=2, primary=True)

    assert retry_wait(policy, short, 0, lambda: False) == 2
    assert retry_wait(policy, primary, 0, lambda: False) is None
    assert retry_wait(policy, primary, 0, lambda: True) == 0.0
    assert retry_wait(policy, ForgeUnavailable("502"), 3, lambda: False) is None  # the fourth attempt failed
    delays = {round(RetryPolicy(backoff=1, max_backoff=8).delay(3), 3) for _ in range(20)}
    assert len(delays) > 1 and all(4 <= d <= 8 for d in delays)  # jittered, within the doubled step


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
def test_details_through_a_flaky_forge_arrive_whole_and_every_attempt_is_counted(platform, sim, settings,
                                                                                  forge_retries):
    settings.FORGE_RETRY_ATTEMPTS = 10
    pulls = add_merged(sim.world, REPOS[platform], "wangxm", 12)
    sim.set_fault_rate(platform, 0.5, seed=2, mix=QUICK_FAULTS)
    client = client_for(platform, token="glpat-demo-service-1" if platform == "gitlab" else None)

    details = [client.pull_detail(ref(sim, platform), p.number) for p in pulls]

    assert [d.external_id for d in details] == [p.id for p in pulls]
    assert all(d.detailed and d.changed_files is not None for d in details)
    stats = sim.stats()["platforms"][platform]
    assert stats["faults"] > 0 and client.requests_spent == stats["requests"]
