"""The one door to the audit log: every service writes its audit row through `audit_record`."""
from __future__ import annotations

from typing import Any

from django.db import models

from credits.models import AuditEvent

# Subject types already in the log keep their names; other models fall back to their model name.
SUBJECT_TYPES = {
    "creditrecord": "credit_record",
    "forgeidentity": "forge_identity",
    "policyversion": "policy_version",
}


def subject_type_of(subject: models.Model) -> str:
    """The audit log's name for the kind of `subject` (credit_record, user, term, ...)."""
    name = subject._meta.model_name
    return SUBJECT_TYPES.get(name, name)


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
    return AuditEvent.objects.create(
        actor=actor, action=action, subject_type=subject_type, subject_id=str(subject_id),
        from_status=before, to_status=after, reason=reason, data=data or {}, ip=ip or None,
    )
