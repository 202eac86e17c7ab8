"""The registrar's credits by department: approved as the students' totals count it, under way only undecided."""
from __future__ import annotations

from decimal import Decimal

import pytest

from credits.models import CreditRecord, RecordKind
from credits.selectors.staff import credits_by_department
from tests.credits.services.records_helpers import build_uni

pytestmark = pytest.mark.django_db


def test_corrections_count_as_approved_and_a_revoked_record_is_not_under_way():
    uni = build_uni()
    # Read-side rows: the statuses are what the sums must tell apart, not how they were reached.
    base = uni.record(uni.alice, credits="1.5", status="approved")
    CreditRecord.objects.create(student=uni.alice.user, term=uni.term, policy_version=uni.policy,
                                kind=RecordKind.ADJUSTMENT, adjusts=base, credits=Decimal("0.5"),
                                target_credits=Decimal(2), status="approved", evaluated_at=base.evaluated_at)
    revoked = uni.record(uni.bob, credits="1.0", status="revoked")
    CreditRecord.objects.create(student=uni.bob.user, term=uni.term, policy_version=uni.policy,
                                kind=RecordKind.REVOCATION, adjusts=revoked, credits=Decimal("-1.0"),
                                target_credits=0, status="approved", evaluated_at=base.evaluated_at)
    uni.record(uni.carol, credits="3.0", status="in_review")
    rows = {r["student__student__department__code"]: r for r in credits_by_department(uni.term)}
    assert (rows["cs"]["records"], rows["cs"]["approved"], rows["cs"]["pending"] or 0) == (2, Decimal("2.0"), 0)
    assert (rows["math"]["records"], rows["math"]["approved"] or 0, rows["math"]["pending"]) == (1, 0, Decimal("3"))
