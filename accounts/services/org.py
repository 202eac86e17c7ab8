"""Organisation writes (departments, student profiles) made by people in the admin, each with its audit row."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction

from accounts.identifiers import normalize_student_id
from accounts.models import Department, StudentProfile, User
from credits.services.audit import audit_record


def _values(obj: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {f: str(getattr(obj, f"{f}_id", None) or getattr(obj, f)) for f in fields}


def _save_audited(obj: models.Model, *, actor: User | None, changed_fields: Iterable[str], action: str) -> None:
    fields = list(changed_fields)
    created = obj.pk is None
    obj.full_clean()
    obj.save()
    data = {"created": created, "fields": _values(obj, fields)} if fields or created else {"created": created}
    audit_record(actor=actor, action=action, subject=obj, data=data)


@transaction.atomic
def department_save(*, department: Department, actor: User | None, changed_fields: Iterable[str] = ()) -> Department:
    """Create or change a department; the audit row names the fields that changed and their new values."""
    _save_audited(department, actor=actor, changed_fields=changed_fields, action="department_save")
    return department


@transaction.atomic
def student_profile_save(
    *, profile: StudentProfile, actor: User | None, changed_fields: Iterable[str] = ()
) -> StudentProfile:
    """Create or change a student's profile (department, advisor, ...), with an audit row."""
    profile.student_id = normalize_student_id(profile.student_id)  # one spelling per student, as at sign-in
    _save_audited(profile, actor=actor, changed_fields=changed_fields, action="student_profile_save")
    return profile
