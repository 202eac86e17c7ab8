"""Sync tasks are short units: each walks a bounded number of pages and enqueues its continuation."""
from __future__ import annotations

from credits.models import Contribution, SyncState
from credits.tasks import sync_repository
from tests.credits.sync_helpers import add_merged, link, register
from tests.credits.tasks.test_sync import DEEPSEEK, finished, wait_for


def test_a_long_walk_runs_as_one_unit_per_page_each_enqueuing_the_next(sim, celery_worker, settings):
    settings.SYNC_UNIT_PAGES = 1
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250)

    sync_repository.delay(repository.pk)

    wait_for(lambda: finished(repository, runs=3), what="three units")
    state = SyncState.objects.get(repository=repository)
    assert state.runs == 3 and state.last_status == "ok" and state.walk_page == 0
    assert Contribution.objects.filter(repository=repository).count() == 251


def test_run_eagerly_the_units_follow_one_another_in_the_same_call(sim, db, eager_tasks, settings):
    settings.SYNC_UNIT_PAGES = 1
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250)

    result = sync_repository.delay(repository.pk).get()

    assert result["complete"] and SyncState.objects.get(repository=repository).runs == 3
    assert Contribution.objects.filter(repository=repository).count() == 251
