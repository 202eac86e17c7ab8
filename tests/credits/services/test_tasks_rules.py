"""Evaluation tasks: after a sync, the affected students are re-evaluated in the terms their work falls in."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import transaction

from credits.models import CreditRecord, Term
from credits.services.evaluation import evaluation_targets
from credits.tasks_rules import enqueue_evaluation_after_sync, evaluate_student, evaluate_term
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

from .rules_helpers import UTC, autumn, publish, spring


def _two_terms_of_work():
    autumn_term, spring_term = autumn(), spring()
    publish()
    identity = ForgeIdentityFactory(login="lihua")
    repo = RepositoryFactory(tier="standard")
    a = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    b = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2027, 4, 1, tzinfo=UTC))
    return autumn_term, spring_term, identity, [a.id, b.id]


@pytest.mark.django_db
def test_targets_are_the_terms_each_contribution_was_merged_in():
    autumn_term, spring_term, identity, ids = _two_terms_of_work()
    expected = {autumn_term.id: {identity.user_id}, spring_term.id: {identity.user_id}}
    assert evaluation_targets(contribution_ids=ids) == expected
    assert evaluation_targets(identity_ids=[identity.id]) == expected


@pytest.mark.django_db
def test_nothing_is_queued_before_the_sync_commits(django_capture_on_commit_callbacks):
    _, _, _, ids = _two_terms_of_work()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_evaluation_after_sync(contribution_ids=ids) == 2
    assert len(callbacks) == 2 and not CreditRecord.objects.exists()


@pytest.mark.redis
def test_after_sync_a_real_worker_evaluates_each_affected_term(celery_worker):
    autumn_term, spring_term, _, ids = _two_terms_of_work()
    with transaction.atomic():
        enqueue_evaluation_after_sync(contribution_ids=ids)
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
        assert enqueue_evaluation_after_sync(identity_ids=[c.identity_id]) == 0
    assert callbacks == []


@pytest.mark.django_db
def test_evaluate_term_task_reports_a_term_without_policy_instead_of_crashing():
    term = autumn()
    result = evaluate_term(term.id)  # the task body, run in-process
    assert "no published credit policy covers term 2026-autumn" in result["error"]


@pytest.mark.django_db
def test_evaluate_student_evaluates_only_that_student():
    term = autumn()
    publish()
    repo = RepositoryFactory(tier="standard")
    one, two = ForgeIdentityFactory(), ForgeIdentityFactory()
    for identity in (one, two):
        ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    result = evaluate_student(one.user_id, term.id)
    assert result["outcomes"] == {"created": 1}
    assert list(CreditRecord.objects.values_list("student_id", flat=True)) == [one.user_id]
    assert Term.objects.count() == 1


@pytest.mark.django_db
def test_daily_evaluation_picks_running_and_recently_ended_terms(monkeypatch):
    import credits.tasks_rules as tasks

    autumn_term, spring_term = autumn(), spring()
    queued = []
    monkeypatch.setattr(tasks.evaluate_term, "delay", queued.append)  # the queue itself is Celery's business
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: dt.date(2027, 3, 15))
    assert tasks.evaluate_open_terms() == queued == [autumn_term.id, spring_term.id]
    monkeypatch.setattr(tasks.timezone, "localdate", lambda: dt.date(2027, 7, 1))
    queued.clear()
    assert tasks.evaluate_open_terms() == [spring_term.id]
