"""Run a sync to the end in this process, as a worker would: continue units, wait out short limits, retry faults."""
from __future__ import annotations

import time
from collections.abc import Callable

from django.utils.translation import gettext as _

from credits.forges import ForgeError, ForgeRateLimited

from .sync import SyncReport, identity_backfill, repository_sync


class SyncGaveUp(Exception):
    """A sync that cannot finish here: a permanent error, exhausted retries, or a limit past `max_wait`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def sync_to_completion(*, kind: str, pk: int, max_wait: float, on_wait: Callable[[str, float], None],
                       on_report: Callable[[SyncReport], None] = lambda report: None,
                       sleep: Callable[[float], None] = time.sleep) -> SyncReport:
    """One repository sync or backfill, unit after unit, until complete; raises SyncGaveUp with the reason.

    Rate limits are waited out when they reset within `max_wait` seconds; transient faults wait the backoff
    the sync state records (the one a worker's retry would use), until the state's retry budget is spent.
    """
    service = repository_sync if kind == "repository" else identity_backfill
    key = "repository_id" if kind == "repository" else "identity_id"
    total = SyncReport(subject="", not_modified=True)
    while True:
        try:
            report = service(**{key: pk})
        except ForgeRateLimited as exc:
            wait = exc.retry_after or 60.0
            if wait > max_wait:
                # The forge's own text (exc.message) stays as the forge client wrote it, inside our sentence.
                raise SyncGaveUp(_("%(error)s (resets in %(wait).0f s, later than --max-wait %(max_wait).0f s)")
                                 % {"error": exc.message, "wait": wait, "max_wait": max_wait}) from exc
            on_wait(_("rate limit: %(error)s") % {"error": exc.message}, wait)
            sleep(wait)
            continue
        except ForgeError as exc:
            if exc.permanent:
                raise SyncGaveUp(exc.message) from exc
            wait = min(exc.retry_after or 1.0, max_wait)
            on_wait(_("transient fault: %(error)s") % {"error": exc.message}, wait)
            sleep(wait)
            continue
        on_report(report)
        total.subject = report.subject
        total.merge(report)
        total.contribution_ids.extend(report.contribution_ids)
        if report.complete:
            return total
