"""forgesim's Gitee face driven over HTTP with requests (as Xuefen's Gitee client does)."""

from __future__ import annotations

import requests

from tests.forgesim.conftest import GITEE_TOKEN, add_many


def get(sim, path: str, **params):
    """GET a Gitee v5 path with the service token."""
    return requests.get(sim.gitee_api_url + path, params={"access_token": GITEE_TOKEN, **params}, timeout=10)


def test_pages_follow_total_page_and_cover_every_merged_pull_once(demo_sim):
    numbers = add_many(demo_sim.world, "gitee:mindspore/mindspore", "wangxm", 45)
    expected = set(numbers) | {88001}

    first = get(demo_sim, "/repos/mindspore/mindspore/pulls", state="merged", per_page=20)
    assert (first.headers["total_count"], first.headers["total_page"]) == ("46", "3")
    seen = [p["number"] for p in first.json()]
    for page in range(2, int(first.headers["total_page"]) + 1):
        seen += [p["number"] for p in get(demo_sim, "/repos/mindspore/mindspore/pulls", state="merged",
                                          per_page=20, page=page).json()]

    assert len(seen) == len(set(seen)) == 46 and set(seen) == expected


def test_default_page_size_is_twenty_and_at_most_one_hundred(demo_sim):
    add_many(demo_sim.world, "gitee:mindspore/mindspore", "wangxm", 130)
    assert len(get(demo_sim, "/repos/mindspore/mindspore/pulls", state="all").json()) == 20
    big = get(demo_sim, "/repos/mindspore/mindspore/pulls", state="all", per_page=500)
    assert len(big.json()) == 100 and big.headers["total_page"] == "2"


def test_states_merged_closed_open_are_distinct(demo_sim):
    add_many(demo_sim.world, "gitee:mindspore/mindspore", "lihua", 2, state="closed")

    def numbers(state: str) -> set[int]:
        return {p["number"] for p in get(demo_sim, "/repos/mindspore/mindspore/pulls", state=state).json()}

    assert numbers("merged") == {88001}
    assert numbers("open") == {88002}
    assert len(numbers("closed")) == 2 and not numbers("closed") & (numbers("merged") | numbers("open"))
    assert numbers("all") == numbers("merged") | numbers("open") | numbers("closed")


def test_times_are_beijing_time_and_detail_has_sizes_but_no_merged_by(demo_sim):
    item = get(demo_sim, "/repos/mindspore/mindspore/pulls", state="merged").json()[0]
    detail = get(demo_sim, "/repos/mindspore/mindspore/pulls/88001").json()

    assert item["created_at"] == "2026-02-01T10:00:00+08:00"
    assert detail["merged_at"] == "2026-02-02T10:00:00+08:00" and detail["state"] == "merged"
    assert (detail["additions"], detail["deletions"], detail["changed_files"]) == (66, 10, 3)
    assert "additions" not in item
    assert "merged_by" not in detail and "merge_commit_sha" not in detail
    assert detail["user"]["id"] == 2001 and detail["user"]["login"] == "wangxm"
    assert detail["url"] == demo_sim.gitee_api_url + "/repos/mindspore/mindspore/pulls/88001"
    assert [label["name"] for label in detail["labels"]] == ["kind/bug"]


def test_mirrored_pull_shares_the_head_commit_with_github(demo_sim):
    gitee = get(demo_sim, "/repos/paddlepaddle/Paddle/pulls/3001").json()
    github = requests.get(demo_sim.github_api_url + "/repos/PaddlePaddle/Paddle/pulls/70001",
                          headers={"Authorization": "token ghp_demo_service_1"}).json()
    assert gitee["head"]["sha"] == github["head"]["sha"] == "aa11" * 10
    assert github["merge_commit_sha"] == "bb22" * 10


def test_users_and_repository(demo_sim):
    user = get(demo_sim, "/users/lihua2026").json()
    me = get(demo_sim, "/user").json()
    repo = get(demo_sim, "/repos/mindspore/mindspore").json()

    assert user["id"] == 2002 and user["name"] == "李华"
    assert me["login"] == "chen-maint"
    assert repo["id"] == 200001 and repo["full_name"] == "mindspore/mindspore"
    assert repo["namespace"]["path"] == "mindspore"


def test_unknown_token_is_401_and_anonymous_reads_work(demo_sim):
    bad = requests.get(demo_sim.gitee_api_url + "/repos/mindspore/mindspore/pulls",
                       params={"access_token": "nope"})
    anonymous = requests.get(demo_sim.gitee_api_url + "/repos/mindspore/mindspore/pulls")

    assert bad.status_code == 401 and "Unauthorized" in bad.json()["message"]
    assert anonymous.status_code == 200
    assert demo_sim.stats()["tokens"]["gitee:anonymous"]["requests"] == 1


def test_unknown_repository_and_user_are_404(demo_sim):
    assert get(demo_sim, "/repos/mindspore/nothing").status_code == 404
    assert get(demo_sim, "/users/nobody-here").status_code == 404
    assert get(demo_sim, "/repos/mindspore/mindspore/pulls/1").status_code == 404


def test_exhausted_budget_is_429_with_retry_after(demo_sim):
    demo_sim.set_budget("gitee", GITEE_TOKEN, 0, 30)
    resp = get(demo_sim, "/repos/mindspore/mindspore/pulls")
    assert resp.status_code == 429 and 1 <= int(resp.headers["Retry-After"]) <= 30

    demo_sim.inject_fault("gitee", r"/pulls", "rate_limit", retry_after=7)
    demo_sim.set_budget("gitee", GITEE_TOKEN, 100, 30)
    assert get(demo_sim, "/repos/mindspore/mindspore/pulls").headers["Retry-After"] == "7"
    assert get(demo_sim, "/repos/mindspore/mindspore/pulls").status_code == 200


def test_renamed_gitee_user_keeps_numeric_id(demo_sim):
    demo_sim.world.rename_user("gitee", 2003, "zhangsan-new")
    assert get(demo_sim, "/users/zhang_san").status_code == 404
    assert get(demo_sim, "/users/zhangsan-new").json()["id"] == 2003
    pull = get(demo_sim, "/repos/mindspore/mindspore/pulls/88002").json()
    assert pull["user"] == {**pull["user"], "id": 2003, "login": "zhangsan-new"}
