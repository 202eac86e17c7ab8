"""A sync that finishes on a flaky forge, through dead workers and a restarted broker (real processes)."""
from __future__ import annotations

import pytest

from credits.bench.university import ground_truth, stored
from credits.models import IdentitySyncState, Repository, SyncState

from .conftest import wait_for

pytestmark = pytest.mark.resilience
PLATFORMS = ("github", "gitee", "gitlab")


def exact(sim, platforms=PLATFORMS) -> bool:
    """Exactly forgesim's ground truth: every merged PR of a linked student, none twice."""
    rows = stored(platforms=platforms)
    return len(rows) == len(set(rows)) and set(rows) == ground_truth(sim.world, platforms=platforms)


def all_synced(platforms=PLATFORMS) -> bool:
    states = SyncState.objects.filter(repository__platform__in=platforms)
    return not states.exclude(last_status__in=["ok", "not_modified"]).exists() and not states.filter(
        walk_page__gt=0).exists()


def done(sim, platforms=PLATFORMS):
    return lambda: all_synced(platforms) and exact(sim, platforms)


def sweep() -> None:
    """What beat does every few minutes (here every few seconds): re-enqueue silent work."""
    from credits.tasks import sync_overdue_repositories

    sync_overdue_repositories.delay()


def fan_out() -> None:
    from credits.tasks import sync_all_repositories

    sync_all_repositories.delay()


def progress_past(sim, extra: int):
    target = sim.stats()["requests"] + extra
    return lambda: sim.stats()["requests"] >= target


def fault_free_requests(sim) -> int:
    """Requests of a fault-free first sync of every repository (in this process), then back to nothing synced."""
    from credits.bench.sync_faults import _reset_sync
    from credits.services.sync import repository_sync

    sim.reset_stats()
    for pk in Repository.objects.values_list("pk", flat=True):
        repository_sync(repository_id=pk)
    assert exact(sim)
    requests = sim.stats()["requests"]
    _reset_sync()
    sim.reset_stats()
    return requests


def test_ten_percent_of_answers_failing_still_stores_exactly_the_truth_within_1_3x_the_requests(
        university, broker_factory, workers):
    baseline = fault_free_requests(university)
    broker_factory()
    for n, platform in enumerate(PLATFORMS):
        university.set_fault_rate(platform, 0.10, seed=40 + n)
    workers.start("flaky")

    fan_out()
    wait_for(done(university), timeout=150, what="the full sync on a flaky forge")

    stats = university.stats()
    assert sum(p["faults"] for p in stats["platforms"].values()) > 0.05 * stats["requests"]
    assert stats["requests"] <= 1.3 * baseline, (stats["requests"], baseline)


def test_a_whole_worker_sigkilled_three_times_loses_nothing_and_counts_nothing_twice(
        university, broker_factory, workers):
    broker_factory()
    # Every answer takes 50 ms (a forge across the internet), so a unit spans several polls and a kill lands
    # mid-walk; the generated university is small, and at local speed whole units finished between two polls.
    for platform in PLATFORMS:
        university.set_fault_rate(platform, 1.0, mix={"slow": 1}, slow_seconds=0.05)
    workers.start("doomed-0")
    fan_out()
    for n in range(3):
        # Beat runs all along: what a killed worker held comes back through the sweep, not only at the end.
        wait_for(progress_past(university, 20), timeout=60, what=f"worker {n} to be mid-sync", every=sweep)
        workers.kill(f"doomed-{n}")
        workers.start(f"doomed-{n + 1}")

    elapsed = wait_for(done(university), timeout=150, what="recovery after three SIGKILLs", every=sweep)

    assert elapsed < 150


@pytest.mark.parametrize("appendonly", [True, False], ids=["appendonly", "no-persistence"])
def test_a_restarted_redis_loses_no_work_even_without_persistence(university, broker_factory, workers, appendonly):
    from credits.tasks import sync_identity

    server = broker_factory(appendonly=appendonly)
    # Three students linked just now: their backfills are queued, not done (the sweep must not wait hours).
    fresh = list(IdentitySyncState.objects.filter(identity__platform="github").values_list("identity_id", flat=True)
                 [:3])
    IdentitySyncState.objects.filter(identity_id__in=fresh).delete()
    workers.start("survivor")
    fan_out()
    for identity_id in fresh:
        sync_identity.delay(identity_id)
    wait_for(progress_past(university, 15), timeout=60, what="the sync to be under way")

    server.restart()

    wait_for(lambda: done(university)() and IdentitySyncState.objects.filter(
        identity_id__in=fresh, last_status="ok").count() == 3, timeout=150, what="all work back after the restart",
        every=sweep)


def test_two_workers_on_one_repository_store_each_pr_once(university, broker_factory, workers):
    from credits.models import Contribution
    from credits.tasks import sync_repository

    broker_factory()
    biggest = max(Repository.objects.all(), key=lambda r: len(university.world.pulls_of(r.platform, r.path)))
    truth = {p.id for p in university.world.pulls_of(biggest.platform, biggest.path).values()
             if (p.platform, p.id) in ground_truth(university.world)}
    workers.start("left", concurrency=1)
    workers.start("right", concurrency=1)
    workers.wait_ready("left", "right")

    for _ in range(4):  # both workers get the same walk at once
        sync_repository.delay(biggest.pk)

    def finished() -> bool:
        state = SyncState.objects.get(repository=biggest)
        return state.last_status in ("ok", "not_modified") and state.walk_page == 0 and state.runs >= 4
    wait_for(finished, timeout=120, what="both workers")
    rows = list(Contribution.objects.filter(repository=biggest).values_list("external_id", flat=True))
    assert len(rows) == len(set(rows)) and set(rows) == truth
    assert {"left", "right"} <= {n for n in workers.ran_tasks()}


def test_an_exhausted_token_hands_the_work_to_the_other_tokens(university, broker_factory, workers, settings):
    spent, *others = settings.FORGE_TOKENS["github"]
    university.set_budget("github", spent, remaining=0, reset_in_seconds=3600)
    broker_factory()
    workers.start("pool")

    fan_out()
    wait_for(done(university), timeout=150, what="the sync on the remaining tokens")

    tokens = university.stats()["tokens"]
    assert set(tokens[f"github:{spent}"]["statuses"]) == {"403"} and tokens[f"github:{spent}"]["requests"] <= 4
    assert sum(tokens.get(f"github:{t}", {}).get("requests", 0) for t in others) > 10
