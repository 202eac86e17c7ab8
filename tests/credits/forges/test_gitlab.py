"""The real python-gitlab, wrapped by our client, against forgesim's GitLab v4 face over HTTP."""
from __future__ import annotations

import time
import warnings
from datetime import UTC, datetime, timedelta

import pytest
import requests

from credits.forges import client_for
from credits.forges.base import (
    ForgeAuthError,
    ForgeNotFound,
    ForgeRateLimited,
    ForgeUnavailable,
    ForgeUser,
    RepoRef,
)
from credits.forges.gitlab import GitLabClient, diff_line_counts

from .conftest import BASE, add_merged, budget_spent

TOOLKIT = RepoRef("gitlab", "ai-lab/nlp/toolkit", 300001)
VISION = RepoRef("gitlab", "ai-lab/vision", 300002)


@pytest.fixture
def client(sim, gitlab_token) -> GitLabClient:
    return GitLabClient(sim.gitlab_url, token=gitlab_token)


def test_project_by_path_with_subgroups_and_by_id_is_the_same_project(client):
    by_path = client.get_repository("ai-lab/nlp/toolkit")
    by_id = client.get_repository("300001")
    assert by_path == by_id
    assert (by_path.external_id, by_path.path, by_path.owner_login) == (300001, "ai-lab/nlp/toolkit", "ai-lab/nlp")


def test_listing_walks_every_page_without_python_gitlab_warnings(sim, world, client):
    add_merged(world, "gitlab:ai-lab/vision", "zhangsan", 250)
    sim.reset_stats()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a one-page list or a foreign next link would warn
        pages = list(client.pull_pages(VISION))
    assert [len(p.pulls) for p in pages] == [100, 100, 50]
    assert [p.is_last for p in pages] == [False, False, True]
    pulls = [pull for page in pages for pull in page.pulls]
    assert len({p.external_id for p in pulls}) == 250
    assert [p.updated_at for p in pulls] == sorted((p.updated_at for p in pulls), reverse=True)
    assert budget_spent(sim, "gitlab") == client.requests_spent == 3


def test_pages_are_fetched_only_when_the_caller_asks_for_them(sim, world, client):
    add_merged(world, "gitlab:ai-lab/vision", "zhangsan", 150)
    sim.reset_stats()
    pages = client.pull_pages(VISION)
    assert len(next(pages).pulls) == 100
    assert budget_spent(sim, "gitlab") == 1
    assert len(next(pages).pulls) == 50
    assert budget_spent(sim, "gitlab") == 2


def test_since_filters_server_side_with_updated_after(sim, world, client):
    add_merged(world, "gitlab:ai-lab/vision", "zhangsan", 150)
    since = BASE + timedelta(minutes=7 * 140)
    pulls = [p for page in client.pull_pages(VISION, since=since) for p in page.pulls]
    assert len(pulls) == 10 and all(p.updated_at >= since for p in pulls)


def test_mr_id_is_global_and_iid_is_the_number(client):
    pulls = [p for page in client.pull_pages(TOOLKIT) for p in page.pulls]
    assert sorted(p.number for p in pulls) == [1, 2]
    assert all(p.external_id > 1_000_000 for p in pulls)
    assert len({p.external_id for p in pulls}) == 2


def test_detail_counts_lines_from_diffs_and_reads_changes_count_as_a_number(client):
    detail = client.pull_detail(TOOLKIT, 1)
    assert (detail.additions, detail.deletions, detail.changed_files) == (210, 15, 6)
    assert detail.detailed and detail.raw["xuefen_diff_complete"] is True
    assert detail.raw["changes_count"] == "6"  # a string on the wire
    assert (detail.merged_by_login, detail.merged_by_external_id) == ("chen", 3900)  # from merge_user
    assert detail.merged_at == datetime(2026, 3, 11, 2, 0, tzinfo=UTC)


def test_diff_counting_skips_file_headers_and_notes_withheld_files():
    diffs = [{"diff": "@@ -1,2 +1,3 @@\n-a\n+b\n+c\n ctx\n"}, {"diff": "", "too_large": True}]
    assert diff_line_counts(diffs) == (2, 1, False)


def test_self_merge_is_visible_through_merge_user(client):
    detail = client.pull_detail(TOOLKIT, 2)
    assert detail.author.external_id == detail.merged_by_external_id == 3002


def test_renamed_user_keeps_numeric_id(world, client):
    world.rename_user("gitlab", 3001, "wang-xm")
    assert client.get_user_by_id(3001).login == "wang-xm"
    assert client.get_user("wang-xm").external_id == 3001
    with pytest.raises(ForgeNotFound):
        client.get_user("wangxm")


def test_backfill_uses_author_id_and_keeps_only_registry_projects(sim, world, client):
    add_merged(world, "gitlab:ai-lab/vision", "wangxm", 3)
    wangxm = ForgeUser("gitlab", 3001, "wangxm")
    sim.reset_stats()
    only_toolkit = list(client.user_merged_pulls(wangxm, repos=[TOOLKIT], since=None))
    assert [(p.repo_path, p.number) for p in only_toolkit] == [("ai-lab/nlp/toolkit", 1)]
    assert set(sim.stats()["endpoints"]) == {"gitlab GET /merge_requests"}
    both = list(client.user_merged_pulls(wangxm, repos=[TOOLKIT, VISION], since=BASE))
    assert sorted(p.repo_path for p in both) == ["ai-lab/nlp/toolkit"] * 1 + ["ai-lab/vision"] * 3
    assert all(p.merged_at >= BASE and p.author.external_id == 3001 for p in both)


