"""forgesim's GitHub face driven by the real PyGithub (and requests for raw headers)."""

from __future__ import annotations

import pytest
import requests
from github import Auth, Github, GithubException
from github.GithubException import BadCredentialsException, RateLimitExceededException, UnknownObjectException

from tests.forgesim.conftest import GH_TOKEN, add_many


def client(sim, token: str = GH_TOKEN, per_page: int = 100) -> Github:
    """PyGithub as Xuefen configures it, without retries so limits surface at once."""
    return Github(base_url=sim.github_api_url, auth=Auth.Token(token), per_page=per_page,
                  seconds_between_requests=None, retry=None)


def test_listing_pages_sees_every_pull_once_and_loads_detail_lazily(demo_sim):
    numbers = add_many(demo_sim.world, "github:QwenLM/Qwen3", "wangxm", 250)
    repo = client(demo_sim).get_repo("QwenLM/Qwen3")
    demo_sim.reset_stats()

    pulls = list(repo.get_pulls(state="closed", sort="created", direction="asc"))

    assert [p.number for p in pulls] == numbers  # the open demo PR #7 is excluded by state=closed
    assert demo_sim.stats()["endpoints"]["github GET /repos/{owner}/{repo}/pulls"]["requests"] == 3
    assert pulls[0].merged_at is not None and pulls[0].user.login == "wangxm-ai"
    assert pulls[10].additions == 11 and pulls[10].changed_files == 1 + 10 % 4  # fetched from the detail
    assert demo_sim.stats()["endpoints"]["github GET /repos/{owner}/{repo}/pulls/{number}"]["requests"] == 1


def test_list_items_lack_detail_fields_that_the_detail_has(demo_sim):
    base = demo_sim.github_api_url + "/repos/deepseek-ai/DeepSeek-V3/pulls"
    auth = {"Authorization": f"token {GH_TOKEN}"}
    item = requests.get(base, params={"state": "all"}, headers=auth).json()[0]
    detail = requests.get(f"{base}/{item['number']}", headers=auth).json()

    for field in ("additions", "deletions", "changed_files", "merged_by", "merged"):
        assert field not in item and field in detail
    assert item["url"] == f"{base}/{item['number']}"
    assert {"merged_at", "merge_commit_sha", "labels", "head", "base", "user", "author_association"} <= set(item)


def test_merged_pull_is_closed_with_merge_fields_and_merger(demo_sim):
    pull = client(demo_sim).get_repo("deepseek-ai/DeepSeek-V3").get_pull(101)

    assert pull.state == "closed" and pull.merged is True
    assert pull.merged_by.login == "chen-maintainer"
    assert (pull.additions, pull.deletions, pull.changed_files) == (48, 12, 3)
    assert [label.name for label in pull.labels] == ["bug"]
    assert pull.merged_at.isoformat() == "2026-03-03T08:30:00+00:00"


def test_link_header_echoes_the_host_the_client_used(demo_sim):
    add_many(demo_sim.world, "github:QwenLM/Qwen3", "wangxm", 5)
    port = demo_sim.url.rsplit(":", 1)[1]
    resp = requests.get(f"http://localhost:{port}/github/api/v3/repos/QwenLM/Qwen3/pulls",
                        params={"state": "all", "per_page": 2})

    assert resp.links["next"]["url"].startswith(f"http://localhost:{port}/github/api/v3/repos/QwenLM/Qwen3/pulls?")
    assert "page=3" in resp.links["last"]["url"]
    assert resp.json()[0]["url"].startswith(f"http://localhost:{port}/github/api/v3/")


def test_search_counts_everything_but_serves_only_the_first_thousand(demo_sim):
    add_many(demo_sim.world, "github:vllm-project/vllm", "zhangsan", 1100)
    gh = client(demo_sim)

    results = gh.search_issues("is:pr is:merged author:zhangsan-dev repo:vllm-project/vllm")
    seen = [issue.number for issue in results]

    assert results.totalCount == 1101  # 1,100 added plus demo PR #5001
    assert len(seen) == 1000 and len(set(seen)) == 1000
    beyond = requests.get(demo_sim.github_api_url + "/search/issues",
                          params={"q": "is:pr author:zhangsan-dev", "per_page": 100, "page": 11},
                          headers={"Authorization": f"token {GH_TOKEN}"})
    assert beyond.status_code == 422


