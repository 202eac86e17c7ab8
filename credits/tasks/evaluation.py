"""Evaluation tasks: ids in, one service call per term; safe to repeat."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from celery import shared_task
from django.db import transaction

from credits.services.evaluation_runs import evaluation_targets, open_term_ids, term_evaluate_by_id

log = logging.getLogger(__name__)


@shared_task(name="credits.evaluate_term")
def evaluate_term(term_id: int) -> dict:
    """(Re)build the draft credit records of every student in a term."""
    return term_evaluate_by_id(term_id=term_id, student_ids=None)


@shared_task(name="credits.evaluate_students")
def evaluate_students(term_id: int, student_ids: list[int]) -> dict:
    """(Re)build the draft credit records of some students in a term."""
    return term_evaluate_by_id(term_id=term_id, student_ids=sorted(set(student_ids)))


@shared_task(name="credits.evaluate_open_terms")
def evaluate_open_terms() -> list[int]:
    """Daily: queue every running (or recently ended) term, so maturing contributions count without a sync."""
    terms = open_term_ids()
    for term_id in terms:
        evaluate_term.delay(term_id)
    return terms


def evaluations_enqueue(*, contribution_ids: Iterable[int] = (), identity_ids: Iterable[int] = ()) -> int:
    """After a sync stored contributions: queue one evaluation per affected term once the sync commits."""
    targets = evaluation_targets(contribution_ids=contribution_ids, identity_ids=identity_ids)
    for term_id, students in sorted(targets.items()):
        args = (term_id, sorted(students))
        transaction.on_commit(lambda args=args: evaluate_students.delay(*args))
    return len(targets)
