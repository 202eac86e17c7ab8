"""The simulator's common machinery: control endpoints, counters, faults, keep-alive, world changes."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
import requests

from forgesim import Simulator, World, build_world, load_scenario
from forgesim.__main__ import main as forgesim_main
from tests.forgesim.conftest import GH_TOKEN


def test_health_and_stats_endpoints(demo_sim):
    assert requests.get(demo_sim.url + "/_sim/health").json() == {"status": "ok", "pulls": 14}
    requests.get(demo_sim.github_api_url + "/repos/QwenLM/Qwen3", headers={"Authorization": f"token {GH_TOKEN}"})
    requests.get(demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls")

    stats = requests.get(demo_sim.url + "/_sim/stats").json()
    assert stats["requests"] == 2 and stats["budget_spent"] == 2
    assert stats["endpoints"]["github GET /repos/{owner}/{repo}"]["statuses"] == {"200": 1}
    assert stats["tokens"][f"github:{GH_TOKEN}"]["requests"] == 1
    assert stats["tokens"]["github:anonymous"]["requests"] == 1
    assert stats["platforms"]["github"]["requests"] == 2
    assert stats["budgets"][f"github:{GH_TOKEN}"]["core"]["remaining"] == 4999
    assert stats["budgets"]["github:anonymous"]["core"]["limit"] == 60

    assert requests.post(demo_sim.url + "/_sim/reset-stats").status_code == 200
    assert demo_sim.stats()["requests"] == 0


def test_faults_can_be_posted_as_json(demo_sim):
    resp = requests.post(demo_sim.url + "/_sim/faults", json=[
        {"platform": "gitee", "path_regex": "/pulls", "kind": "status", "status": 500, "times": 2}])
    assert resp.status_code == 200 and resp.json()["faults"][0]["times"] == 2

    statuses = [requests.get(demo_sim.gitee_api_url + "/repos/mindspore/mindspore/pulls").status_code
                for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert requests.post(demo_sim.url + "/_sim/faults", json={"kind": "nonsense", "platform": "github",
                                                             "path_regex": "x"}).status_code == 400


def test_fault_matches_query_string_and_can_persist_until_cleared(demo_sim):
    demo_sim.inject_fault("github", r"state=closed", "status", status=503, times=None)
    url = demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls"
    assert requests.get(url, params={"state": "closed"}).status_code == 503
    assert requests.get(url, params={"state": "closed"}).status_code == 503
    assert requests.get(url, params={"state": "open"}).status_code == 200
    demo_sim.clear_faults()
    assert requests.get(url, params={"state": "closed"}).status_code == 200


def test_keep_alive_serves_several_requests_on_one_connection(demo_sim):
    host, port = demo_sim.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    bodies = []
    for path in ("/github/api/v3/repos/QwenLM/Qwen3", "/gitee/api/v5/repos/mindspore/mindspore",
                 "/gitlab/api/v4/projects/300001"):
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200 and resp.getheader("Content-Length") is not None
        bodies.append(json.loads(resp.read()))
    sock = conn.sock
    conn.request("GET", "/_sim/health")
    conn.getresponse().read()
    assert conn.sock is sock  # the same socket carried every request
    conn.close()
    assert [b["id"] for b in bodies] == [100002, 200001, 300001]


def test_unknown_api_path_is_404_in_the_forge_format_and_counted(demo_sim):
    resp = requests.get(demo_sim.github_api_url + "/no/such/thing")
    assert resp.status_code == 404 and resp.json()["message"] == "Not Found"
    assert demo_sim.stats()["endpoints"]["github GET <unknown>"]["requests"] == 1
    assert requests.get(demo_sim.gitlab_url + "/api/v4/nothing").json() == {"message": "404 Not Found"}


def test_world_changes_show_up_in_listings(demo_sim):
    world = demo_sim.world
    world.update_pull("github:QwenLM/Qwen3", 7, state="merged", merged_by="maint")
    pulls = requests.get(demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls", params={"state": "closed"}).json()
    assert [p["number"] for p in pulls] == [7] and pulls[0]["merged_at"] is not None

    new = world.add_pull("github:QwenLM/Qwen3", author="lihua", title="Brand new", state="open")
    listed = requests.get(demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls",
                          params={"sort": "updated", "direction": "desc"}).json()
    assert listed[0]["number"] == new.number == 8 and listed[0]["user"]["login"] == "lihua-nlp"


def test_concurrent_clients_are_all_answered(demo_sim):
    errors: list[Exception] = []

    def worker() -> None:
        try:
            for _ in range(10):
                assert requests.get(demo_sim.github_api_url + "/repos/QwenLM/Qwen3/pulls/7",
                                    headers={"Authorization": f"token {GH_TOKEN}"}).status_code == 200
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert demo_sim.stats()["tokens"][f"github:{GH_TOKEN}"]["budget_spent"] == 80


def test_json_scenario_with_rename_and_tokens(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({
        "users": [{"key": "a", "github": {"id": 7, "login": "old"}}],
        "repos": [{"spec": "github:org/repo", "id": 5}],
        "pulls": [{"repo": "github:org/repo", "author": "a", "state": "merged",
                   "created_at": "2026-01-01T00:00:00Z", "merged_at": "2026-01-02T00:00:00+08:00"}],
        "renames": [{"platform": "github", "user": "a", "new_login": "new"}],
        "tokens": {"github": {"t1": {"user": "a", "limit": 10}}},
    }))
    world = load_scenario(path)
    pull = world.pull("github", "org/repo", 1)

    assert world.user_by_login("github", "new").github_id == 7 and world.user_by_login("github", "old") is None
    assert pull.merged_at.isoformat() == "2026-01-01T16:00:00+00:00" and pull.updated_at == pull.merged_at
    with Simulator(world).start() as sim:
        resp = requests.get(sim.github_api_url + "/user", headers={"Authorization": "token t1"})
        assert resp.json()["login"] == "new" and resp.headers["x-ratelimit-limit"] == "10"


@pytest.mark.parametrize("bad", [
    {"repos": [{"spec": "github-org/repo"}]},
    {"users": [{"key": "a"}, {"key": "a"}]},
    {"pulls": [{"repo": "github:x/y", "author": "a"}]},
    {"tokens": {"github": {"t": {"user": "ghost"}}}},
])
def test_bad_scenarios_are_rejected(bad):
    with pytest.raises((ValueError, KeyError)):
        build_world(bad)


def test_world_rejects_duplicate_accounts_and_numbers():
    world = build_world({"users": [{"key": "a", "github": {"id": 1, "login": "x"}}],
                         "repos": [{"spec": "github:o/r"}]})
    world.add_pull("github:o/r", author="a", number=3)
    with pytest.raises(ValueError):
        world.add_pull("github:o/r", author="a", number=3)
    with pytest.raises(ValueError):
        build_world({"users": [{"key": "b", "github": {"id": 1, "login": "y"}}]}, world)
    assert isinstance(world, World)


def test_command_line_rejects_a_missing_scenario(tmp_path, capsys):
    assert forgesim_main(["--port", "0", "--scenario", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot load scenario" in capsys.readouterr().err


def test_pull_lookup_by_global_id(demo_world):
    pull = demo_world.pull("gitlab", "ai-lab/nlp/toolkit", 2)
    assert demo_world.pull_by_id("gitlab", pull.id) is pull
    assert demo_world.pull_by_id("github", pull.id) is None
