"""Walks that resume where they stopped, units that continue, shifting pages, and syncs that end in error."""
from __future__ import annotations

import pytest

from credits.forges import ForgeUnavailable, client_for
from credits.models import Contribution, SyncState
from credits.selectors.sync_health import sync_errors, sync_silent
from credits.services.sync import repository_sync
from tests.credits.sync_helpers import add_merged, endpoint_requests, link, register

pytestmark = pytest.mark.django_db
DEEPSEEK = "github:deepseek-ai/DeepSeek-V3"
LIST = "github GET /repos/{owner}/{repo}/pulls"


def merged_by(sim, spec: str, keys: set[str]) -> set[int]:
    platform, path = spec.split(":", 1)
    return {p.id for p in sim.world.pulls_of(platform, path).values() if p.state == "merged" and p.author in keys}


def test_units_of_one_page_continue_the_walk_and_only_the_last_moves_the_watermark(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250)

    units = []
    while not units or not units[-1].complete:
        units.append(repository_sync(repository_id=repository.pk, max_pages=1))
        state = SyncState.objects.get(repository=repository)
        if not units[-1].complete:
            assert state.watermark is None and state.last_status == "queued" and state.walk_page == len(units) + 1
            assert state.walk_stored == Contribution.objects.count() and state.heartbeat_at is not None

    assert len(units) == 3 and endpoint_requests(sim, LIST) == 3  # each page fetched once, none again
    state = SyncState.objects.get(repository=repository)
    assert state.watermark is not None and state.etag and state.walk_page == 0 and state.last_status == "ok"
    assert set(Contribution.objects.values_list("external_id", flat=True)) == merged_by(sim, DEEPSEEK, {"wangxm"})


def test_prs_arriving_between_page_requests_are_neither_missed_nor_stored_twice(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 330)
    sim.set_fault_rate("github", 0.0, arrival_rate=1.0)  # a new merged PR before every page after the first

    repository_sync(repository_id=repository.pk)
    arrived = sim.arrivals()
    sim.clear_faults()
    repository_sync(repository_id=repository.pk)  # the next run picks up what arrived at the top meanwhile

    assert len(arrived) >= 3
    rows = list(Contribution.objects.values_list("external_id", flat=True))
    assert len(rows) == len(set(rows)) and set(rows) == merged_by(sim, DEEPSEEK, {"wangxm"})


def test_a_walk_taken_further_by_another_worker_stops_instead_of_redoing_its_pages(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250)
    repository_sync(repository_id=repository.pk, max_pages=1)
    state = SyncState.objects.get(repository=repository)
    # A unit that read walk_page 2 and then lost the race: someone else recorded page 3 meanwhile.
    SyncState.objects.filter(pk=state.pk).update(walk_page=3)
    stale = SyncState.objects.get(pk=state.pk)
    stale.walk_page = 2
    from credits.services import sync as sync_service

    report = sync_service.SyncReport(subject="x")
    sync_service._walk(client_for("github"), repository, stale, report, max_pages=None, max_seconds=None)

    assert report.superseded and not report.complete
    assert SyncState.objects.get(pk=state.pk).walk_page == 3  # the other worker's progress stands


def test_transient_failures_past_the_limit_end_in_error_with_the_reason(sim, settings):
    settings.SYNC_MAX_TRANSIENT_RETRIES = 2
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    sim.inject_fault("github", r"/pulls\?", "status", status=502, times=None)

    with pytest.raises(ForgeUnavailable) as first:
        repository_sync(repository_id=repository.pk)
    assert not first.value.permanent and first.value.retry_after > 0
    assert SyncState.objects.get(repository=repository).last_status == "retrying"
    with pytest.raises(ForgeUnavailable) as second:
        repository_sync(repository_id=repository.pk)

    state = SyncState.objects.get(repository=repository)
    assert second.value.permanent and state.last_status == "error" and state.failures == 2
    assert state.last_error.startswith("gave up after 2 failed attempts") and "502" in state.last_error
    assert [(r["subject"], r["status"]) for r in sync_errors()] == [(DEEPSEEK, "error")]


def test_silent_in_flight_work_is_listed_for_the_dashboard(sim):
    from datetime import timedelta

    from django.utils import timezone

    repository = register(sim, DEEPSEEK)
    SyncState.objects.filter(repository=repository).update(
        last_status="running", heartbeat_at=timezone.now() - timedelta(minutes=10))

    assert [r["subject"] for r in sync_silent(stale_seconds=300)] == [DEEPSEEK]
    SyncState.objects.filter(repository=repository).update(heartbeat_at=timezone.now())
    assert sync_silent(stale_seconds=300) == []
