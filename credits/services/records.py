"""The credit record lifecycle: submit, withdraw, approve, return, reject, adjust, object, revoke, notice_close.

Each function is keyword-only and changes state in one transaction with a conditional update on
(id, status, stage), writing exactly one audit row (credits.services.records_moves.move). The transition
table and every check live in records_rules; objections, revocation and the notice period in records_notice.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from credits.models import CreditRecord, RecordDecision, RecordKind, RecordStatus
from credits.rules.calendar import notice_end
from credits.services import notifications
from credits.services.records_moves import audit_refusal, load, move, now_or
from credits.services.records_notice import notice_close, record_object, record_revoke
from credits.services.records_rules import (
    TRANSITIONS,
    AlreadyDecided,
    InvalidAction,
    NotPermitted,
    RecordError,
    SeparationOfDuties,
    already_decided_message,
    approval_of,
    check_decider,
    credit_ceiling,
    local_today,
    require_from,
    require_reason,
)

S = RecordStatus
__all__ = [
    "AlreadyDecided", "BulkResult", "InvalidAction", "NotPermitted", "RecordError", "SeparationOfDuties",
    "notice_close", "record_adjust", "record_approve", "record_approve_many", "record_object", "record_reject",
    "record_return", "record_revoke", "record_submit", "record_withdraw", "term_submit_cohort", "cohorts_submit_due",
]


def _own_record(record_id: int, actor) -> CreditRecord:
    try:
        record = load(record_id)
    except CreditRecord.DoesNotExist:
        raise NotPermitted(_("No such record.")) from None
    if actor is not None and record.student_id != actor.pk:
        raise NotPermitted(_("No such record."))
    return record


@transaction.atomic
def record_submit(*, record_id: int, actor, statement: str = "", ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """The student (or, with actor None, the automatic cohort submission) sends a record to its first stage."""
    now = now_or(now)
    record = _own_record(record_id, actor)
    require_from(record, "submit")
    if record.kind == RecordKind.REVOCATION:
        raise InvalidAction(_("A revocation is booked as it is; it is not submitted."))
    if record.kind == RecordKind.EVALUATION and record.credits <= 0:
        raise InvalidAction(_("Nothing to submit: this record earns no credit."))
    closes = record.term.submission_closes_on
    if actor is not None and closes is not None and local_today(record, now) > closes:
        raise InvalidAction(_("The submission window closed on %(day)s.") % {"day": f"{closes:%Y-%m-%d}"})
    first = approval_of(record.policy_version).stages[0]
    record = move(record, action="submit", actor=actor, to_status=S.SUBMITTED, now=now, ip=ip,
                  reason=(statement or "").strip(), stage_key=first.key, stage_index=0, scope=first.scope,
                  fields={"statement": (statement or "").strip(), "submitted_at": now, "decided_by": None,
                          "decided_at": None, "notice_ends_on": None},
                  data={"automatic": actor is None})
    return record


@transaction.atomic
def record_withdraw(*, record_id: int, actor, ip: str | None = None, now: dt.datetime | None = None) -> CreditRecord:
    """The student takes a submitted record back before any stage has decided it."""
    record = _own_record(record_id, actor)
    require_from(record, "withdraw")
    return move(record, action="withdraw", actor=actor, to_status=S.DRAFT, now=now_or(now), ip=ip,
                stage_key="", stage_index=0, scope="")


def _decide(action: str, *, record_id: int, actor, ip: str | None, apply: Callable,
            reason: str | None = None) -> CreditRecord:
    """Run a stage decision; a refusal for mandate or separation of duties is audited after the rollback.

    Checks run in this order so that nobody outside the mandate learns more than "no such record":
    the record's status, the mandate and separation of duties, then (`reason` given) the reason, then `apply`.
    """
    try:
        with transaction.atomic():
            try:
                record = load(record_id)
            except CreditRecord.DoesNotExist:
                raise NotPermitted(_("No such record in your queue.")) from None
            if record.status not in TRANSITIONS[action][0]:
                _moved_on(record, actor)
            stage = check_decider(actor, record)
            if reason is not None:
                require_reason(reason)
            RecordDecision.objects.create(record=record, stage=stage.key, action=action, actor=actor)
            record = apply(record, stage)
    except (NotPermitted, SeparationOfDuties) as exc:
        audit_refusal(record_id=record_id, actor=actor, action=action, message=exc.message, ip=ip)
        raise
    notifications.on_decision(record_id=record.pk, action=action)
    return record


def _moved_on(record: CreditRecord, actor) -> None:
    """Someone who can see the record hears it was decided; anyone else gets 'no such record'."""
    from accounts.access import records_visible_to

    if records_visible_to(actor).filter(pk=record.pk).exists():
        raise AlreadyDecided(already_decided_message(record))
    raise NotPermitted(_("No such record in your queue."))


def record_approve(*, record_id: int, actor, reason: str = "", ip: str | None = None,
                   now: dt.datetime | None = None) -> CreditRecord:
    """Approve the current stage: on to the next stage, into public notice, or (no notice) approved."""
    now = now_or(now)

    def apply(record: CreditRecord, stage) -> CreditRecord:
        approval = approval_of(record.policy_version)
        nxt = record.stage_index + 1
        if nxt < len(approval.stages):
            following = approval.stages[nxt]
            return move(record, action="approve", actor=actor, to_status=S.IN_REVIEW, now=now, reason=reason, ip=ip,
                        stage_key=following.key, stage_index=nxt, scope=following.scope)
        if approval.public_notice_days:
            ends = notice_end(local_today(record, now), approval.public_notice_days, holidays=approval.holidays,
                              extra_working_days=approval.extra_working_days)
            return move(record, action="approve", actor=actor, to_status=S.IN_PUBLIC_NOTICE, now=now, reason=reason,
                        ip=ip, fields={"notice_ends_on": ends, "decided_by": actor},
                        data={"notice_ends_on": str(ends)})
        return move(record, action="approve", actor=actor, to_status=S.APPROVED, now=now, reason=reason, ip=ip,
                    stage_key="", fields={"decided_by": actor, "decided_at": now})

    return _decide("approve", record_id=record_id, actor=actor, ip=ip, apply=apply)


def record_return(*, record_id: int, actor, reason: str, ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """Send the record back to the student with a reason; they may change and resubmit it."""
    reason = (reason or "").strip()
    return _decide("return", record_id=record_id, actor=actor, ip=ip, reason=reason, apply=lambda record, stage: move(
        record, action="return", actor=actor, to_status=S.RETURNED, now=now_or(now), reason=reason, ip=ip,
        stage_key="", stage_index=0, scope=""))


def record_reject(*, record_id: int, actor, reason: str, ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """Refuse the record for good, with a reason."""
    reason = (reason or "").strip()
    now = now_or(now)
    return _decide("reject", record_id=record_id, actor=actor, ip=ip, reason=reason, apply=lambda record, stage: move(
        record, action="reject", actor=actor, to_status=S.REJECTED, now=now, reason=reason, ip=ip,
        stage_key="", fields={"decided_by": actor, "decided_at": now}))


def _parse_credits(value) -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidAction(_("Credits must be a number.")) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise InvalidAction(_("Credits must be a number with at most two decimals."))
    return amount


def record_adjust(*, record_id: int, actor, credits, reason: str, ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """Change a waiting evaluation's credits (0 up to what the caps allow), with a reason; the stage stays."""
    reason = (reason or "").strip()

    def apply(record: CreditRecord, stage) -> CreditRecord:
        amount = _parse_credits(credits)
        if record.kind != RecordKind.EVALUATION:
            raise InvalidAction(_("Only an evaluation's credits can be adjusted; return a correction instead."))
        ceiling = credit_ceiling(record)
        if amount < 0 or (ceiling is not None and amount > ceiling):
            limit = "∞" if ceiling is None else str(ceiling)
            raise InvalidAction(
                _("Credits must be between 0 and %(limit)s under the policy's caps.") % {"limit": limit})
        if amount == record.credits:
            raise InvalidAction(_("The record already has %(credits)s credits.") % {"credits": amount})
        return move(record, action="adjust", actor=actor, to_status=record.status, now=now_or(now), reason=reason,
                    ip=ip, fields={"credits": amount})

    return _decide("adjust", record_id=record_id, actor=actor, ip=ip, apply=apply, reason=reason)


