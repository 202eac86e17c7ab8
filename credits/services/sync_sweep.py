"""The overdue sweep's selection: work a lost message, a dead worker or a restarted broker left undone."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import ForgeIdentity
from credits.models import SyncState

# States of work that should be moving: waiting in the queue, running, or rescheduled after a fault.
IN_FLIGHT = ("queued", "running", "retrying")


def _silent(prefix: str, cutoff):
    """In flight, and neither a heartbeat nor an expected next attempt since `cutoff` (an old or lost task)."""
    return Q(**{f"{prefix}last_status__in": IN_FLIGHT}) & Q(**{f"{prefix}silent_since__lt": cutoff})


def overdue_work(*, max_age_minutes: int = 180, stale_seconds: float | None = None) -> tuple[list[int], list[int]]:
    """Repository syncs and backfills to enqueue again.

    Two kinds: queued or running work with no heartbeat (nor a rescheduled attempt due) for `stale_seconds`,
    whatever its age, recently linked identities included; and idle repositories whose hourly sync has not
    run for `max_age_minutes`. Finished work (ok, not_modified, a permanent error, unlinked) is left alone,
    so the sweep never spends budget in a loop.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.SYNC_STALE_SECONDS if stale_seconds is None else stale_seconds)
    cutoff = now - timedelta(minutes=max_age_minutes)
    silent_since = Greatest(Coalesce("heartbeat_at", "last_started_at", "last_finished_at", "next_attempt_at"),
                            Coalesce("next_attempt_at", "heartbeat_at", "last_started_at", "last_finished_at"))
    states = SyncState.objects.filter(repository__active=True).annotate(silent_since=silent_since)
    repositories = set(states.filter(_silent("", stale)).values_list("repository_id", flat=True))
    repositories |= set(
        states.exclude(last_status__in=IN_FLIGHT).exclude(last_finished_at__gte=cutoff)
        .exclude(last_started_at__gte=cutoff).values_list("repository_id", flat=True)
    )
    # Never started: no state row at all, or a row the unit never touched, linked before `stale`.
    identities = ForgeIdentity.objects.filter(unlinked_at__isnull=True).annotate(
        silent_since=Greatest(
            Coalesce("sync_state__heartbeat_at", "sync_state__last_started_at", "sync_state__next_attempt_at"),
            Coalesce("sync_state__next_attempt_at", "sync_state__heartbeat_at", "sync_state__last_started_at")))
    never = Q(created_at__lt=stale) & (Q(sync_state__isnull=True) | Q(sync_state__last_status=""))
    stalled = Q(sync_state__last_status__in=IN_FLIGHT) & (Q(silent_since__lt=stale) | Q(silent_since__isnull=True))
    return sorted(repositories), list(identities.filter(never | stalled).values_list("id", flat=True))
