"""forgesim's GitLab face driven by the real python-gitlab."""

from __future__ import annotations

import warnings

import gitlab
import pytest
import requests

from tests.forgesim.conftest import GL_TOKEN, add_many


def client(sim, token: str = GL_TOKEN) -> gitlab.Gitlab:
    """python-gitlab as Xuefen configures it."""
    return gitlab.Gitlab(sim.gitlab_url, private_token=token, retry_transient_errors=True)


def test_project_by_subgroup_path_and_by_id_is_the_same_project(demo_sim):
    gl = client(demo_sim)
    by_path = gl.projects.get("ai-lab/nlp/toolkit")
    by_id = gl.projects.get(300001)

    assert by_path.id == by_id.id == 300001
    assert by_path.path_with_namespace == "ai-lab/nlp/toolkit"
    assert by_path.namespace["full_path"] == "ai-lab/nlp" and by_path.namespace["kind"] == "group"
    assert by_path.web_url == f"{demo_sim.gitlab_url}/ai-lab/nlp/toolkit"


def test_merged_listing_iterates_to_the_last_page_without_warnings(demo_sim):
    iids = add_many(demo_sim.world, "gitlab:ai-lab/nlp/toolkit", "zhangsan", 45)
    add_many(demo_sim.world, "gitlab:ai-lab/nlp/toolkit", "zhangsan", 3, state="open")
    project = client(demo_sim).projects.get("ai-lab/nlp/toolkit")
    demo_sim.reset_stats()

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a foreign base URL in Link, or a missing iterator, would warn
        mrs = list(project.mergerequests.list(state="merged", order_by="updated_at", sort="asc",
                                              per_page=10, iterator=True))

    assert [m.iid for m in mrs] == [*iids, 1, 2]  # added ones were updated in January, demo ones in March
    assert len({m.id for m in mrs}) == len(mrs)
    assert demo_sim.stats()["endpoints"]["gitlab GET /projects/{pid}/merge_requests"]["requests"] == 5


def test_pagination_headers_and_link_echo_the_base_url(demo_sim):
    add_many(demo_sim.world, "gitlab:ai-lab/nlp/toolkit", "zhangsan", 25)
    resp = requests.get(demo_sim.gitlab_url + "/api/v4/projects/ai-lab%2Fnlp%2Ftoolkit/merge_requests",
                        params={"state": "all", "per_page": 10, "page": 2}, headers={"PRIVATE-TOKEN": GL_TOKEN})

    h = resp.headers
    assert (h["x-page"], h["x-per-page"], h["x-next-page"], h["x-prev-page"]) == ("2", "10", "3", "1")
    assert (h["x-total"], h["x-total-pages"]) == ("27", "3")
    assert set(resp.links) == {"prev", "next", "first", "last"}
    assert resp.links["next"]["url"].startswith(demo_sim.gitlab_url + "/api/v4/projects/")
    assert h["RateLimit-Limit"] == "2000" and int(h["RateLimit-Remaining"]) == 1999


def test_single_merge_request_has_string_changes_count_and_merge_user(demo_sim):
    mr = client(demo_sim).projects.get("ai-lab/nlp/toolkit").mergerequests.get(1)

    assert mr.changes_count == "6"
    assert mr.merge_user["username"] == "chen" and mr.merged_by == mr.merge_user
    assert mr.author == {**mr.author, "id": 3001, "username": "wangxm"}
    assert mr.iid == 1 and mr.id != mr.iid
    assert mr.state == "merged" and mr.merged_at == "2026-03-11T02:00:00.000Z"
    assert len(mr.merge_commit_sha) == 40 and mr.sha


def test_list_items_carry_no_changes_count(demo_sim):
    resp = requests.get(demo_sim.gitlab_url + "/api/v4/projects/300001/merge_requests",
                        headers={"PRIVATE-TOKEN": GL_TOKEN})
    assert resp.status_code == 200
    assert all("changes_count" not in item for item in resp.json())


def test_updated_after_filters_the_listing(demo_sim):
    project = client(demo_sim).projects.get(300001)
    mrs = project.mergerequests.list(state="merged", updated_after="2026-03-11T12:00:00Z", iterator=True)
    assert [m.iid for m in mrs] == [2]


def test_global_listing_by_author_id_and_user_lookup(demo_sim):
    gl = client(demo_sim)
    [user] = gl.users.list(username="wangxm")
    mrs = list(gl.mergerequests.list(scope="all", author_id=user.id, state="merged", iterator=True))

    assert user.id == 3001
    assert [(m.project_id, m.iid) for m in mrs] == [(300001, 1)]
    assert gl.users.list(username="nobody-here") == []
    assert gl.users.get(3002).username == "lihua"


def test_authenticated_user(demo_sim):
    gl = client(demo_sim)
    gl.auth()
    assert gl.user.username == "chen"


def test_unknown_token_is_401_and_unknown_project_is_404(demo_sim):
    with pytest.raises(gitlab.GitlabAuthenticationError):
        client(demo_sim, token="glpat-wrong").projects.get(300001)
    with pytest.raises(gitlab.GitlabGetError) as exc:
        client(demo_sim).projects.get("ai-lab/nope")
    assert exc.value.response_code == 404 and "404 Project Not Found" in str(exc.value)


def test_transient_502_is_retried_by_python_gitlab(demo_sim):
    demo_sim.inject_fault("gitlab", r"/merge_requests", "status", status=502)
    mrs = client(demo_sim).projects.get(300001).mergerequests.list(state="merged", iterator=True)

    assert [m.iid for m in mrs] == [2, 1]
    endpoint = demo_sim.stats()["endpoints"]["gitlab GET /projects/{pid}/merge_requests"]
    assert endpoint["statuses"] == {"502": 1, "200": 1} and endpoint["faults"] == 1


def test_rate_limit_is_429_with_retry_after_that_python_gitlab_obeys(demo_sim):
    demo_sim.inject_fault("gitlab", r"^/projects/300001$", "rate_limit", retry_after=1)
    raw = requests.get(demo_sim.gitlab_url + "/api/v4/projects/300001", headers={"PRIVATE-TOKEN": GL_TOKEN})
    assert raw.status_code == 429 and raw.headers["Retry-After"] == "1"

    demo_sim.inject_fault("gitlab", r"^/projects/300001$", "rate_limit", retry_after=1)
    assert client(demo_sim).projects.get(300001).id == 300001  # slept one second, then succeeded


def test_exhausted_budget_reports_reset_and_refills(demo_sim):
    demo_sim.set_budget("gitlab", GL_TOKEN, 0, 30)
    resp = requests.get(demo_sim.gitlab_url + "/api/v4/projects/300001", headers={"PRIVATE-TOKEN": GL_TOKEN})
    assert resp.status_code == 429 and 1 <= int(resp.headers["Retry-After"]) <= 30
    assert resp.headers["RateLimit-Remaining"] == "0"

    demo_sim.set_budget("gitlab", GL_TOKEN, 0, -1)  # the window has passed: a full budget again
    resp = requests.get(demo_sim.gitlab_url + "/api/v4/projects/300001", headers={"PRIVATE-TOKEN": GL_TOKEN})
    assert resp.status_code == 200 and resp.headers["RateLimit-Remaining"] == "1999"
