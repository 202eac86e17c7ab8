"""The Gitee v5 client against forgesim over HTTP: paging, times, sizes, ETags, renames and every failure."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from credits.forges import client_for
from credits.forges.base import (
    ForgeAuthError,
    ForgeNotFound,
    ForgeRateLimited,
    ForgeUnavailable,
    ForgeUser,
    RepoRef,
)
from credits.forges.gitee import GiteeClient

from .conftest import BASE, add_merged, budget_spent

MINDSPORE = RepoRef("gitee", "mindspore/mindspore", 200001)


@pytest.fixture
def client(sim, gitee_token) -> GiteeClient:
    return GiteeClient(sim.gitee_api_url, token=gitee_token)


def test_listing_walks_every_page_to_the_last_newest_update_first(sim, world, client):
    add_merged(world, "gitee:mindspore/mindspore", "zhangsan", 230)
    sim.reset_stats()
    pages = list(client.pull_pages(MINDSPORE))
    assert [len(p.pulls) for p in pages] == [100, 100, 31]  # 230 new + the scenario's one merged PR
    assert [p.is_last for p in pages] == [False, False, True]
    pulls = [pull for page in pages for pull in page.pulls]
    assert len({p.external_id for p in pulls}) == 231
    assert [p.updated_at for p in pulls] == sorted((p.updated_at for p in pulls), reverse=True)
    assert all(p.state == "merged" and p.merged_at is not None for p in pulls)
    assert budget_spent(sim, "gitee") == client.requests_spent == 3


def test_pages_are_fetched_only_when_the_caller_asks_for_them(sim, world, client):
    add_merged(world, "gitee:mindspore/mindspore", "zhangsan", 150)
    sim.reset_stats()
    first = next(iter(client.pull_pages(MINDSPORE)))
    assert len(first.pulls) == 100 and not first.is_last
    assert budget_spent(sim, "gitee") == 1


def test_beijing_times_become_aware_datetimes_of_the_same_instant(client):
    pull = client.pull_detail(MINDSPORE, 88001)
    assert pull.merged_at == datetime(2026, 2, 2, 2, 0, tzinfo=UTC)
    assert pull.merged_at.utcoffset() == timedelta(hours=8)  # kept as Gitee sent it, compared as an instant


def test_detail_has_sizes_and_no_merger_because_gitee_has_no_merged_by(client):
    listed = next(p for page in client.pull_pages(MINDSPORE) for p in page.pulls if p.number == 88001)
    assert listed.additions is None and not listed.detailed
    detail = client.pull_detail(MINDSPORE, 88001)
    assert (detail.additions, detail.deletions, detail.changed_files) == (66, 10, 3)
    assert detail.detailed and detail.merged_by_login == "" and detail.merged_by_external_id is None
    assert detail.author == ForgeUser("gitee", 2001, "wangxm", "王小明")
    assert detail.labels == ("kind/bug",)
    assert len(detail.head_sha) == 40


def test_unchanged_first_page_answers_304_and_costs_no_budget(sim, client):
    etag = next(iter(client.pull_pages(MINDSPORE))).etag
    assert etag
    spent = client.requests_spent
    pages = list(client.pull_pages(MINDSPORE, etag=etag))
    assert len(pages) == 1 and pages[0].not_modified and pages[0].pulls == []
    assert client.requests_spent == spent


def test_repository_and_user_resolve_to_numeric_ids(client):
    repo = client.get_repository("mindspore/mindspore")
    assert (repo.path, repo.external_id, repo.owner_login) == ("mindspore/mindspore", 200001, "mindspore")
    assert client.get_user("zhang_san").external_id == 2003


def test_renamed_user_keeps_numeric_id_and_old_login_stops_resolving(world, client):
    world.rename_user("gitee", 2001, "wangxm-new")
    assert client.get_user("wangxm-new").external_id == 2001
    with pytest.raises(ForgeNotFound):
        client.get_user("wangxm")
    detail = client.pull_detail(MINDSPORE, 88001)
    assert (detail.author.external_id, detail.author.login) == (2001, "wangxm-new")
    assert client.get_user_by_id(2001).external_id == 2001  # no id lookup on Gitee: keyed on the id alone


def test_backfill_walks_registry_repositories_and_keeps_the_authors_pulls_by_id(world, client):
    add_merged(world, "gitee:mindspore/mindspore", "wangxm", 3)
    add_merged(world, "gitee:mindspore/mindspore", "zhangsan", 120)
    paddle = RepoRef("gitee", "paddlepaddle/Paddle", 200002)
    wangxm = ForgeUser("gitee", 2001, "")
    pulls = list(client.user_merged_pulls(wangxm, repos=[MINDSPORE, paddle], since=None))
    assert sorted(p.number for p in pulls) == [88001, *sorted(p.number for p in world.pulls_by_author("wangxm")
                                                               if p.platform == "gitee" and p.number != 88001)]
    assert all(p.author.external_id == 2001 for p in pulls)
    recent = list(client.user_merged_pulls(wangxm, repos=[MINDSPORE], since=BASE))
    assert len(recent) == 3 and all(p.merged_at >= BASE for p in recent)


def test_rejected_token_is_an_auth_error(sim):
    with pytest.raises(ForgeAuthError) as err:
        GiteeClient(sim.gitee_api_url, token="not-a-token").get_repository("mindspore/mindspore")
    assert err.value.permanent and err.value.status == 401


def test_unknown_repository_is_not_found(client):
    with pytest.raises(ForgeNotFound) as err:
        list(client.pull_pages(RepoRef("gitee", "nobody/nothing")))
    assert err.value.permanent


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(sim, client, status):
    sim.inject_fault("gitee", r"/pulls", "status", status=status)
    with pytest.raises(ForgeUnavailable) as err:
        list(client.pull_pages(MINDSPORE))
    assert not err.value.permanent and err.value.status == status
    assert len(list(client.pull_pages(MINDSPORE))[0].pulls) == 1  # the next attempt succeeds


def test_cut_off_json_is_transient_not_data(sim, client):
    sim.inject_fault("gitee", r"/pulls", "malformed")
    with pytest.raises(ForgeUnavailable):
        list(client.pull_pages(MINDSPORE))


def test_rate_limit_carries_retry_after_and_marks_the_token_spent(sim, settings):
    sim.inject_fault("gitee", r"/pulls", "rate_limit", retry_after=42)
    client = client_for("gitee")
    with pytest.raises(ForgeRateLimited) as err:
        list(client.pull_pages(MINDSPORE))
    assert err.value.retry_after == 42 and not err.value.permanent
    assert client.rate_status().remaining == 0
    with pytest.raises(ForgeRateLimited):  # the only pooled token is out until the reset
        client_for("gitee")


def test_unreachable_gitee_is_transient_and_the_error_never_shows_the_token():
    import socket

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GiteeClient(f"http://127.0.0.1:{port}/gitee/api/v5", token="secret-gitee-token", timeout=2)
    with pytest.raises(ForgeUnavailable) as err:
        client.get_repository("mindspore/mindspore")
    assert "secret-gitee-token" not in str(err.value) and err.value.__cause__ is None
