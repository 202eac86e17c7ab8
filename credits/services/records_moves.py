"""The one way a record changes state: a conditional update on (id, status, stage) plus exactly one audit row."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from credits.models import CreditRecord
from credits.services.audit import audit_record
from credits.services.records_rules import AlreadyDecided, already_decided_message

CREDITS_Q = Decimal("0.01")


def load(record_id: int) -> CreditRecord:
    """The record with what every check reads (student profile, policy, term)."""
    return CreditRecord.objects.select_related("student__student", "policy_version", "term").get(pk=record_id)


def _credits(value) -> str:
    return str(Decimal(value).quantize(CREDITS_Q))


def move(
    record: CreditRecord,
    *,
    action: str,
    actor,
    to_status: str,
    now: dt.datetime,
    reason: str = "",
    ip: str | None = None,
    stage_key: str | None = None,
    stage_index: int | None = None,
    scope: str | None = None,
    fields: dict | None = None,
    data: dict | None = None,
) -> CreditRecord:
    """Apply one transition if the record is still where the caller saw it; write its audit row."""
    stage_key = record.approval_stage if stage_key is None else stage_key
    stage_index = record.stage_index if stage_index is None else stage_index
    scope = record.approval_scope if scope is None else scope
    updates = {"status": to_status, "approval_stage": stage_key, "stage_index": stage_index,
               "approval_scope": scope, "updated_at": now, **(fields or {})}
    if to_status != record.status:
        updates["status_changed_at"] = now
    changed = CreditRecord.objects.filter(
        pk=record.pk, status=record.status, stage_index=record.stage_index, approval_stage=record.approval_stage,
    ).update(**updates)
    if changed != 1:
        raise AlreadyDecided(already_decided_message(record))
    before = {"status": record.status, "stage": record.approval_stage, "credits": record.credits}
    for name, value in updates.items():
        setattr(record, name, value)
    audit_record(
        action=f"record_{action}", subject_type="credit_record", subject_id=record.pk, actor=actor,
        before=before["status"], after=to_status, reason=reason, ip=ip,
        data={"from_stage": before["stage"], "to_stage": stage_key, "stage_index": stage_index,
              "credits_before": _credits(before["credits"]), "credits_after": _credits(record.credits),
              "term": record.term.code, "student_id": record.student_id, **(data or {})},
    )
    return record


def audit_refusal(*, record_id: int, actor, action: str, message: str, ip: str | None) -> None:
    """Record a refused attempt (outside one's mandate, separation of duties) in its own transaction."""
    with transaction.atomic():
        audit_record(action="record_refused", subject_type="credit_record", subject_id=record_id, actor=actor,
                     reason=message, ip=ip, data={"attempted": action})


def now_or(now: dt.datetime | None) -> dt.datetime:
    """The caller's clock (the demo moves it forward) or the real one."""
    return now or timezone.now()
