"""The one door to the audit log: every service writes its audit row through `audit_record`.

Each row is sealed into a SHA-256 chain: its hash covers its content and the previous row's hash, so an
edited, removed or inserted row breaks the chain at that point (`audit_verify`, `manage.py audit verify`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.models import AuditEvent

# Subject types already in the log keep their names; other models fall back to their model name.
SUBJECT_TYPES = {
    "creditrecord": "credit_record",
    "forgeidentity": "forge_identity",
    "policyversion": "policy_version",
}
# Advisory lock key serialising audit writers on PostgreSQL, so each row chains to the one committed before it.
AUDIT_CHAIN_LOCK = 0x58465F4155444954  # "XF_AUDIT"
GENESIS = "0" * 64


def subject_type_of(subject: models.Model) -> str:
    """The audit log's name for the kind of `subject` (credit_record, user, term, ...)."""
    name = subject._meta.model_name
    return SUBJECT_TYPES.get(name, name)


def event_digest(event, prev_hash: str) -> str:
    """SHA-256 over the row's content and the previous row's hash (works on historical models too)."""
    created = event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = {
        "prev": prev_hash, "created_at": created, "actor": event.actor_id, "action": event.action,
        "subject_type": event.subject_type, "subject_id": str(event.subject_id), "from": event.from_status,
        "to": event.to_status, "reason": event.reason, "data": event.data, "ip": event.ip or None,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _lock_chain() -> None:
    """Serialise writers (held to the end of the transaction); SQLite allows one writer anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])


@transaction.atomic
def audit_record(
    *,
    action: str,
    subject: models.Model | None = None,
    subject_type: str = "",
    subject_id: Any = "",
    actor=None,
    before: str = "",
    after: str = "",
    reason: str = "",
    data: dict | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Append one audit row: who (`actor`) did `action` to `subject`, moving it from `before` to `after`, and why."""
    if subject is not None:
        subject_type = subject_type or subject_type_of(subject)
        subject_id = subject_id or subject.pk
    if not subject_type:
        raise ValueError("an audit row needs a subject or a subject_type")
    event = AuditEvent(
        actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
        from_status=before or "", to_status=after or "", reason=reason, ip=ip or None,
        # What the database gives back (a JSON round trip), so the hash sealed now is the one verify recomputes.
        data=json.loads(json.dumps(data or {}, default=str)), created_at=timezone.now(),
    )
    _lock_chain()
    event.prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS
    event.hash = event_digest(event, event.prev_hash)
    event.save()
    return event


@dataclass(frozen=True)
class ChainBreak:
    """The first row whose hash or link does not match."""

    event_id: int
    problem: str


def audit_verify(*, chunk: int = 2000) -> tuple[int, ChainBreak | None]:
    """Recompute the chain from the first row: (rows that verified, the first break or None)."""
    prev = GENESIS
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk):
        if event.prev_hash != prev:
            return checked, ChainBreak(event.id, _("does not link to the row before it (a row was removed or "
                                                   "inserted)"))
        if event_digest(event, prev) != event.hash:
            return checked, ChainBreak(event.id, _("its content does not match its hash (the row was changed)"))
        prev = event.hash
        checked += 1
    return checked, None
