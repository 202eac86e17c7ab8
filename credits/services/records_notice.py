"""After the last stage: the public notice (公示) with objections, its closing, and revocation of approved credit."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from credits.models import CreditRecord, RecordKind, RecordStatus
from credits.services import notifications
from credits.services.audit import audit_record
from credits.services.records_moves import audit_refusal, load, move, now_or
from credits.services.records_rules import (
    AlreadyDecided,
    InvalidAction,
    NotPermitted,
    local_today,
    may_object,
    may_revoke,
    require_from,
    require_reason,
    revocable_kind,
)

S = RecordStatus


def _load_or_404(record_id: int) -> CreditRecord:
    try:
        return load(record_id)
    except CreditRecord.DoesNotExist:
        raise NotPermitted(_("No such record.")) from None


@transaction.atomic
def record_object(*, record_id: int, actor, reason: str, ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """An objection (异议) during the notice period: the record goes back to its last stage for re-review."""
    now = now_or(now)
    record = _load_or_404(record_id)
    if not may_object(actor, record):
        raise NotPermitted(_("No such record on the notice."))
    require_from(record, "object")
    reason = require_reason(reason)
    if record.notice_ends_on is None or local_today(record, now) > record.notice_ends_on:
        raise InvalidAction(_("The notice period has ended; objections are no longer accepted."))
    record = move(record, action="object", actor=actor, to_status=S.IN_REVIEW, now=now, reason=reason, ip=ip,
                  fields={"notice_ends_on": None, "decided_by": None},
                  data={"notice_ends_on": str(record.notice_ends_on)})
    notifications.on_decision(record_id=record.pk, action="object")
    return record


def notice_close(*, now: dt.datetime | None = None) -> list[int]:
    """Approve every record whose notice period has ended without an objection (run from beat); their ids."""
    now = now_or(now)
    # Broad first cut in UTC dates; each record's own time zone decides exactly.
    candidates = CreditRecord.objects.filter(status=S.IN_PUBLIC_NOTICE,
                                             notice_ends_on__lt=(now + dt.timedelta(days=1)).date())
    closed = []
    for record_id in candidates.values_list("pk", flat=True):
        try:
            with transaction.atomic():
                record = load(record_id)
                if record.status != S.IN_PUBLIC_NOTICE or local_today(record, now) <= record.notice_ends_on:
                    continue
                move(record, action="notice_close", actor=None, to_status=S.APPROVED, now=now, stage_key="",
                     reason=_("public notice ended without objection"),
                     fields={"decided_at": now}, data={"notice_ends_on": str(record.notice_ends_on)})
        except AlreadyDecided:
            continue  # an objection landed at the same moment; it wins
        notifications.on_decision(record_id=record_id, action="notice_close")
        closed.append(record_id)
    return closed


def _revocation_for(record: CreditRecord, actor, now: dt.datetime, reason: str) -> CreditRecord:
    """The negative record the next export batch books, cancelling what was booked for `record` (audited)."""
    revocation = CreditRecord.objects.create(
        student_id=record.student_id, term=record.term, policy_version=record.policy_version,
        kind=RecordKind.REVOCATION, adjusts=record, status=S.APPROVED, course_code=record.course_code,
        credits=-record.credits, target_credits=0, evaluated_at=now, decided_by=actor, decided_at=now,
        status_changed_at=now,
    )
    audit_record(action="credit_revocation_create", subject=revocation, actor=actor, after=S.APPROVED,
                 reason=reason, data={"revokes": record.pk, "credits": str(revocation.credits),
                                      "term": record.term.code, "student_id": record.student_id})
    return revocation


def _revoke_adjustments(record: CreditRecord, actor, now: dt.datetime, reason: str, ip: str | None) -> list[int]:
    """A revoked record takes its corrections with it: approved ones are revoked (and cancelled in the next export
    if booked), open ones end as revoked too, so none can later add credit to a record that no longer counts."""
    revoked = []
    adjustments = (CreditRecord.objects.select_for_update().select_related("term")
                   .filter(adjusts=record, kind=RecordKind.ADJUSTMENT).exclude(status__in=[S.REJECTED, S.REVOKED]))
    for adjustment in adjustments.order_by("id"):
        revocation = (_revocation_for(adjustment, actor, now, reason)
                      if adjustment.status == S.APPROVED and adjustment.exported else None)
        move(adjustment, action="revoke", actor=actor, to_status=S.REVOKED, now=now, reason=reason, ip=ip,
             stage_key="", stage_index=0, scope="",
             data={"with_record": record.pk, "revocation_record": revocation.pk if revocation else None,
                   "exported": adjustment.exported})
        revoked.append(adjustment.pk)
    return revoked


def record_revoke(*, record_id: int, actor, reason: str, ip: str | None = None,
                  now: dt.datetime | None = None) -> CreditRecord:
    """Cancel approved credit (取消学分), e.g. obtained by fraud; an exported record gets a negative revocation."""
    now = now_or(now)
    try:
        with transaction.atomic():
            record = _load_or_404(record_id)
            if not may_revoke(actor, record):
                raise NotPermitted(_("No such record to revoke."))
            require_from(record, "revoke")
            reason = require_reason(reason)
            if not revocable_kind(record):
                raise InvalidAction(_("A revocation cannot itself be revoked."))
            revocation = _revocation_for(record, actor, now, reason) if record.exported else None
            adjustments = _revoke_adjustments(record, actor, now, reason, ip)
            record = move(record, action="revoke", actor=actor, to_status=S.REVOKED, now=now, reason=reason, ip=ip,
                          stage_key="", data={"revocation_record": revocation.pk if revocation else None,
                                              "exported": record.exported, "adjustments_revoked": adjustments})
    except NotPermitted as exc:
        audit_refusal(record_id=record_id, actor=actor, action="revoke", message=exc.message, ip=ip)
        raise
    notifications.on_decision(record_id=record.pk, action="revoke")
    return record
