"""Sync tasks: ids in, one sync service; rate limits and transient faults become later retries, never sleeps."""
from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.db import transaction

from accounts.models import ForgeIdentity
from credits.forges import ForgeError, ForgeRateLimited
from credits.models import Repository
from credits.services.sync import SyncReport, backfill_needed, identity_backfill, overdue_work, repository_sync
from credits.tasks.evaluation import evaluations_enqueue

log = logging.getLogger(__name__)


def _retry_or_give_up(task, exc: ForgeError, subject: str) -> dict:
    """Reschedule at the forge's reset time (rate limits) or after the backoff the service recorded; never sleep.

    The service counts transient failures on the sync state (across redeliveries too) and marks the error
    permanent, with the state in `error`, once SYNC_MAX_TRANSIENT_RETRIES are spent.
    """
    if isinstance(exc, ForgeRateLimited):
        raise task.retry(exc=exc, countdown=exc.retry_after or 60, max_retries=None)
    if not exc.permanent:
        backoff = settings.SYNC_RETRY_BACKOFF_SECONDS * 2 ** task.request.retries
        raise task.retry(exc=exc, countdown=min(exc.retry_after or backoff, 3600), max_retries=None)
    log.warning("sync of %s failed: %s", subject, exc.message)
    return {"subject": subject, "error": exc.message}


def _summary(report: SyncReport) -> dict:
    return {"subject": report.subject, "seen": report.pulls_seen, "stored": report.stored,
            "requests": report.requests_spent, "not_modified": report.not_modified,
            "rate_remaining": report.rate_remaining, "complete": report.complete}


def _run_sync(task, service, *, subject: str, gone: type[Exception], bounds: dict, **ids) -> dict:
    """Run one unit of a sync service; a vanished row ends quietly, forge errors retry or give up.

    New work is evaluated; an unfinished walk re-enqueues its continuation (unless a second worker already
    carries the same walk on), so no task runs longer than a unit and a lost one costs one unit.
    """
    while True:
        try:
            report = service(**ids, **bounds)
        except gone:
            return {"subject": subject, "error": "no longer exists"}
        except ForgeError as exc:
            return _retry_or_give_up(task, exc, subject)
        evaluations_enqueue(contribution_ids=report.contribution_ids)
        if report.complete or report.superseded:
            return _summary(report)
        if not task.request.is_eager:  # run eagerly (the embedded setup) the units follow in this call
            task.apply_async(kwargs=ids)
            return _summary(report)


@shared_task(name="credits.tasks.sync_repository", bind=True, max_retries=None)
def sync_repository(self, repository_id: int) -> dict:
    """Incrementally sync one registry repository."""
    return _run_sync(self, repository_sync, subject=f"repository {repository_id}", gone=Repository.DoesNotExist,
                     bounds={"max_pages": settings.SYNC_UNIT_PAGES, "max_seconds": settings.SYNC_UNIT_SECONDS},
                     repository_id=repository_id)


@shared_task(name="credits.tasks.sync_identity", bind=True, max_retries=None)
def sync_identity(self, identity_id: int) -> dict:
    """Backfill one newly linked identity's merged PRs into registry repositories."""
    return _run_sync(self, identity_backfill, subject=f"identity {identity_id}", gone=ForgeIdentity.DoesNotExist,
                     bounds={"max_stored": settings.SYNC_UNIT_STORED}, identity_id=identity_id)


@shared_task(name="credits.tasks.sync_all_repositories")
def sync_all_repositories() -> int:
    """Hourly fan-out: one sync task per active repository."""
    ids = list(Repository.objects.filter(active=True).values_list("id", flat=True))
    for repository_id in ids:
        sync_repository.delay(repository_id)
    return len(ids)


@shared_task(name="credits.tasks.sync_overdue_repositories")
def sync_overdue_repositories(max_age_minutes: int = 180) -> int:
    """Sweep for lost work (a dead worker, a broker restart): re-enqueue silent in-flight and overdue syncs."""
    repositories, identities = overdue_work(max_age_minutes=max_age_minutes)
    for repository_id in repositories:
        sync_repository.delay(repository_id)
    for identity_id in identities:
        sync_identity.delay(identity_id)
    return len(repositories) + len(identities)


def backfill_enqueue(identity: ForgeIdentity) -> bool:
    """After a link commits, queue the identity's backfill unless one already finished; True when queued.

    Celery's delay_on_commit, made robust: the committed link stands even when the broker is down or, run
    eagerly (the embedded setup), the forge is; the failure is logged and `sync --student` redoes it.
    """
    if not backfill_needed(identity_id=identity.pk):
        return False
    transaction.on_commit(lambda: sync_identity.delay(identity.pk), robust=True)
    return True
