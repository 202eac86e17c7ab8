"""Reads for policy versions and credit records: diffs for the admin, a student's credit with its reasons."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum

from credits.models import CreditLine, CreditRecord, PolicyVersion, RecordKind, RecordStatus


@dataclass(frozen=True)
class PolicyDiff:
    """What changed between two policy versions: field by field, and line by line in the source."""

    old: PolicyVersion
    new: PolicyVersion
    changes: list[tuple[str, Any, Any]]
    source_diff: list[str]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def policy_diff(*, old: PolicyVersion, new: PolicyVersion) -> PolicyDiff:
    """Compare two versions: every changed setting (dotted path, old, new) and a unified diff of the YAML."""
    a, b = _flatten(old.document), _flatten(new.document)
    changes = [(key, a.get(key), b.get(key)) for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)]
    source = list(
        difflib.unified_diff(
            old.source_text.splitlines(), new.source_text.splitlines(),
            fromfile=f"{old.version} ({old.source_name})", tofile=f"{new.version} ({new.source_name})", lineterm="",
        )
    )
    return PolicyDiff(old, new, changes, source)


def records_of_student(student) -> QuerySet[CreditRecord]:
    """A student's records (evaluations and adjustments) with lines, newest term first."""
    lines = CreditLine.objects.select_related("contribution__repository").order_by("position")
    return (
        CreditRecord.objects.filter(student=student)
        .select_related("term", "policy_version", "adjusts")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-term__starts_on", "kind", "id")
    )


def approved_total(student) -> Decimal:
    """All credit approved for a student so far (evaluations plus approved adjustments)."""
    total = CreditRecord.objects.filter(student=student, status=RecordStatus.APPROVED).aggregate(t=Sum("credits"))
    return total["t"] or Decimal(0)


def term_summary(term) -> list[dict]:
    """Per status: how many evaluation records a term has and their credits (for reviewers and the demo)."""
    return list(
        CreditRecord.objects.filter(term=term, kind=RecordKind.EVALUATION)
        .values("status")
        .annotate(credits=Sum("credits"))
        .order_by("status")
    )
