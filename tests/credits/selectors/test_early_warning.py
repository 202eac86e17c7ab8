"""学业预警: who is below the graduation requirement, by approved credit only, fewest first."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credits.models import CreditRecord, RecordKind
from credits.selectors.portal import standing_of
from credits.selectors.staff import early_warning
from credits.services.records import notice_close, record_approve, record_revoke, record_submit
from tests.credits.services.records_helpers import NOW, build_uni

pytestmark = pytest.mark.django_db


def test_only_approved_credit_counts_corrections_included_and_the_order_is_fewest_first():
    uni = build_uni()
    # Read-side fixture rows: the statuses are what the query must tell apart, not how they were reached.
    base = uni.record(uni.alice, credits="1.5", status="approved")
    CreditRecord.objects.create(student=uni.alice.user, term=uni.term, policy_version=uni.policy,
                                kind=RecordKind.ADJUSTMENT, adjusts=base, credits=Decimal("0.5"),
                                target_credits=Decimal(2), status="approved", evaluated_at=base.evaluated_at)
    uni.record(uni.bob, credits="1.0", status="approved")
    uni.record(uni.carol, credits="3.0", status="in_review")  # not approved: counts nothing yet
    rows = [(p.student_id, p.approved) for p in early_warning(Decimal(2))]
    assert rows == [(uni.carol.student_id, Decimal(0)), (uni.bob.student_id, Decimal("1.0"))]
    assert [p.student_id for p in early_warning(Decimal("2.5"))] == [
        uni.carol.student_id, uni.bob.student_id, uni.alice.student_id]
    assert early_warning(Decimal(2)).count() == 2


def test_a_revoked_exported_record_counts_zero_not_minus_its_credits():
    uni = build_uni()
    record = uni.record(uni.alice, credits="1.5")
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who, now=NOW)
    notice_close(now=NOW + dt.timedelta(days=10))
    CreditRecord.objects.filter(pk=record.pk).update(exported_at=NOW)  # the registrar's batch booked it
    record_revoke(record_id=record.pk, actor=uni.registry, reason="plagiarised", now=NOW + dt.timedelta(days=11))
    assert CreditRecord.objects.filter(kind=RecordKind.REVOCATION, credits=Decimal("-1.5")).exists()
    alice = next(p for p in early_warning(Decimal(2)) if p.student_id == uni.alice.student_id)
    assert alice.approved == 0  # the revoked record and its revocation cancel out once, not twice
    assert standing_of(uni.alice.user, term=uni.term, policy=None).approved_total == 0
