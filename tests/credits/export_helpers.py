"""Approved records for export tests, built the way the product builds them.

A draft record (as evaluation writes it) goes through the approval services: submitted by its student, each
stage of its policy approved by a holder of that stage, its public notice (if any) closed. Corrections are
drafted as re-evaluation drafts them and approved the same way; revocation is `record_revoke`. So every record
an export test books has the audit trail and the state the workflow gives it, never one it could not reach.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import CreditLine, CreditRecord, LineOutcome, RecordKind, RecordStatus, Term
from credits.services.policies import policy_publish, term_create
from credits.services.records import notice_close, record_approve, record_revoke, record_submit
from credits.services.records_rules import approval_of, holds_stage
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
# When `approved_record`'s records are approved (10:30 in Shanghai, as the export's approved_at shows it).
DECIDED_AT = dt.datetime(2026, 12, 20, 2, 30, tzinfo=dt.UTC)
# A notice period is at most 30 working days: approving this long before DECIDED_AT lets it close then.
NOTICE_LEAD = dt.timedelta(days=60)


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


def _holder(record: CreditRecord, stage, user):
    """`user`, with a mandate for `stage` over the record's student if they lack one (the student's roster
    advisor for an advisor-scope stage: given `user` as advisor if they have none)."""
    if holds_stage(user, record, stage):
        return user
    profile = record.student.student
    if stage.scope == "advisor":
        if profile.advisor_id is None:
            profile.advisor = user
            profile.save(update_fields=["advisor"])
        return profile.advisor
    departments = [profile.department] if stage.scope == "department" else []
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=departments, stage=stage.key)
    return user


def through_approval(record: CreditRecord, *, approver, now: dt.datetime) -> CreditRecord:
    """Submit a draft (as its student) and approve every stage of its policy, `approver` deciding the last one;
    the record is approved at `now` (a notice period opens well before and is closed at `now`)."""
    approval = approval_of(record.policy_version)
    decided = now - NOTICE_LEAD if approval.public_notice_days else now
    record_submit(record_id=record.pk, actor=record.student, now=decided)
    last = len(approval.stages) - 1
    for index, stage in enumerate(approval.stages):
        deputy = approver if index == last else UserFactory(username=f"{stage.key}_holder")
        record_approve(record_id=record.pk, actor=_holder(record, stage, deputy), now=decided)
    if approval.public_notice_days:
        notice_close(now=now)
    record.refresh_from_db()
    assert record.status == RecordStatus.APPROVED, record
    return record


def approved_record(*, term: Term | None = None, profile=None, credits: str = "1.5", name: str | None = None,
                    approver=None, evidence: int = 1, **profile_fields) -> CreditRecord:
    """An evaluation record with `evidence` credited contributions, approved by `approver` (王老师) at DECIDED_AT."""
    term = term or export_term()
    if profile is None:
        profile = student(**({"name": name} if name else {}), **profile_fields)
    approver = approver or UserFactory(username="prof_wang", display_name="王老师")
    record = CreditRecord.objects.create(
        student=profile.user, term=term, policy_version=_policy(), course_code="AI101", credits=Decimal(credits),
        evaluated_at=timezone.now(),
    )
    identity = ForgeIdentityFactory(user=profile.user) if evidence else None
    for position in range(1, evidence + 1):
        contribution = ContributionFactory(identity=identity)
        CreditLine.objects.create(record=record, contribution=contribution, contribution_key=str(contribution.pk),
                                  position=position, outcome=LineOutcome.CREDITED, rule="merged_pr", reason="ok",
                                  reason_zh="通过")
    return through_approval(record, approver=approver, now=DECIDED_AT)


def adjustment_of(original: CreditRecord, *, target: str, now: dt.datetime | None = None) -> CreditRecord:
    """An approved adjustment bringing `original`'s approved total to `target` credits: drafted as re-evaluation
    drafts one (the signed difference), then approved by the original's approver."""
    approved = original.adjustments.filter(kind=RecordKind.ADJUSTMENT, status=RecordStatus.APPROVED)
    total = original.credits + (approved.aggregate(total=Sum("credits"))["total"] or Decimal(0))
    adjustment = CreditRecord.objects.create(
        student=original.student, term=original.term, policy_version=original.policy_version,
        kind=RecordKind.ADJUSTMENT, adjusts=original, course_code=original.course_code,
        credits=Decimal(target) - total, target_credits=Decimal(target), evaluated_at=timezone.now(),
    )
    return through_approval(adjustment, approver=original.decided_by, now=now or timezone.now())


def revocation_of(original: CreditRecord, *, now: dt.datetime | None = None) -> list[CreditRecord]:
    """Revoke `original` by a university-wide stage holder; the revocation rows this books, in id order.

    Revoking cascades: its adjustments are revoked too, and each exported record (the original, an exported
    approved adjustment) gets its own negative revocation pointing at the record it cancels.
    """
    registry = UserFactory(username="registry", display_name="教务处")
    stages = approval_of(original.policy_version).stages
    keys = [s.key for s in stages if s.scope == "university"] or [s.key for s in stages]
    role_grant(user=registry, role=Role.REVIEWER, actor=None, stage=keys[0])
    cancelled = [original.pk, *original.adjustments.filter(kind=RecordKind.ADJUSTMENT).values_list("pk", flat=True)]
    before = set(CreditRecord.objects.filter(kind=RecordKind.REVOCATION).values_list("pk", flat=True))
    record_revoke(record_id=original.pk, actor=registry, reason="credit obtained by fraud", now=now)
    return list(CreditRecord.objects.filter(kind=RecordKind.REVOCATION, adjusts_id__in=cancelled)
                .exclude(pk__in=before).order_by("id"))
