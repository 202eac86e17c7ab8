"""Reads for registrar exports: the rows of a batch (streamed), claimable records, and the batch history."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from django.db.models import Count, QuerySet
from django.utils import timezone

from credits.exporting.formats import ExportFormat
from credits.models import CreditLine, CreditRecord, ExportBatch, LineOutcome, PolicyVersion, RecordKind, RecordStatus

CHUNK = 2000
KIND_CODES = {RecordKind.EVALUATION: "credit", RecordKind.ADJUSTMENT: "adjustment", RecordKind.REVOCATION: "revocation"}
FIELDS = {
    "id": "id", "kind": "kind", "adjusts_id": "adjusts_id", "credits": "credits", "course_code": "course_code",
    "decided_at": "decided_at", "student_id": "student__student__student_id", "student_name": "student__student__name",
    "username": "student__username", "department": "student__student__department__name",
    "department_code": "student__student__department__code",
    "department_en": "student__student__department__name_en", "term": "term__code", "term_name": "term__name_zh",
    "policy_version_id": "policy_version_id", "policy_version": "policy_version__version",
    "approved_by": "decided_by__username", "approved_by_name": "decided_by__display_name",
}


def claimable_records(*, term_id: int) -> QuerySet[CreditRecord]:
    """Approved records and adjustments of a term that no batch has booked yet."""
    return CreditRecord.objects.filter(term_id=term_id, status=RecordStatus.APPROVED, export_batch__isnull=True)


def batches(*, term_id: int | None = None) -> QuerySet[ExportBatch]:
    """Export batches, newest first, with their term and people."""
    qs = ExportBatch.objects.select_related("term", "created_by", "booked_by").order_by("-created_at", "-id")
    return qs.filter(term_id=term_id) if term_id is not None else qs


def _courses(version_ids: set[int]) -> dict[int, dict]:
    """The course section of each policy version (read once per version, not once per row)."""
    docs = PolicyVersion.objects.filter(id__in=version_ids).values_list("id", "document")
    return {vid: (doc or {}).get("course", {}) for vid, doc in docs}


def _evidence(record_ids: list[int]) -> dict[int, list[str]]:
    """Links of the contributions that earned credit in each record."""
    found: dict[int, list[str]] = {}
    lines = (CreditLine.objects.filter(record_id__in=record_ids, outcome=LineOutcome.CREDITED)
             .exclude(contribution__url="").order_by("record_id", "position")
             .values_list("record_id", "contribution__url"))
    for record_id, url in lines:
        if url:
            found.setdefault(record_id, []).append(url)
    return found


def _text(value) -> str:
    return "" if value is None else str(value)


def batch_rows(*, batch_id: int, fmt: ExportFormat) -> Iterator[tuple[int, list[str]]]:
    """(record id, cells) for every record of a batch in record order, streamed in chunks of CHUNK rows."""
    records = CreditRecord.objects.filter(export_batch_id=batch_id).order_by("id").values(*FIELDS.values())
    stream = records.iterator(chunk_size=CHUNK)
    courses: dict[int, dict] = {}
    columns = [c.column for c in fmt.columns]
    zone = timezone.get_default_timezone()
    while chunk := list(islice(stream, CHUNK)):
        courses.update(_courses({r["policy_version_id"] for r in chunk} - courses.keys()))
        evidence = _evidence([r["id"] for r in chunk]) if "evidence_urls" in columns else {}
        for raw in chunk:
            row = {name: raw[field] for name, field in FIELDS.items()}
            course = courses.get(row["policy_version_id"], {})
            kind = KIND_CODES.get(row["kind"], row["kind"])
            decided = row["decided_at"]
            values = {
                **row,
                "batch_id": batch_id, "record_id": row["id"], "original_record_id": row["adjusts_id"],
                "kind": fmt.kind_labels.get(kind, kind),
                "student_id": row["student_id"] or row["username"],
                "course_name": course.get("name_zh"), "course_name_en": course.get("name_en"),
                "credit_category": course.get("credit_category"), "grade": course.get("grade"),
                "approved_at": decided.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if decided else "",
                "evidence_urls": " ".join(evidence.get(row["id"], ())),
            }
            yield row["id"], [_text(values[c]) for c in columns]


def waiting_by_term() -> list[dict]:
    """Per term: approved records not yet in any batch (what the next export would book)."""
    return list(CreditRecord.objects.filter(status=RecordStatus.APPROVED, export_batch__isnull=True)
                .values("term__code").annotate(n=Count("id")).order_by("term__code"))
