"""Approved records for export tests.

Until issue 9's approval workflow is on main, `approved_record` sets the status directly; it is the ONE place
to switch to issue 9's services (submit, decide each stage, public notice) once they land, and so are
`adjustment_of` and `revocation_of` (record_adjust / record_revoke).
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from credits.models import CreditLine, CreditRecord, LineOutcome, RecordKind, RecordStatus, Term
from credits.services.policies import policy_publish, term_create
from tests.factories import ContributionFactory, ForgeIdentityFactory, UserFactory, student

POLICY = """\
version: "export-1"
title_zh: 导出测试政策
title_en: export test policy
effective_from: 2026-08-01
course: {code: AI101, name_zh: 开源实践, name_en: Open source practice, credit_category: 创新实践学分, grade: 合格}
tiers: {standard: 1}
kinds:
  pull_request: {points: 10, min_changed_lines: 5}
credits: {points_per_credit: 20, rounding_step: 0.5, rounding: down}
caps: {per_term: 10}
approval: {stages: [faculty]}
"""


def export_term(code: str = "2026-autumn") -> Term:
    """A term (autumn 2026 by default) with a published policy that names a credit category and a grade."""
    term = Term.objects.filter(code=code).first()
    if term is None:
        year = int(code[:4])
        start = dt.date(year, 9, 1) if code.endswith("autumn") else dt.date(year, 3, 1)
        term = term_create(code=code, name_zh=f"{code} 学期", name_en=code, starts_on=start,
                           ends_on=start + dt.timedelta(days=120))
    policy_publish(text=POLICY, source="export-test.yaml")
    return term


def _policy():
    from credits.models import PolicyVersion

    return PolicyVersion.objects.get(version="export-1")


def approved_record(*, term: Term | None = None, profile=None, credits: str = "1.5", name: str | None = None,
                    approver=None, evidence: int = 1, **profile_fields) -> CreditRecord:
    """An approved evaluation record with `evidence` credited contributions (status set directly, see above)."""
    term = term or export_term()
    if profile is None:
        profile = student(**({"name": name} if name else {}), **profile_fields)
    approver = approver or UserFactory(username="prof_wang", display_name="王老师")
    record = CreditRecord.objects.create(
        student=profile.user, term=term, policy_version=_policy(), course_code="AI101", credits=Decimal(credits),
        status=RecordStatus.APPROVED, evaluated_at=timezone.now(), decided_by=approver,
        decided_at=dt.datetime(2026, 12, 20, 2, 30, tzinfo=dt.UTC),
    )
    identity = ForgeIdentityFactory(user=profile.user) if evidence else None
    for position in range(1, evidence + 1):
        contribution = ContributionFactory(identity=identity)
        CreditLine.objects.create(record=record, contribution=contribution, contribution_key=str(contribution.pk),
                                  position=position, outcome=LineOutcome.CREDITED, rule="merged_pr", reason="ok",
                                  reason_zh="通过")
    return record


def _correction(original: CreditRecord, *, kind: str, credits: Decimal, target: Decimal) -> CreditRecord:
    return CreditRecord.objects.create(
        student=original.student, term=original.term, policy_version=original.policy_version, kind=kind,
        adjusts=original, course_code=original.course_code, credits=credits, target_credits=target,
        status=RecordStatus.APPROVED, evaluated_at=timezone.now(), decided_by=original.decided_by,
        decided_at=timezone.now(),
    )


def adjustment_of(original: CreditRecord, *, target: str) -> CreditRecord:
    """An approved adjustment bringing `original` to `target` credits (signed difference)."""
    return _correction(original, kind=RecordKind.ADJUSTMENT, credits=Decimal(target) - original.credits,
                       target=Decimal(target))


def revocation_of(original: CreditRecord, *, booked: str | None = None) -> CreditRecord:
    """Revoke an exported record as issue 9 will: original `revoked`, a revocation row of -(booked credits)."""
    # "revoked" is issue 9's status (RecordStatus.REVOKED there); the column takes it already.
    CreditRecord.objects.filter(id=original.id).update(status="revoked")
    amount = Decimal(booked) if booked is not None else original.credits
    return _correction(original, kind=RecordKind.REVOCATION, credits=-amount, target=Decimal(0))
