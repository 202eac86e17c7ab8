"""Thin Celery tasks for credit evaluation: ids in, one service call per term."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from credits.models import Term
from credits.services.evaluation import evaluation_targets, term_evaluate
from credits.services.policies import NoPolicyForTerm

log = logging.getLogger(__name__)
LIMITS = {"acks_late": True, "soft_time_limit": 25 * 60, "time_limit": 30 * 60}


def _run(term_id: int, student_ids: list[int] | None) -> dict:
    term = Term.objects.filter(id=term_id).first()
    if term is None:
        return {"term": term_id, "error": "no such term"}
    try:
        report = term_evaluate(term=term, student_ids=student_ids)
    except NoPolicyForTerm as exc:
        log.warning("%s", exc)
        return {"term": term.code, "error": str(exc)}
    return {"term": term.code, "policy_version": report.policy_version, "outcomes": dict(report.outcomes)}


@shared_task(name="credits.evaluate_term", **LIMITS)
def evaluate_term(term_id: int) -> dict:
    """(Re)build the draft credit records of every student in a term; safe to repeat."""
    return _run(term_id, None)


@shared_task(name="credits.evaluate_students", **LIMITS)
def evaluate_students(term_id: int, student_ids: list[int]) -> dict:
    """(Re)build the draft credit records of some students in a term; safe to repeat."""
    return _run(term_id, sorted(set(student_ids)))


# A term keeps being re-evaluated this long after its last day, so work merged at its end can mature.
OPEN_AFTER_END = dt.timedelta(days=60)


@shared_task(name="credits.evaluate_open_terms", **LIMITS)
def evaluate_open_terms() -> list[int]:
    """Daily: queue every running (or recently ended) term, so maturing contributions count without a sync."""
    today = timezone.localdate()
    terms = list(
        Term.objects.filter(starts_on__lte=today, ends_on__gte=today - OPEN_AFTER_END).values_list("id", flat=True)
    )
    for term_id in terms:
        evaluate_term.delay(term_id)
    return terms


def evaluate_student(student_id: int, term_id: int) -> dict:
    """Evaluate one student now, in-process (for views and commands that want the answer)."""
    return _run(term_id, [student_id])


def enqueue_evaluation_after_sync(
    *, contribution_ids: Iterable[int] = (), identity_ids: Iterable[int] = ()
) -> int:
    """After a sync stored contributions: queue one evaluation per affected term once the sync commits."""
    targets = evaluation_targets(contribution_ids=contribution_ids, identity_ids=identity_ids)
    for term_id, students in sorted(targets.items()):
        args = (term_id, sorted(students))
        transaction.on_commit(lambda args=args: evaluate_students.delay(*args))
    return len(targets)
