"""The seeded university generator: determinism, shape of the data, and a scale check."""

from __future__ import annotations

import re
import resource
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from github import Auth, Github

from forgesim import Simulator, generate
from forgesim.generator import DEPARTMENTS


def fingerprint(world) -> list[tuple]:
    """Everything a client could observe about the pulls, in a stable order."""
    return sorted((p.platform, p.repo_path, p.number, p.id, p.author, p.state, p.created_at, p.merged_at,
                   p.merged_by, p.additions, p.labels, p.merge_commit_sha, p.head_sha) for p in world.all_pulls())


@pytest.fixture(scope="module")
def world5k():
    """A mid-sized university shared by the read-only tests below."""
    return generate(5000, seed=7)


def test_same_seed_gives_the_same_world_and_another_seed_does_not():
    assert fingerprint(generate(1500, seed=3)) == fingerprint(generate(1500, seed=3))
    assert fingerprint(generate(1500, seed=3)) != fingerprint(generate(1500, seed=4))


@pytest.mark.parametrize("n", [0, 1, 999, 2500])
def test_exactly_the_requested_number_of_pulls(n):
    assert generate(n, seed=1).pull_count() == n


def test_students_have_ids_chinese_names_departments_and_accounts(world5k):
    students = [u for u in world5k.users.values() if u.student]
    assert len(students) == 125  # n_pulls // 40
    for user in students:
        assert re.fullmatch(r"2026\d{5}", user.student["student_id"])
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", user.student["name"])
        assert user.student["department"] in DEPARTMENTS
        assert user.github_login or user.gitee_login
    on = Counter(p for u in students for p in ("github", "gitee", "gitlab") if u.login(p))
    assert on["github"] > on["gitee"] > 0 and on["gitlab"] > 0
    assert len({u.student["student_id"] for u in students}) == len(students)


def test_bot_and_non_student_contributors_exist(world5k):
    bot = world5k.user_by_login("github", "dependabot[bot]")
    assert bot is not None and bot.is_bot and not bot.student
    assert world5k.pulls_by_author(bot.key)
    assert any(not u.student and world5k.pulls_by_author(u.key) for u in world5k.users.values() if not u.is_bot)


def test_real_repository_names_on_all_three_forges(world5k):
    specs = {r.spec for r in world5k.repos.values()}
    assert {"github:deepseek-ai/DeepSeek-V3", "github:vllm-project/vllm", "github:huggingface/transformers",
            "gitee:mindspore/mindspore", "gitee:paddlepaddle/Paddle", "gitlab:ai-lab/nlp/toolkit"} <= specs
    assert {p for p, _ in world5k.repos} == {"github", "gitee", "gitlab"}


def test_pull_mix_has_states_labels_self_merges_own_repos_and_mirrors(world5k):
    pulls = list(world5k.all_pulls())
    states = Counter(p.state for p in pulls)
    assert states["merged"] > states["closed"] > 0 and states["open"] > 0
    assert any("spam" in p.labels for p in pulls) and any("invalid" in p.labels for p in pulls)
    assert any(p.state == "merged" and p.merged_by == p.author for p in pulls)
    own = [p for p in pulls if world5k.repo(p.platform, p.repo_path).owner_is_user]
    assert own and all(p.author == world5k.repo(p.platform, p.repo_path).owner for p in own)
    by_sha = Counter(p.merge_commit_sha for p in pulls if p.merge_commit_sha)
    twins = [sha for sha, n in by_sha.items() if n == 2]
    assert twins
    pair = [p for p in pulls if p.merge_commit_sha == twins[0]]
    assert {p.platform for p in pair} == {"github", "gitee"} and pair[0].author == pair[1].author
    assert pair[0].head_sha == pair[1].head_sha


def test_timestamps_are_ordered_and_within_2025_2026(world5k):
    lo, hi = datetime(2025, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    for p in world5k.all_pulls():
        assert lo <= p.created_at <= p.updated_at < hi
        if p.state == "merged":
            assert p.created_at <= p.merged_at == p.closed_at and p.merged_by
        elif p.state == "closed":
            assert p.merged_at is None and p.closed_at is not None
        else:
            assert p.closed_at is None and p.merged_at is None


def test_generated_world_is_served_to_pygithub(world5k):
    repo_spec = "github:deepseek-ai/DeepSeek-V3"
    merged = {p.number for p in world5k.pulls_of("github", "deepseek-ai/DeepSeek-V3").values()
              if p.state == "merged"}
    with Simulator(world5k).start() as sim:
        gh = Github(base_url=sim.github_api_url, auth=Auth.Token("ghp_sim_service_1"), per_page=100,
                    seconds_between_requests=None)
        seen = {p.number for p in gh.get_repo(repo_spec.split(":")[1]).get_pulls(state="closed")
                if p.merged_at is not None}
    assert seen == merged and len(merged) > 100


def test_scale_100k_pulls(capsys):
    """Not a timing assertion: prints the figures (the 1M figure is in the report)."""
    start = time.perf_counter()
    world = generate(100_000, seed=42)
    elapsed = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with capsys.disabled():
        print(f"\nforgesim.generate(100_000): {elapsed:.1f}s, process max RSS {rss:.0f} MiB, "
              f"{len(world.users)} users, {len(world.repos)} repos")
    assert world.pull_count() == 100_000
