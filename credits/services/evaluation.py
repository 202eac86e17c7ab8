"""Evaluation: run the engine for each student of a term and keep one draft record per student fresh."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from credits.models import (
    Contribution,
    ContributionKind,
    CreditLine,
    CreditRecord,
    LineOutcome,
    PolicyVersion,
    RecordKind,
    RecordStatus,
    Term,
)
from credits.models.records import OPEN_ADJUSTMENT, REFRESHABLE
from credits.rules import ContributionFacts, Evaluation, TermWindow, evaluate
from credits.rules.engine import CompiledPolicy
from credits.services.audit import audit_record
from credits.services.policies import policy_for_term, policy_of

POINTS_Q = Decimal("0.0001")
CREDITS_Q = Decimal("0.01")
FACT_FIELDS = (
    "id", "platform", "external_id", "kind", "number", "merged_at", "created_at", "author_login", "author_external_id",
    "author_is_bot", "merged_by_login", "merged_by_external_id", "additions", "deletions", "labels",
    "repository__path", "repository__tier", "duplicate_of__platform", "duplicate_of__repository__path",
    "duplicate_of__number", "identity__user_id",
)


# What record_evaluate says it did (the keys of EvaluationReport.outcomes, kept as they are for the task results),
# in the run's language; "left <status>" is said with the status's name.
OUTCOMES = {
    "created": pgettext_lazy("evaluation outcome", "created"),
    "unchanged": pgettext_lazy("evaluation outcome", "unchanged"),
    "refreshed": pgettext_lazy("evaluation outcome", "refreshed"),
    "nothing to evaluate": pgettext_lazy("evaluation outcome", "nothing to evaluate"),
    "adjustment created": pgettext_lazy("evaluation outcome", "adjustment created"),
    "adjustment refreshed": pgettext_lazy("evaluation outcome", "adjustment refreshed"),
    "adjustment withdrawn": pgettext_lazy("evaluation outcome", "adjustment withdrawn"),
    "adjustment in review": pgettext_lazy("evaluation outcome", "adjustment in review"),
    "adjustment already decided": pgettext_lazy("evaluation outcome", "adjustment already decided"),
}


def outcome_text(key: str) -> str:
    """One outcome key in the run's language."""
    if key.startswith("left ") and key[5:] in RecordStatus.values:
        return pgettext("evaluation outcome", "left %(status)s") % {"status": RecordStatus(key[5:]).label}
    return str(OUTCOMES.get(key, key))


@dataclass
class EvaluationReport:
    """What one evaluation run did, by outcome."""

    term: str
    policy_version: str
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def students(self) -> int:
        """Students looked at."""
        return sum(self.outcomes.values())

    def __str__(self) -> str:
        parts = ", ".join(f"{outcome_text(k)} {v}" for k, v in sorted(self.outcomes.items()))
        return (_("term %(term)s under policy %(version)s: %(students)d students (%(outcomes)s)")
                % {"term": self.term, "version": self.policy_version, "students": self.students,
                   "outcomes": parts or pgettext("evaluation outcome", "none")})


def term_window(term: Term, policy: CompiledPolicy) -> TermWindow:
    """The term's days as instants in the policy's time zone: [first day 00:00, day after last 00:00)."""
    start = dt.datetime.combine(term.starts_on, dt.time.min, tzinfo=policy.tz)
    end = dt.datetime.combine(term.ends_on + dt.timedelta(days=1), dt.time.min, tzinfo=policy.tz)
    return TermWindow(term.code, start, end)


# Reviews and issues are not merged: they count from when they were made (unless the sync sets merged_at
# to an acceptance date, which then wins).
UNMERGED_KINDS = (ContributionKind.REVIEW, ContributionKind.ISSUE)


def counted_at(kind: str, merged_at: dt.datetime | None, created_at: dt.datetime) -> dt.datetime | None:
    """The instant that places a contribution in a term: the merge, or creation for unmerged kinds."""
    if merged_at is None and kind in UNMERGED_KINDS:
        return created_at
    return merged_at


def _in_window(start: dt.datetime, end: dt.datetime) -> Q:
    """Contributions whose counting instant falls in [start, end)."""
    merged = Q(merged_at__gte=start, merged_at__lt=end)
    made = Q(merged_at__isnull=True, kind__in=UNMERGED_KINDS, created_at__gte=start, created_at__lt=end)
    return merged | made


def _fact(row: dict) -> ContributionFacts:
    duplicate = None
    if row["duplicate_of__platform"]:
        path, number = row["duplicate_of__repository__path"], row["duplicate_of__number"]
        duplicate = f"{row['duplicate_of__platform']}:{path}#{number}"
    return ContributionFacts(
        key=f"{row['platform']}:{row['external_id']}",
        platform=row["platform"],
        repository=row["repository__path"],
        repository_tier=row["repository__tier"],
        kind=row["kind"],
        merged_at=counted_at(row["kind"], row["merged_at"], row["created_at"]),
        author_login=row["author_login"],
        author_external_id=str(row["author_external_id"]),
        author_is_bot=row["author_is_bot"],
        merged_by_login=row["merged_by_login"],
        merged_by_external_id=None if row["merged_by_external_id"] is None else str(row["merged_by_external_id"]),
        additions=row["additions"],
        deletions=row["deletions"],
        labels=tuple(str(label) for label in (row["labels"] or ())),
        duplicate_of=duplicate,
        number=row["number"],
        contribution_id=row["id"],
    )


