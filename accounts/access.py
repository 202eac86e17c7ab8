"""Who may see what, applied IN THE QUERY: every page and export reads through these selectors.

| role | students | identities | contributions | credit records |
| student | themselves | their own | their own | their own |
| reviewer | their mandates' departments (all for a university-wide mandate) | same | same | same |
| advisor | their advisees | their advisees' | their advisees' | their advisees' |
| registrar | all | all | those credited in approved records | approved only |
| operator | all | all | all | all |

A person holding several roles sees the union. Anonymous and inactive users see nothing.
"""
from __future__ import annotations

from django.db.models import CharField, Exists, Q, QuerySet
from django.db.models.functions import Cast

from credits.models import AuditEvent, Contribution
from credits.models.records import CreditLine, CreditRecord, LineOutcome, RecordStatus

from .models import Department, ForgeIdentity, Mandate, StudentProfile
from .roles import Role, roles_of

NOTHING = Q(pk__in=[])
EVERYTHING = Q(pk__isnull=False)  # not Q(): `Q(x) | Q()` collapses to Q(x)


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _roles(user) -> frozenset[str]:
    return roles_of(user) if _signed_in(user) else frozenset()


def reviewed_department_ids(user):
    """Subquery of the department ids `user` holds a mandate for (empty for non-reviewers)."""
    return Mandate.objects.filter(user_id=user.pk, department__isnull=False).values("department_id")


def university_mandate(user) -> Exists:
    """True (in the query) when `user` decides some stage for every department."""
    return Exists(Mandate.objects.filter(user_id=user.pk, department__isnull=True))


def _scope(user, *, own: str, department: str, registrar: Q | None, advisor: str | None = None) -> Q:
    """OR together the role scopes: `own` and `department` are lookups to the person and their department."""
    if not _signed_in(user):
        return NOTHING
    roles = _roles(user)
    if Role.OPERATOR in roles:
        return EVERYTHING
    q = Q(**{own: user.pk})  # anyone signed in sees their own things, student role or not
    if advisor is not None:  # the roster's advisor decides the advisor stage, mandate or not
        q |= Q(**{advisor: user.pk})
    if Role.REVIEWER in roles:  # inside the one query: no extra round trip for the university-wide case
        q |= Q(**{f"{department}__in": reviewed_department_ids(user)}) | Q(university_mandate(user))
    if Role.REGISTRAR in roles and registrar is not None:
        q |= registrar
    return q


def students_visible_to(user) -> QuerySet[StudentProfile]:
    """Student profiles: self; a reviewer's departments; the registrar and operators everyone."""
    q = _scope(user, own="user_id", department="department_id", registrar=EVERYTHING, advisor="advisor_id")
    return StudentProfile.objects.filter(q).select_related("user", "department")


def departments_visible_to(user) -> QuerySet[Department]:
    """Departments: one's own; the ones a reviewer reviews; all for registrar and operators."""
    q = _scope(user, own="students__user_id", department="pk", registrar=EVERYTHING)
    return Department.objects.filter(pk__in=Department.objects.filter(q).values("pk"))


def identities_visible_to(user) -> QuerySet[ForgeIdentity]:
    """Linked forge accounts (including unlinked history)."""
    q = _scope(user, own="user_id", department="user__student__department_id", registrar=EVERYTHING)
    return ForgeIdentity.objects.filter(q).select_related("user")


def records_visible_to(user) -> QuerySet[CreditRecord]:
    """Credit records: own; a reviewer's departments (every status); the registrar approved ones only."""
    q = _scope(
        user, own="student_id", department="student__student__department_id",
        registrar=Q(status=RecordStatus.APPROVED), advisor="student__student__advisor_id",
    )
    return CreditRecord.objects.filter(q).select_related("term", "student")


def credit_lines_visible_to(user) -> QuerySet[CreditLine]:
    """Explained lines of the records one may see."""
    return CreditLine.objects.filter(record__in=records_visible_to(user).values("pk"))


def contributions_visible_to(user) -> QuerySet[Contribution]:
    """Contributions: own; a reviewer's departments; for the registrar, those credited in approved records."""
    # Only lines that actually granted credit: a refused line in an approved record is not the registrar's business.
    credited = CreditLine.objects.filter(record__status=RecordStatus.APPROVED, outcome=LineOutcome.CREDITED,
                                         contribution__isnull=False)
    q = _scope(
        user, own="identity__user_id", department="identity__user__student__department_id",
        registrar=Q(pk__in=credited.values("contribution_id")),
    )
    return Contribution.objects.filter(q).select_related("repository", "identity")


def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """Audit trail: operators everything; others the events on credit records they may see."""
    if Role.OPERATOR in _roles(user):
        return AuditEvent.objects.all()
    if not _signed_in(user):
        return AuditEvent.objects.none()
    record_ids = records_visible_to(user).annotate(sid=Cast("pk", CharField(max_length=64))).values("sid")
    return AuditEvent.objects.filter(subject_type="credit_record", subject_id__in=record_ids)
