"""When to evaluate: which students and terms new contributions touch, and the terms still open."""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from credits.models import Contribution, Term
from credits.services.evaluation import counted_at, term_evaluate, term_window
from credits.services.policies import NoPolicyForTerm, policy_for_term, policy_of

log = logging.getLogger(__name__)
# A term keeps being re-evaluated this long after its last day, so work merged at its end can mature.
OPEN_AFTER_END = dt.timedelta(days=60)


def term_evaluate_by_id(*, term_id: int, student_ids: list[int] | None) -> dict:
    """Evaluate a term (or some of its students) by id; a summary a task can return as JSON."""
    term = Term.objects.filter(id=term_id).first()
    if term is None:
        return {"term": term_id, "error": "no such term"}
    try:
        report = term_evaluate(term=term, student_ids=student_ids)
    except NoPolicyForTerm as exc:
        log.warning("%s", exc)
        return {"term": term.code, "error": str(exc)}
    return {"term": term.code, "policy_version": report.policy_version, "outcomes": dict(report.outcomes)}


def open_term_ids(*, today: dt.date | None = None) -> list[int]:
    """Terms running today or ended less than OPEN_AFTER_END ago (their contributions may still mature)."""
    today = today or timezone.localdate()
    return list(
        Term.objects.filter(starts_on__lte=today, ends_on__gte=today - OPEN_AFTER_END).values_list("id", flat=True)
    )


def evaluation_targets(
    *, contribution_ids: Iterable[int] = (), identity_ids: Iterable[int] = ()
) -> dict[int, set[int]]:
    """Which students to re-evaluate in which terms ({term id: student ids}) after contributions changed."""
    rows = Contribution.objects.none()
    if contribution_ids:
        rows = rows | Contribution.objects.filter(id__in=list(contribution_ids))
    if identity_ids:
        rows = rows | Contribution.objects.filter(identity_id__in=list(identity_ids))
    columns = rows.values_list("identity__user_id", "kind", "merged_at", "created_at")
    facts = [(user, counted_at(kind, merged, made)) for user, kind, merged, made in columns]
    facts = [(user, at) for user, at in facts if at is not None]
    targets: dict[int, set[int]] = defaultdict(set)
    if not facts:
        return targets
    for term in Term.objects.all():
        try:
            window = term_window(term, policy_of(policy_for_term(term=term)))
        except NoPolicyForTerm:
            continue  # nothing can be evaluated there until a policy is published
        for user_id, merged_at in facts:
            if window.starts_at <= merged_at < window.ends_at:
                targets[term.id].add(user_id)
    return targets
