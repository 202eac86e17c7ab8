"""Reads behind /healthz: database, broker, and the age of each forge's last successful sync."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Max, Min
from django.utils import timezone

from credits.models import Repository, SyncState


@dataclass(frozen=True)
class ForgeFreshness:
    """One forge's last successful repository sync and whether that is older than the limit."""

    platform: str
    last_success: datetime | None
    age_minutes: int | None
    stale: bool


def database_ok() -> tuple[bool, str]:
    """True when a query round-trips."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down", and the reason is reported
        return False, f"{type(exc).__name__}: {exc}"[:200]


def broker_ok() -> tuple[bool, str]:
    """True when the Celery broker accepts a connection (tasks running eagerly need none)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, "eager (no broker)"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=3)
        return True, "ok"
    except Exception as exc:  # noqa: BLE001
        return False, f"{type(exc).__name__}: {exc}"[:200]


def sync_freshness(*, now: datetime | None = None, limit: timedelta | None = None) -> list[ForgeFreshness]:
    """Per forge with active repositories: the newest successful sync and whether it is too old.

    A forge whose repositories never synced yet is stale only once its oldest one has waited longer than
    the limit (a fresh installation is not an outage).
    """
    now = now or timezone.now()
    limit = limit or timedelta(minutes=settings.HEALTHZ_SYNC_MAX_AGE_MINUTES)
    registered = dict(Repository.objects.filter(active=True).values("platform").annotate(first=Min("added_at"))
                      .values_list("platform", "first"))
    last = dict(SyncState.objects.filter(last_status="ok", repository__active=True)
                .values("repository__platform").annotate(last=Max("last_finished_at"))
                .values_list("repository__platform", "last"))
    result = []
    for platform in sorted(registered):
        success = last.get(platform)
        since = success or registered[platform]
        age = int((now - success).total_seconds() // 60) if success else None
        result.append(ForgeFreshness(platform, success, age, stale=now - since > limit))
    return result
