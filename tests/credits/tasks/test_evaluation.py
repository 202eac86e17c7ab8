"""Evaluation tasks: after a sync, the affected students are re-evaluated in the terms their work falls in."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction
from django.utils import translation

from credits.models import CreditRecord, Term
from credits.tasks import evaluate_students, evaluate_term, evaluations_enqueue
from tests.credits.services.rules_helpers import UTC, autumn, publish, two_terms_of_work
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory


@pytest.mark.django_db
def test_nothing_is_queued_before_the_sync_commits(django_capture_on_commit_callbacks):
    _, _, _, ids = two_terms_of_work()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert evaluations_enqueue(contribution_ids=ids) == 2
    assert len(callbacks) == 2 and not CreditRecord.objects.exists()


@pytest.mark.redis
def test_after_sync_a_real_worker_evaluates_each_affected_term(celery_worker):
    autumn_term, spring_term, _, ids = two_terms_of_work()
    with transaction.atomic():
        evaluations_enqueue(contribution_ids=ids)
    deadline = time.monotonic() + 30
    while CreditRecord.objects.count() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(CreditRecord.objects.values_list("term__code", flat=True)) == {autumn_term.code, spring_term.code}


@pytest.mark.django_db
def test_contributions_outside_every_term_enqueue_nothing(django_capture_on_commit_callbacks):
    autumn()
    publish()
    c = ContributionFactory(merged_at=dt.datetime(2027, 2, 15, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert evaluations_enqueue(identity_ids=[c.identity_id]) == 0
    assert callbacks == []


@pytest.mark.django_db
def test_evaluate_term_task_reports_a_term_without_policy_instead_of_crashing():
    term = autumn()
    with translation.override("en"):  # a worker says it in LANGUAGE_CODE (Chinese); matched here in English
        result = evaluate_term(term.id)  # the task body, run in-process
    assert "no published credit policy covers term 2026-autumn" in result["error"]


@pytest.mark.django_db
def test_evaluate_students_evaluates_only_those_students():
    term = autumn()
    publish()
    repo = RepositoryFactory(tier="standard")
    one, two = ForgeIdentityFactory(), ForgeIdentityFactory()
    for identity in (one, two):
        ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    result = evaluate_students(term.id, [one.user_id, one.user_id])  # the task body, run in-process
    assert result["outcomes"] == {"created": 1}
    assert list(CreditRecord.objects.values_list("student_id", flat=True)) == [one.user_id]
    assert Term.objects.count() == 1


@pytest.mark.django_db
def test_daily_evaluation_queues_the_open_terms(monkeypatch):
    import credits.tasks.evaluation as tasks

    autumn_term = autumn()
    queued = []
    monkeypatch.setattr(tasks.evaluate_term, "delay", queued.append)  # the queue itself is Celery's business
    monkeypatch.setattr(tasks, "open_term_ids", lambda: [autumn_term.id])
    assert tasks.evaluate_open_terms() == queued == [autumn_term.id]
