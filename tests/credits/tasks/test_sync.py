"""Sync tasks on a real Celery worker: Redis in CI, the in-memory transport otherwise."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from credits.models import Contribution, SyncState, TokenBudget
from credits.models.tokens import token_fingerprint
from credits.tasks import sync_all_repositories, sync_repository
from tests.conftest import require_service, using_redis
from tests.credits.sync_helpers import BASE, add_merged, link, register

DEEPSEEK = "github:deepseek-ai/DeepSeek-V3"
PADDLE = "github:PaddlePaddle/Paddle"
ROOT = Path(__file__).resolve().parents[3]  # the repository root, where manage.py and config/ are


def wait_for(predicate, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll the database until `predicate()` holds (the worker commits from another thread or process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def finished(repository, runs: int = 1) -> bool:
    state = SyncState.objects.get(repository=repository)
    return state.runs >= runs and state.last_status in {"ok", "not_modified", "error"} and (
        state.last_finished_at is not None and state.last_finished_at >= state.last_started_at)


def test_a_sync_task_runs_on_the_worker_and_stores_merged_prs(sim, celery_worker):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 120)

    sync_repository.delay(repository.pk)

    wait_for(lambda: finished(repository), what="the sync task")
    assert Contribution.objects.filter(repository=repository).count() == 121
    # The worker left what GitHub last said of its token's budget for the operator's dashboard.
    forge = {token_fingerprint(key.split(":", 1)[1]): budget["core"]["remaining"]
             for key, budget in sim.state.budgets.snapshot().items()
             if key.startswith("github:") and key.split(":", 1)[1] in settings.FORGE_TOKENS["github"]}
    stored = dict(TokenBudget.objects.filter(platform="github").values_list("fingerprint", "remaining"))
    assert stored and all(forge[fingerprint] == left for fingerprint, left in stored.items())


def test_a_rate_limited_sync_is_rescheduled_at_the_reset_and_the_worker_keeps_working(sim, celery_worker, settings):
    link(sim, "wangxm")
    link(sim, "lihua")
    limited, other = register(sim, DEEPSEEK), register(sim, PADDLE)
    sim.inject_fault("github", r"deepseek-ai/DeepSeek-V3/pulls", "rate_limit", retry_after=3)

    sync_repository.delay(limited.pk)
    sync_repository.delay(other.pk)

    wait_for(lambda: finished(limited, runs=2), what="the rescheduled sync")
    limited_state, other_state = (SyncState.objects.get(repository=r) for r in (limited, other))
    assert limited_state.last_status == "ok" and limited_state.runs == 2
    # The solo worker ran the other repository while the limited one waited: a countdown, not a sleep.
    assert other_state.last_finished_at < limited_state.last_finished_at
    assert (limited_state.last_finished_at - other_state.last_finished_at).total_seconds() >= 1.5
    assert Contribution.objects.filter(repository=limited).count() == 2


def test_a_transient_forge_error_is_retried_with_backoff(sim, celery_worker, settings):
    settings.SYNC_RETRY_BACKOFF_SECONDS = 0.5
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    sim.inject_fault("github", r"/pulls\?", "status", status=503, times=2)

    sync_repository.delay(repository.pk)

    wait_for(lambda: finished(repository, runs=3), what="two retries")
    state = SyncState.objects.get(repository=repository)
    assert state.last_status == "ok" and state.runs == 3
    assert Contribution.objects.filter(repository=repository).count() == 1


def test_a_permanent_error_is_recorded_and_not_retried(sim, celery_worker, settings):
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_revoked_token"]}
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)

    sync_repository.delay(repository.pk)

    wait_for(lambda: finished(repository), what="the failed sync")
    time.sleep(1.0)  # a retry, if one were scheduled, would have started by now
    state = SyncState.objects.get(repository=repository)
    assert state.runs == 1 and state.last_status == "error" and "401" in state.last_error


def test_the_hourly_fan_out_enqueues_one_sync_per_active_repository(sim, celery_worker):
    link(sim, "wangxm")
    repositories = [register(sim, DEEPSEEK), register(sim, PADDLE), register(sim, "github:QwenLM/Qwen3")]
    repositories[2].active = False
    repositories[2].save()

    sync_all_repositories.delay()

    wait_for(lambda: all(finished(r) for r in repositories[:2]), what="the fanned-out syncs")
    assert SyncState.objects.get(repository=repositories[2]).runs == 0


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_running_the_same_syncs_at_once_store_each_pr_once(sim, settings, postgres_only):
    require_service(using_redis(), "Redis (CELERY_BROKER_URL)")
    for key in ("wangxm", "lihua", "zhangsan"):
        link(sim, key)
    repositories = [register(sim, DEEPSEEK), register(sim, PADDLE), register(sim, "github:vllm-project/vllm")]
    for key in ("wangxm", "lihua", "zhangsan"):
        for repository in repositories:
            add_merged(sim, repository.spec, key, 60, start=BASE)
    queue = f"xuefen-two-workers-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "GITHUB_API_URL": sim.github_api_url, "GITHUB_TOKENS": ",".join(settings.FORGE_TOKENS["github"]),
           "GITHUB_SECONDS_BETWEEN_REQUESTS": "0", "CONN_MAX_AGE": "0"}
    logs = [ROOT / "var" / f"{queue}-{n}.log" for n in (1, 2)]
    logs[0].parent.mkdir(parents=True, exist_ok=True)
    workers = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool", "solo", "-n",
         f"w{n}-{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO", "-f", str(log)],
        cwd=ROOT, env=env) for n, log in zip((1, 2), logs, strict=True)]
    try:
        for _ in range(2):  # every sync twice, so both workers run the same walk
            for repository in repositories:
                sync_repository.apply_async(args=[repository.pk], queue=queue)
        wait_for(lambda: all(finished(r, runs=2) for r in repositories), timeout=120, what="both workers")
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    expected = sum(1 for r in repositories for p in sim.world.pulls_of("github", r.path).values()
                   if p.state == "merged" and p.author in {"wangxm", "lihua", "zhangsan"})
    assert Contribution.objects.count() == expected
    assert len(set(Contribution.objects.values_list("platform", "external_id"))) == expected
    assert all("succeeded" in log.read_text() for log in logs), "each worker process ran sync tasks"


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sync_loses_nothing_and_counts_nothing_twice(sim, settings, postgres_only):
    require_service(using_redis(), "Redis (CELERY_BROKER_URL)")
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 700)
    queue = f"xuefen-kill-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    # A short visibility timeout so the killed worker's unacknowledged task comes back within the test.
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
           "GITHUB_API_URL": sim.github_api_url, "GITHUB_TOKENS": ",".join(settings.FORGE_TOKENS["github"]),
           "GITHUB_SECONDS_BETWEEN_REQUESTS": "0", "CONN_MAX_AGE": "0", "CELERY_VISIBILITY_TIMEOUT": "5",
           "CELERY_UNACKED_RESTORE_INTERVAL": "1", "CELERY_UNACKED_RESTORE_THROTTLE": "1"}

    def start(name: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue, "--pool",
                                 "solo", "-n", f"{name}-{queue}@%h", "--without-gossip", "--without-mingle",
                                 "--loglevel", "WARNING"], cwd=ROOT, env=env)

    details = "github GET /repos/{owner}/{repo}/pulls/{number}"
    first = start("doomed")
    try:
        sync_repository.apply_async(args=[repository.pk], queue=queue)
        wait_for(lambda: sim.stats()["endpoints"].get(details, {}).get("requests", 0) >= 250, timeout=90,
                 what="the first worker to be mid-sync")
        first.kill()  # SIGKILL: no warm shutdown, no ack, no chance to tidy up
        first.wait(timeout=30)
        state = SyncState.objects.get(repository=repository)
        assert state.watermark is None and state.etag == ""  # nothing advanced past what was stored
        partial = Contribution.objects.filter(repository=repository).count()
        assert 0 < partial < 701  # some batches were stored before the kill
        second = start("heir")
        try:
            wait_for(lambda: finished(repository, runs=2), timeout=120, what="the redelivered sync")
        finally:
            second.terminate()
            second.wait(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
    stored = Contribution.objects.filter(repository=repository)
    assert stored.count() == 701
    assert len(set(stored.values_list("external_id", flat=True))) == 701
    assert SyncState.objects.get(repository=repository).watermark is not None


def test_the_overdue_sweep_recovers_syncs_and_backfills_a_broker_restart_dropped(sim, celery_worker):
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import ForgeIdentity
    from credits.models import IdentitySyncState
    from credits.tasks import sync_overdue_repositories

    lost = link(sim, "lihua")  # linked hours ago; its backfill message was lost with the broker
    ForgeIdentity.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(hours=5))
    stale, fresh = register(sim, DEEPSEEK), register(sim, PADDLE)
    SyncState.objects.filter(repository=fresh).update(last_finished_at=timezone.now(), last_status="ok")

    sync_overdue_repositories.delay()

    wait_for(lambda: finished(stale) and IdentitySyncState.objects.filter(identity=lost, last_status="ok").exists(),
             what="the swept sync and backfill")
    assert SyncState.objects.get(repository=fresh).runs == 0  # recently synced: left alone
    assert sorted(Contribution.objects.filter(identity=lost).values_list("number", flat=True)) == [102, 70001]
