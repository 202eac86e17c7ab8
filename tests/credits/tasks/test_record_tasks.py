"""Beat tasks of the workflow: closing ended notices, automatic cohort submission, the reviewers' digest."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from credits.models import CreditRecord, RecordStatus
from credits.services.records import record_approve, record_submit
from credits.tasks import close_public_notices, send_reviewer_digests, submit_closed_windows
from tests.credits.services.records_helpers import NOW, build_uni, staged_policy

pytestmark = pytest.mark.django_db


def test_close_public_notices_approves_records_whose_period_ended(eager_tasks):
    uni = build_uni()
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who, now=NOW)
    CreditRecord.objects.filter(pk=record.pk).update(notice_ends_on=dt.date(2026, 9, 1))
    assert close_public_notices.delay().get() == [record.pk]
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.APPROVED


def test_automatic_submission_submits_the_cohort_once_the_window_closed(eager_tasks):
    automatic = staged_policy().replace("  public_notice_days: 3", "  submission: automatic\n  public_notice_days: 3")
    uni = build_uni(automatic)
    with_credit, without = uni.record(uni.alice), uni.record(uni.bob, credits="0")
    assert submit_closed_windows.delay().get() == {}  # no window closed yet
    uni.term.submission_closes_on = dt.date(2026, 9, 1)
    uni.term.save()
    assert submit_closed_windows.delay().get() == {"2026-autumn": 1}
    statuses = dict(CreditRecord.objects.values_list("pk", "status"))
    assert statuses == {with_credit.pk: RecordStatus.SUBMITTED, without.pk: RecordStatus.DRAFT}


def test_the_digest_task_mails_the_holders(eager_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    uni = build_uni()
    record_submit(record_id=uni.record(uni.alice).pk, actor=uni.alice.user, now=NOW)
    assert send_reviewer_digests.delay().get() == 1 and mail.outbox[0].to == [uni.advisor.email]