def facts_by_student(
    window: TermWindow, student_ids: Iterable[int] | None = None
) -> dict[int, list[ContributionFacts]]:
    """Every contribution merged in the window, as engine facts grouped by the student who made it."""
    rows = Contribution.objects.filter(_in_window(window.starts_at, window.ends_at))
    if student_ids is not None:
        rows = rows.filter(identity__user_id__in=list(student_ids))
    grouped: dict[int, list[ContributionFacts]] = defaultdict(list)
    for row in rows.values(*FACT_FIELDS).iterator(chunk_size=2000):
        grouped[row["identity__user_id"]].append(_fact(row))
    return grouped


def approved_elsewhere(*, student_id: int, term_id: int) -> Decimal:
    """Credit already approved for the student in other terms (records and adjustments), for the total cap."""
    total = (
        CreditRecord.objects.filter(student_id=student_id, status=RecordStatus.APPROVED)
        .exclude(term_id=term_id).exclude(kind=RecordKind.REVOCATION)  # its original is revoked, not approved
        .aggregate(total=Sum("credits"))["total"]
    )
    return total or Decimal(0)


def _write_lines(record: CreditRecord, result: Evaluation) -> None:
    record.lines.all().delete()
    lines = [
        CreditLine(record=record, contribution_id=x.contribution_id, contribution_key=x.key, position=i,
                   outcome=LineOutcome.CREDITED, rule=x.rule, base_points=x.base_points.quantize(POINTS_Q),
                   points=x.points.quantize(POINTS_Q), reason=x.reason, reason_zh=x.reason_zh)
        for i, x in enumerate(result.lines)
    ]
    lines += [
        CreditLine(record=record, contribution_id=x.contribution_id, contribution_key=x.key,
                   position=len(result.lines) + i, outcome=LineOutcome.PENDING if x.pending else LineOutcome.REFUSED,
                   rule=x.rule, reason=x.reason, reason_zh=x.reason_zh)
        for i, x in enumerate(result.refusals)
    ]
    CreditLine.objects.bulk_create(lines, batch_size=500)


def _fingerprint(result: Evaluation, version: PolicyVersion) -> str:
    return result.fingerprint()[:56] + f"{version.id:08x}"[-8:]


def _fill(record: CreditRecord, result: Evaluation, version: PolicyVersion, now: dt.datetime) -> None:
    record.policy_version = version
    record.course_code = version.course_code
    record.points = result.points.quantize(POINTS_Q)
    record.caps_applied = list(result.caps_applied)
    record.fingerprint = _fingerprint(result, version)
    record.evaluated_at = now


def _audit(action: str, record: CreditRecord, actor, *, before: Decimal | None = None, **data) -> None:
    data = {"term": record.term.code, "student_id": record.student_id, "policy_version": record.policy_version.version,
            "credits": str(Decimal(record.credits).quantize(CREDITS_Q)), **data}
    if before is not None:
        data["previous_credits"] = str(Decimal(before).quantize(CREDITS_Q))
    # Re-evaluation changes credits, never the status: the row names no transition.
    audit_record(actor=actor, action=action, subject=record, reason="re-evaluation", data=data)


def _create_evaluation(student_id: int, term: Term, version: PolicyVersion, result: Evaluation,
                       now: dt.datetime, actor) -> CreditRecord | None:
    record = CreditRecord(student_id=student_id, term=term, kind=RecordKind.EVALUATION, credits=result.credits)
    _fill(record, result, version, now)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        return None  # a concurrent evaluation created it first; the caller re-reads and refreshes
    _write_lines(record, result)
    _audit("credit_record_create", record, actor)
    return record


