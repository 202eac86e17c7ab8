"""Reads of credit records: a person's own records with their reasons, and approved totals."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from accounts.access import records_visible_to
from credits.models import CreditLine, CreditRecord, RecordKind, RecordStatus


def counted(prefix: str = "") -> Q:
    """Records whose credits count toward a student's approved total (`prefix`: the path to the records).

    A revocation's negative credits cancel a record that is itself no longer approved: counting both would
    subtract twice. It exists for the registrar's books, not for the student's total.
    """
    return Q(**{f"{prefix}status": RecordStatus.APPROVED}) & ~Q(**{f"{prefix}kind": RecordKind.REVOCATION})


def own_records(viewer) -> QuerySet[CreditRecord]:
    """The viewer's own credit records (evaluations and adjustments) with their lines, newest term first."""
    lines = CreditLine.objects.select_related("contribution__repository").order_by("position")
    return (
        records_visible_to(viewer)
        .filter(student_id=viewer.pk)
        .select_related("policy_version", "adjusts")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-term__starts_on", "kind", "id")
    )


def approved_total(viewer, student) -> Decimal:
    """All credit approved for `student` so far, as far as `viewer` may see (evaluations plus adjustments)."""
    rows = records_visible_to(viewer).filter(counted(), student=student)
    return rows.aggregate(t=Sum("credits"))["t"] or Decimal(0)
