"""学业预警: who is below the graduation requirement, by approved credit only, fewest first."""
from __future__ import annotations

from decimal import Decimal

import pytest

from credits.models import CreditRecord, RecordKind
from credits.selectors.staff import early_warning
from tests.credits.services.records_helpers import build_uni

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