def test_search_items_are_issues_whose_pull_request_has_its_own_id(demo_sim):
    gh = client(demo_sim)
    [issue] = list(gh.search_issues("is:pr is:merged author:wangxm-ai merged:>=2026-03-01"))
    pull = issue.as_pull_request()

    assert issue.number == 101 and pull.number == 101
    assert issue.id != pull.id
    assert issue.pull_request.raw_data["merged_at"] == "2026-03-03T08:30:00Z"


@pytest.mark.parametrize(
    ("qualifier", "expected"),
    [("merged:>=2026-03-04", {102, 104}), ("merged:<=2026-03-03", {101, 70001, 5001, 1}),
     ("merged:2026-03-01..2026-03-06", {101, 102}), ("updated:>=2026-03-08", {104})],
)
def test_search_date_qualifiers_select_by_merge_or_update_date(demo_sim, qualifier, expected):
    gh = client(demo_sim)
    found = {i.number for i in gh.search_issues(f"is:pr is:merged {qualifier}")}
    assert found == expected


def test_search_repo_qualifier_is_an_or(demo_sim):
    gh = client(demo_sim)
    found = {i.number for i in gh.search_issues("is:pr repo:vllm-project/vllm repo:QwenLM/Qwen3")}
    assert found == {5001, 7}


def test_search_has_its_own_budget_of_thirty_a_minute(demo_sim):
    auth = {"Authorization": f"token {GH_TOKEN}"}
    resp = requests.get(demo_sim.github_api_url + "/search/issues", params={"q": "is:pr"}, headers=auth)
    assert resp.headers["x-ratelimit-resource"] == "search"
    assert resp.headers["x-ratelimit-limit"] == "30" and resp.headers["x-ratelimit-remaining"] == "29"

    demo_sim.set_budget("github", GH_TOKEN, 0, 60, resource="search")
    with pytest.raises(RateLimitExceededException):
        client(demo_sim).search_issues("is:pr").totalCount  # noqa: B018
    assert client(demo_sim).get_repo("QwenLM/Qwen3").id == 100002  # core budget untouched