def _adjust(base: CreditRecord, result: Evaluation, version: PolicyVersion, now: dt.datetime, actor) -> str:
    """An approved total that would change becomes one adjustment for review, never an edit."""
    adjustments = list(base.adjustments.select_for_update().order_by("id"))
    approved_total = base.credits + sum((a.credits for a in adjustments if a.status == RecordStatus.APPROVED),
                                        Decimal(0))
    target = result.credits
    open_ = next((a for a in adjustments if a.status in OPEN_ADJUSTMENT), None)
    # Only an untouched draft is ours to withdraw or rewrite; once a reviewer has seen it (submitted, or
    # returned with a comment) it stays as it is for the review to decide, and no second one is opened.
    if target == approved_total:
        if open_ is not None and open_.status == RecordStatus.DRAFT:
            _audit("credit_adjustment_withdraw", open_, actor, reason="the approved total is right again",
                   target=str(open_.target_credits), lines=open_.lines.count())
            open_.delete()
            return "adjustment withdrawn"
        return "unchanged"
    delta = target - approved_total
    if open_ is not None and open_.status != RecordStatus.DRAFT:
        return "adjustment in review"
    decided = [a for a in adjustments if a.status in (RecordStatus.APPROVED, RecordStatus.REJECTED)]
    if any(a.target_credits == target and a.credits == delta for a in decided):
        return "adjustment already decided"
    if open_ is not None:
        if open_.fingerprint == _fingerprint(result, version) and open_.credits == delta:
            return "unchanged"
        before = open_.credits
        open_.credits, open_.target_credits = delta, target
        _fill(open_, result, version, now)
        open_.save()
        _write_lines(open_, result)
        _audit("credit_adjustment_refresh", open_, actor, before=before, target=str(target))
        return "adjustment refreshed"
    adjustment = CreditRecord(student_id=base.student_id, term=base.term, kind=RecordKind.ADJUSTMENT, adjusts=base,
                              credits=delta, target_credits=target)
    _fill(adjustment, result, version, now)
    adjustment.save()
    _write_lines(adjustment, result)
    _audit("credit_adjustment_create", adjustment, actor, target=str(target), approved_total=str(approved_total))
    return "adjustment created"


def _run_engine(student_id: int, term: Term, version: PolicyVersion, facts: list[ContributionFacts],
                now: dt.datetime, previously: Decimal) -> Evaluation:
    policy = policy_of(version)
    return evaluate(policy, facts, term=term_window(term, policy), now=now, previously_approved=previously)


@transaction.atomic
def record_evaluate(
    *,
    student_id: int,
    term: Term,
    version: PolicyVersion,
    facts: list[ContributionFacts],
    now: dt.datetime,
    actor=None,
    result: Evaluation | None = None,
) -> str:
    """Build or refresh the student's draft record for the term; returns what happened, in words."""
    if result is None:
        previously = approved_elsewhere(student_id=student_id, term_id=term.id)
        result = _run_engine(student_id, term, version, facts, now, previously)
    qs = CreditRecord.objects.select_for_update().select_related("term", "policy_version")
    record = qs.filter(student_id=student_id, term=term, kind=RecordKind.EVALUATION).first()
    if record is None:
        if not facts:
            return "nothing to evaluate"
        if _create_evaluation(student_id, term, version, result, now, actor) is not None:
            return "created"
        record = qs.get(student_id=student_id, term=term, kind=RecordKind.EVALUATION)
    if record.status == RecordStatus.APPROVED:
        return _adjust(record, result, version, now, actor)
    if record.status not in REFRESHABLE or record.exported:
        return f"left {record.status}"
    if record.fingerprint == _fingerprint(result, version) and record.credits == result.credits:
        return "unchanged"
    before = record.credits
    record.credits = result.credits
    _fill(record, result, version, now)
    record.save()
    _write_lines(record, result)
    _audit("credit_record_refresh", record, actor, before=before)
    return "refreshed"


def _approved_elsewhere_by_student(term: Term, ids: set[int] | None) -> dict[int, Decimal]:
    """approved_elsewhere for every student at once (one query instead of one per student)."""
    rows = CreditRecord.objects.filter(status=RecordStatus.APPROVED).exclude(term=term).exclude(
        kind=RecordKind.REVOCATION)
    if ids is not None:
        rows = rows.filter(student_id__in=ids)
    return dict(rows.values("student_id").annotate(total=Sum("credits")).values_list("student_id", "total"))


def term_evaluate(
    *, term: Term, now: dt.datetime | None = None, student_ids: Iterable[int] | None = None, actor=None
) -> EvaluationReport:
    """Evaluate every student with contributions (or a record) in the term; one transaction per student."""
    now = now or timezone.now()
    version = policy_for_term(term=term)
    window = term_window(term, policy_of(version))
    ids = None if student_ids is None else set(student_ids)
    grouped = facts_by_student(window, ids)
    with_records = CreditRecord.objects.filter(term=term, kind=RecordKind.EVALUATION)
    if ids is not None:
        with_records = with_records.filter(student_id__in=ids)
    # A snapshot lets an unchanged draft be recognised without a transaction; anything else is re-read locked.
    columns = with_records.values_list("student_id", "status", "fingerprint")
    snapshots = {sid: (status, fp) for sid, status, fp in columns}
    approved = _approved_elsewhere_by_student(term, ids)
    report = EvaluationReport(term.code, version.version)
    for student_id in sorted(set(grouped) | set(snapshots)):
        facts = grouped.get(student_id, [])
        result = _run_engine(student_id, term, version, facts, now, approved.get(student_id) or Decimal(0))
        status, fingerprint = snapshots.get(student_id, ("", ""))
        if status in REFRESHABLE and fingerprint == _fingerprint(result, version):
            report.outcomes["unchanged"] += 1
            continue
        outcome = record_evaluate(student_id=student_id, term=term, version=version, facts=facts, now=now,
                                  actor=actor, result=result)
        report.outcomes[outcome] += 1
    return report