def test_rejected_token_is_an_auth_error(sim):
    with pytest.raises(ForgeAuthError) as err:
        GitLabClient(sim.gitlab_url, token="glpat-wrong").get_repository("300001")
    assert err.value.permanent and err.value.status == 401


def test_unknown_project_and_mr_are_not_found(client):
    with pytest.raises(ForgeNotFound):
        client.get_repository("ai-lab/nope")
    with pytest.raises(ForgeNotFound):
        client.pull_detail(TOOLKIT, 999)


def test_one_transient_5xx_is_retried_quickly_in_place(sim, gitlab_token, forge_retries):
    client = GitLabClient(sim.gitlab_url, token=gitlab_token)
    sim.inject_fault("gitlab", r"/merge_requests", "status", status=502, times=1)
    started = time.monotonic()
    pages = list(client.pull_pages(TOOLKIT))
    assert len(pages[0].pulls) == 2
    # The 502 carries RateLimit-Reset up to a minute away; python-gitlab must not sleep until then.
    assert time.monotonic() - started < 5


def test_persistent_5xx_becomes_a_transient_error_without_long_sleeps(sim, client):
    sim.inject_fault("gitlab", r"/merge_requests", "status", status=503, times=None)
    started = time.monotonic()
    with pytest.raises(ForgeUnavailable) as err:
        list(client.pull_pages(TOOLKIT))
    assert err.value.status == 503 and not err.value.permanent
    assert time.monotonic() - started < 5


def test_cut_off_json_is_transient_not_data(sim, client):
    sim.inject_fault("gitlab", r"/merge_requests", "malformed")
    with pytest.raises(ForgeUnavailable):
        list(client.pull_pages(TOOLKIT))


def test_rate_limit_is_raised_with_retry_after_instead_of_sleeping(sim):
    sim.inject_fault("gitlab", r"/merge_requests", "rate_limit", retry_after=37)
    client = client_for("gitlab")
    started = time.monotonic()
    with pytest.raises(ForgeRateLimited) as err:
        list(client.pull_pages(TOOLKIT))
    assert err.value.retry_after == 37 and time.monotonic() - started < 5
    assert client.rate_status().remaining is not None


def test_rate_headers_feed_the_status_and_the_pool(client):
    client.get_repository("300001")
    status = client.rate_status()
    assert status.limit == 2000 and 0 < status.remaining < 2000 and status.reset_at > time.time() - 1
    assert client.requests_spent == 1


def test_unchanged_first_page_answers_304_and_costs_no_budget(client):
    etag = next(iter(client.pull_pages(TOOLKIT))).etag
    assert etag
    spent = client.requests_spent
    pages = list(client.pull_pages(TOOLKIT, etag=etag))
    assert len(pages) == 1 and pages[0].not_modified
    assert client.requests_spent == spent


def test_rate_hints_on_a_5xx_are_dropped_so_python_gitlab_backs_off_briefly(client):
    """python-gitlab sleeps until RateLimit-Reset / Retry-After before retrying a 5xx; a worker must not."""
    response = requests.Response()
    response.status_code = 503
    response.headers.update({"RateLimit-Reset": str(int(time.time()) + 60), "Retry-After": "60",
                             "RateLimit-Remaining": "5", "RateLimit-Limit": "2000"})
    client._on_response(response)
    assert "RateLimit-Reset" not in response.headers and "Retry-After" not in response.headers
    assert client.rate_status().remaining == 5  # the budget was still noted first


def test_a_persons_oauth_token_is_sent_as_bearer(sim, world):
    token = world.issue_token("gitlab", "wangxm")
    client = client_for("gitlab", token=token)
    assert client.gl.oauth_token == token and client.gl.private_token is None
    assert client.authenticated_user().external_id == 3001


def test_access_token_bots_are_recognised_by_username():
    from credits.forges.gitlab import GitLabClient as Client

    assert Client._user({"id": 1, "username": "project_42_bot_3f2a"}).is_bot
    assert Client._user({"id": 2, "username": "group_7_bot"}).is_bot
    assert not Client._user({"id": 3, "username": "project_42_botanist"}).is_bot


def test_a_listed_mr_costs_one_request_for_its_sizes_and_an_unlisted_one_two(sim, client):
    next(iter(client.pull_pages(TOOLKIT)))
    sim.reset_stats()
    listed = client.pull_detail(TOOLKIT, 1)
    assert budget_spent(sim, "gitlab") == 1  # only /diffs
    again = client.pull_detail(TOOLKIT, 1)  # no longer remembered: the single MR and its diffs
    assert budget_spent(sim, "gitlab") == 3
    assert (listed.additions, listed.deletions, listed.changed_files) == (again.additions, again.deletions, 6)
    assert listed.merged_by_login == again.merged_by_login == "chen"


def test_with_an_etag_the_first_page_is_unfiltered_so_the_tag_can_match(sim, client):
    etag = next(iter(client.pull_pages(TOOLKIT))).etag
    pages = list(client.pull_pages(TOOLKIT, etag=etag, since=BASE))
    assert pages[0].not_modified