def test_etag_match_answers_304_without_spending_budget(demo_sim):
    url = demo_sim.github_api_url + "/repos/deepseek-ai/DeepSeek-V3/pulls"
    auth = {"Authorization": f"token {GH_TOKEN}"}
    first = requests.get(url, params={"state": "closed", "sort": "updated", "direction": "desc"}, headers=auth)
    remaining = int(first.headers["x-ratelimit-remaining"])

    again = requests.get(first.url, headers={**auth, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining

    demo_sim.world.add_pull("github:deepseek-ai/DeepSeek-V3", author="lihua", title="New work")
    changed = requests.get(first.url, headers={**auth, "If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert int(changed.headers["x-ratelimit-remaining"]) == remaining - 1
    stats = demo_sim.stats()["tokens"][f"github:{GH_TOKEN}"]
    assert stats["not_modified"] == 1 and stats["budget_spent"] == 2 and stats["requests"] == 3


def test_exhausted_budget_is_a_403_that_pygithub_maps_to_rate_limit_exceeded(demo_sim):
    demo_sim.set_budget("github", GH_TOKEN, 0, 120)
    with pytest.raises(RateLimitExceededException) as exc:
        client(demo_sim).get_repo("QwenLM/Qwen3")
    assert exc.value.status == 403
    assert exc.value.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(exc.value.headers["x-ratelimit-reset"]) - __import__("time").time() <= 121


def test_secondary_limit_fault_carries_retry_after(demo_sim):
    demo_sim.inject_fault("github", r"^/repos/QwenLM/Qwen3$", "secondary_rate_limit", retry_after=42)
    with pytest.raises(RateLimitExceededException) as exc:
        client(demo_sim).get_repo("QwenLM/Qwen3")
    assert exc.value.headers["retry-after"] == "42"
    assert client(demo_sim).get_repo("QwenLM/Qwen3").id == 100002  # the fault was used up


def test_unknown_token_is_bad_credentials(demo_sim):
    with pytest.raises(BadCredentialsException) as exc:
        client(demo_sim, token="ghp_not_a_real_token").get_repo("QwenLM/Qwen3")
    assert exc.value.status == 401 and exc.value.data["message"] == "Bad credentials"


def test_unknown_repository_and_pull_are_404_not_found(demo_sim):
    gh = client(demo_sim)
    with pytest.raises(UnknownObjectException):
        gh.get_repo("nobody/nothing")
    with pytest.raises(UnknownObjectException):
        gh.get_repo("QwenLM/Qwen3").get_pull(999)


def test_server_error_fault_surfaces_as_github_exception(demo_sim):
    demo_sim.inject_fault("github", r"/pulls", "status", status=502)
    with pytest.raises(GithubException) as exc:
        client(demo_sim).get_repo("QwenLM/Qwen3").get_pull(7)
    assert exc.value.status == 502


def test_malformed_body_fault_raises_a_decode_error(demo_sim):
    demo_sim.inject_fault("github", r"/pulls\?", "malformed")
    repo = client(demo_sim).get_repo("QwenLM/Qwen3")
    with pytest.raises(ValueError):
        list(repo.get_pulls(state="all"))


def test_renamed_user_keeps_id_and_old_login_is_gone(demo_sim):
    gh = client(demo_sim)
    assert gh.get_user_by_id(1002).login == "lihua-nlp"
    with pytest.raises(UnknownObjectException):
        gh.get_user("lihua-old")
    demo_sim.world.rename_user("github", 1001, "wangxm-new")
    assert gh.get_user("wangxm-new").id == 1001
    assert gh.get_repo("deepseek-ai/DeepSeek-V3").get_pull(101).user.login == "wangxm-new"


def test_authenticated_user_and_issued_tokens(demo_sim):
    assert client(demo_sim).get_user().login == "chen-maintainer"
    token = demo_sim.world.issue_token("github", "zhangsan")
    assert client(demo_sim, token=token).get_user().id == 1003
    anonymous = requests.get(demo_sim.github_api_url + "/user")
    assert anonymous.status_code == 401


def test_rate_limit_endpoint_is_free_and_reports_both_resources(demo_sim):
    gh = client(demo_sim)
    before = gh.get_rate_limit().resources.core.remaining
    after = gh.get_rate_limit().resources
    assert after.core.remaining == before == 5000
    assert after.search.limit == 30


def test_bot_user_and_list_sorting_by_update(demo_sim):
    pulls = list(client(demo_sim).get_repo("deepseek-ai/DeepSeek-V3").get_pulls(
        state="all", sort="updated", direction="desc"))
    assert [p.number for p in pulls] == [104, 103, 102, 101]
    assert pulls[0].user.login == "dependabot[bot]" and pulls[0].user.type == "Bot"


def test_search_for_an_unknown_author_is_422(demo_sim):
    resp = requests.get(demo_sim.github_api_url + "/search/issues", params={"q": "is:pr author:lihua-old"},
                        headers={"Authorization": f"token {GH_TOKEN}"})
    assert resp.status_code == 422
    assert "cannot be searched" in resp.json()["errors"][0]["message"]


def test_head_request_answers_headers_without_a_body(demo_sim):
    resp = requests.head(demo_sim.github_api_url + "/repos/QwenLM/Qwen3")
    assert resp.status_code == 200 and resp.content == b"" and resp.headers["ETag"].startswith('W/"')


def test_organisation_owner_resolves_through_users(demo_sim):
    owner = client(demo_sim).get_repo("deepseek-ai/DeepSeek-V3").owner
    assert owner.type == "Organization" and owner.name == "deepseek-ai"  # .name loads /users/deepseek-ai


def test_primary_limit_fault_points_reset_at_retry_after(demo_sim):
    import time

    demo_sim.inject_fault("github", r"^/repos/QwenLM/Qwen3$", "rate_limit", retry_after=5)
    with pytest.raises(RateLimitExceededException) as exc:
        client(demo_sim).get_repo("QwenLM/Qwen3")
    assert exc.value.headers["x-ratelimit-remaining"] == "0"
    assert int(exc.value.headers["x-ratelimit-reset"]) - time.time() <= 6


def test_link_rels_follow_github_first_middle_and_last_pages(demo_sim):
    add_many(demo_sim.world, "github:QwenLM/Qwen3", "wangxm", 5)
    url = demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls"
    rels = [set(requests.get(url, params={"state": "all", "per_page": 2, "page": page}).links)
            for page in (1, 2, 3)]
    assert rels == [{"next", "last"}, {"prev", "next", "last", "first"}, {"prev", "first"}]
