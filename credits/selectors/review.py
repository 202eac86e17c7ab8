"""Reads for the approval workflow: the reviewer queue with its filters and counts, a record's evidence and
history, the public notice (masked), and the registrar's backlog. Every read starts from accounts.access."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import BooleanField, Case, Count, Min, Prefetch, QuerySet, Value, When
from django.utils import timezone

from accounts.access import audit_events_visible_to, records_visible_to
from accounts.models import StudentProfile
from accounts.roles import Role, roles_of
from credits.models import AuditEvent, CreditLine, CreditRecord, PolicyVersion, RecordStatus
from credits.models.records import AWAITING
from credits.selectors.portal import policy_document
from credits.services.records_rules import approval_of, decidable_by

S = RecordStatus
QUEUE_FILTERS = ("term", "department", "stage", "status", "repository")


def is_reviewer(user) -> bool:
    """Someone with a queue: a reviewer (mandates), an advisor on the roster, or registrar/operator (read-only)."""
    if not user.is_authenticated:
        return False
    if roles_of(user) & {Role.REVIEWER.value, Role.REGISTRAR.value, Role.OPERATOR.value}:
        return True
    advises = getattr(user, "_xuefen_advises", None)  # cached on the user object for the request, like its roles
    if advises is None:
        advises = user._xuefen_advises = StudentProfile.objects.filter(advisor_id=user.pk).exists()
    return advises


def waiting_count(user) -> int:
    """How many records wait for `user`'s decision (the navigation's "waiting for you: N")."""
    return CreditRecord.objects.filter(decidable_by(user)).count()


@dataclass
class Queue:
    """One page of the queue plus the counts behind each filter."""

    records: QuerySet[CreditRecord]
    counts: dict[str, list[tuple[str, int]]]
    total: int


def _filtered(qs: QuerySet[CreditRecord], filters: dict[str, str], skip: str = "") -> QuerySet[CreditRecord]:
    lookups = {"term": "term__code", "department": "student__student__department__code", "stage": "approval_stage",
               "status": "status", "repository": "lines__contribution__repository__path"}
    for name, lookup in lookups.items():
        value = filters.get(name)
        if value and name != skip:
            qs = qs.filter(**{lookup: value})
    return qs


def review_queue(user, filters: dict[str, str], *, sort: str = "waiting") -> Queue:
    """Records for the queue: waiting for `user` (default) or every visible non-draft one (mine=0), filtered."""
    base = records_visible_to(user).exclude(status=S.DRAFT)
    if filters.get("mine", "1") == "1":
        base = base.filter(decidable_by(user))
    elif not filters.get("status"):
        base = base.filter(status__in=AWAITING)
    filtered = _filtered(base, filters).distinct()
    order = ("status_changed_at", "id") if sort == "waiting" else ("-status_changed_at", "-id")
    # Whether the viewer decides each record now (its checkbox), in the page's own query.
    decidable = Case(When(decidable_by(user), then=Value(True)), default=Value(False), output_field=BooleanField())
    records = (filtered.select_related("term", "student__student__department", "policy_version")
               .annotate(decidable=decidable).order_by(*order))
    counts, total = _facet_counts(base, filters)
    return Queue(records, counts, total)


FACETS = {"status": "status", "stage": "approval_stage", "department": "student__student__department__code",
          "term": "term__code"}


def _facet_counts(base: QuerySet[CreditRecord], filters: dict[str, str]) -> tuple[dict, int]:
    """Records per value of each facet, each counted under the other facets' filters, and the filtered total.

    The facets not filtered on all count the fully filtered records: one query grouped by every facet serves them
    (a record falls in exactly one group); each facet that is filtered on needs one query without its own filter.
    The total is what the fully filtered records add up to, so it costs no query of its own.
    """
    counts: dict[str, list[tuple[str, int]]] = {}
    total = None
    open_facets = [name for name in FACETS if not filters.get(name)]
    if open_facets:
        rows = list(_filtered(base, filters).values(*FACETS.values()).annotate(n=Count("pk", distinct=True)))
        for name in open_facets:
            tally: dict[str, int] = {}
            for row in rows:
                value = row[FACETS[name]] or ""
                tally[value] = tally.get(value, 0) + row["n"]
            counts[name] = sorted(tally.items())
        total = sum(row["n"] for row in rows)
    for name in FACETS:
        if name in open_facets:
            continue
        column = FACETS[name]
        rows = _filtered(base, filters, skip=name).values(column).annotate(n=Count("pk", distinct=True))
        counts[name] = sorted((r[column] or "", r["n"]) for r in rows)
        if total is None:  # every facet is filtered on: the total is this facet's count for the chosen value
            total = dict(counts[name]).get(filters[name], 0)
    return {name: counts[name] for name in FACETS}, total or 0


def overdue(record: CreditRecord, today: dt.date | None = None) -> bool:
    """True when the record's stage has a review deadline in its term that has passed."""
    deadline = (record.term.review_deadlines or {}).get(record.approval_stage)
    if not deadline or record.status not in AWAITING:
        return False
    return (today or timezone.localdate()) > dt.date.fromisoformat(deadline)