@dataclass
class BulkResult:
    """What a bulk approval did: approved record ids, and refused ones with the reason."""

    approved: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def record_approve_many(*, record_ids: Iterable[int], actor, reason: str = "", ip: str | None = None,
                        now: dt.datetime | None = None) -> BulkResult:
    """Approve a selection, each record checked and committed on its own."""
    result = BulkResult()
    for record_id in dict.fromkeys(int(i) for i in record_ids):
        try:
            record_approve(record_id=record_id, actor=actor, reason=reason, ip=ip, now=now)
        except RecordError as exc:
            result.refused.append((record_id, exc.message))
        else:
            result.approved.append(record_id)
    return result


def term_submit_cohort(*, term, now: dt.datetime | None = None) -> int:
    """Automatic submission (统一认定): every draft with credit in the term goes to its first stage."""
    drafts = CreditRecord.objects.filter(term=term, status=S.DRAFT, credits__gt=0).exclude(kind=RecordKind.REVOCATION)
    submitted = 0
    for record_id in drafts.values_list("pk", flat=True):
        try:
            record_submit(record_id=record_id, actor=None, now=now)
        except RecordError:
            continue  # changed meanwhile (a student submitted it): nothing to do
        submitted += 1
    return submitted


def cohorts_submit_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """For terms under `submission: automatic` whose window has closed: submit their drafts ({term: count})."""
    from credits.models import Term
    from credits.services.policies import NoPolicyForTerm, policy_for_term

    now = now_or(now)
    done: dict[str, int] = {}
    for term in Term.objects.filter(submission_closes_on__lt=now.date()):
        try:
            version = policy_for_term(term=term)
        except NoPolicyForTerm:
            continue
        if approval_of(version).submission == "automatic":
            done[term.code] = term_submit_cohort(term=term, now=now)
    return done
