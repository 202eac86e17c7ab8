"""The student's next step, in words, through a record's whole life under the three-stage policy."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credits.models import CreditRecord
from credits.selectors.next_step import next_step
from credits.services.records import (
    notice_close,
    record_approve,
    record_reject,
    record_return,
    record_revoke,
    record_submit,
)
from tests.credits.services.records_helpers import NOW, build_uni

pytestmark = pytest.mark.django_db


def said(record_id: int) -> tuple[str, str]:
    record = CreditRecord.objects.select_related("policy_version").get(pk=record_id)
    with translation.override("zh-hans"):
        zh = next_step(record, chinese=True)
    with translation.override("en"):
        en = next_step(record, chinese=False)
    return zh, en


def test_each_status_says_what_comes_next_in_both_languages():
    uni = build_uni()
    record = uni.record(uni.alice)
    assert said(record.pk) == ("下一步：在“我的学分”页提交审核。", "Next: submit it for review on the credit page.")
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    assert said(record.pk) == ("等待第 1 步（共 3 步）：导师审核。", "Waiting for stage 1 of 3: Advisor review.")
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    assert said(record.pk)[1] == "Waiting for stage 2 of 3: Department review."
    record_return(record_id=record.pk, actor=uni.dean_cs, reason="link the issue", now=NOW)
    assert said(record.pk)[1].startswith("Returned to you")
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who, now=NOW)
    ends = CreditRecord.objects.get(pk=record.pk).notice_ends_on
    zh, en = said(record.pk)
    assert ends.strftime("%Y-%m-%d") in zh and zh.startswith("公示至")
    assert en.startswith(f"On public notice until {ends:%Y-%m-%d}")
    notice_close(now=NOW + dt.timedelta(days=14))
    assert said(record.pk)[1].startswith("Approved: final")
    CreditRecord.objects.filter(pk=record.pk).update(exported_at=NOW)  # booked by the registrar's batch
    record_revoke(record_id=record.pk, actor=uni.registry, reason="plagiarised", now=NOW + dt.timedelta(days=15))
    assert said(record.pk)[1].startswith("Revoked")
    revocation = CreditRecord.objects.get(kind="revocation", adjusts=record)
    assert said(revocation.pk) == ("此记录用于冲销已撤销的学分，将随教务处下一批导出登记。",
                                   "This cancels credit that was revoked; the registrar's next export records it.")


def test_a_zero_credit_draft_and_a_rejected_record():
    uni = build_uni()
    assert said(uni.record(uni.bob, credits="0").pk)[1].startswith("Nothing to submit yet")
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_reject(record_id=record.pk, actor=uni.advisor, reason="not AI work", now=NOW)
    assert said(record.pk) == ("未通过：原因见记录页。", "Rejected: the reason is on the record's page.")