def record_for_page(user, record_id: int) -> CreditRecord:
    """The record with its evidence lines (404 through DoesNotExist when outside the viewer's scope)."""
    lines = CreditLine.objects.select_related("contribution__repository").order_by("position")
    return (records_visible_to(user).select_related("student__student__department", "policy_version", "decided_by",
                                                     "adjusts")
            .prefetch_related(Prefetch("lines", queryset=lines)).get(pk=record_id))


def record_history(user, record: CreditRecord) -> QuerySet[AuditEvent]:
    """The record's audit rows, oldest first, for its timeline."""
    return (audit_events_visible_to(user).filter(subject_type="credit_record", subject_id=str(record.pk))
            .select_related("actor").order_by("id"))


def stage_names(record: CreditRecord, chinese: bool) -> list[tuple[str, str]]:
    """(key, name) of every stage of the record's policy, in order."""
    return [(s.key, s.name_zh if chinese else s.name_en) for s in approval_of(record.policy_version).stages]


def policy_stages(chinese: bool) -> list[tuple[str, str]]:
    """(key, name) of the stages of every published policy: the newest policy's in its order, then any stage only
    an older one has (its records may still wait there). A version that no longer validates names none."""
    names: dict[str, str] = {}
    for version in PolicyVersion.objects.only("version", "sha256", "document").order_by("-effective_from", "-id"):
        document = policy_document(version)
        for stage in document.approval.stages if document is not None else ():
            names.setdefault(stage.key, stage.name_zh if chinese else stage.name_en)
    return list(names.items())


def mask_name(name: str) -> str:
    """张小明 -> 张*明, 李华 -> 李*, Alice Wang -> A********g."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_student_id(student_id: str) -> str:
    """2026000123 -> 2026****23."""
    if len(student_id) <= 4:
        return "*" * len(student_id)
    return student_id[:4] + "*" * (len(student_id) - 6) + student_id[-2:]


def notice_records(department_code: str | None) -> QuerySet[CreditRecord]:
    """The public notice (公示): records in their notice period, soonest end first; public to every member."""
    rows = (CreditRecord.objects.filter(status=S.IN_PUBLIC_NOTICE)
            .select_related("student__student__department", "term")
            .prefetch_related(Prefetch("lines", queryset=CreditLine.objects.filter(outcome="credited")
                                       .select_related("contribution__repository")))
            .order_by("notice_ends_on", "id"))
    if department_code:
        rows = rows.filter(student__student__department__code=department_code)
    return rows


def notice_entries(records) -> list[dict]:
    """One page of notice records as shown: masked name and id, department, repositories."""
    entries = []
    for record in records:
        profile = getattr(record.student, "student", None)
        repos = sorted({line.contribution.repository.spec for line in record.lines.all() if line.contribution})
        entries.append({"record": record, "name": mask_name(profile.name if profile else str(record.student)),
                        "student_id": mask_student_id(profile.student_id) if profile else "",
                        "department": profile.department if profile else None, "repositories": repos})
    return entries


def backlog(*, today: dt.date | None = None) -> list[dict]:
    """Waiting records per stage and department: how many, waiting since when (oldest), how many overdue."""
    dept = "student__student__department__code"
    rows = (CreditRecord.objects.filter(status__in=[*AWAITING, S.IN_PUBLIC_NOTICE])
            .values("approval_stage", "status", dept, "student__student__department__name",
                    "student__student__department__name_en")
            .annotate(n=Count("pk"), oldest=Min("status_changed_at"))
            .order_by("approval_stage", dept, "status"))
    late: dict[tuple[str, str, str], int] = {}
    today = today or timezone.localdate()
    waiting = CreditRecord.objects.filter(status__in=AWAITING).exclude(term__review_deadlines={})
    for record in waiting.select_related("term", "student__student__department"):
        if overdue(record, today):
            key = (record.approval_stage, record.status, record.student.student.department.code)
            late[key] = late.get(key, 0) + 1
    return [{"stage": r["approval_stage"], "status": r["status"], "department": r[dept],
             "department_name": r["student__student__department__name"],
             "department_name_en": r["student__student__department__name_en"], "count": r["n"], "oldest": r["oldest"],
             "overdue": late.get((r["approval_stage"], r["status"], r[dept]), 0)} for r in rows]


def awaiting_summary() -> dict[str, int]:
    """Records per status (the demo's summary and the backlog page's header)."""
    return dict(CreditRecord.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
