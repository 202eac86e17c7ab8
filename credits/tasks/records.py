"""Approval workflow tasks (beat): close ended public notices, submit cohorts, send reviewers their digest."""

from __future__ import annotations

from celery import shared_task

from credits.services.notifications import reviewer_digests_send
from credits.services.records import cohorts_submit_due, notice_close


@shared_task(name="credits.close_public_notices")
def close_public_notices() -> list[int]:
    """Approve every record whose notice period ended without an objection."""
    return notice_close()


@shared_task(name="credits.submit_closed_windows")
def submit_closed_windows() -> dict[str, int]:
    """Under `submission: automatic`, submit the drafts of terms whose submission window has closed."""
    return cohorts_submit_due()


@shared_task(name="credits.send_reviewer_digests")
def send_reviewer_digests() -> int:
    """Daily: each stage holder gets one email listing the records waiting for them."""
    return reviewer_digests_send()
