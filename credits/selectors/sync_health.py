"""Reads for the sync dashboard (operators): syncs that ended in error, and in-flight work that went silent."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from credits.models import IdentitySyncState, SyncState

IN_FLIGHT = ("queued", "running", "retrying")


def _row(kind: str, subject: str, state) -> dict:
    return {"kind": kind, "subject": subject, "status": state.last_status, "reason": state.last_error,
            "failures": state.failures, "heartbeat_at": state.heartbeat_at, "next_attempt_at": state.next_attempt_at,
            "last_finished_at": state.last_finished_at}


def sync_errors() -> list[dict]:
    """Every repository sync and backfill in state `error`, with the reason (retries exhausted or permanent)."""
    rows = [_row("repository", s.repository.spec, s)
            for s in SyncState.objects.filter(last_status="error").select_related("repository")]
    rows += [_row("identity", str(s.identity), s)
             for s in IdentitySyncState.objects.filter(last_status="error").select_related("identity")]
    return rows


def sync_silent(*, stale_seconds: float | None = None) -> list[dict]:
    """In-flight syncs with no heartbeat for `stale_seconds` and no attempt due: what the sweep will re-enqueue."""
    cutoff = timezone.now() - timedelta(seconds=settings.SYNC_STALE_SECONDS if stale_seconds is None else stale_seconds)
    rows = []
    for model, kind, related in ((SyncState, "repository", "repository"), (IdentitySyncState, "identity", "identity")):
        for state in model.objects.filter(last_status__in=IN_FLIGHT).select_related(related):
            last = max(filter(None, (state.heartbeat_at, state.next_attempt_at, state.last_started_at)), default=None)
            if last is None or last < cutoff:
                subject = state.repository.spec if kind == "repository" else str(state.identity)
                rows.append(_row(kind, subject, state))
    return rows
