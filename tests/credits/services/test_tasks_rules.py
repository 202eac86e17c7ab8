"""Evaluation tasks: after a sync, the affected students are re-evaluated in the terms their work falls in."""

from __future__ import annotations

import datetime as dt

import pytest

from credits.models import CreditRecord, Term
from credits.tasks_rules import enqueue_evaluation_after_sync, evaluate_student, evaluate_term
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

from .rules_helpers import UTC, autumn, publish, spring

pytestmark = pytest.mark.django_db


def test_after_sync_each_affected_term_is_evaluated_once_the_sync_commits(django_capture_on_commit_callbacks):
    autumn_term, spring_term = autumn(), spring()
    publish()
    identity = ForgeIdentityFactory(login="lihua")
    repo = RepositoryFactory(tier="standard")
    a = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    b = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2027, 4, 1, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert enqueue_evaluation_after_sync(contribution_ids=[a.id, b.id]) == 2
    assert not CreditRecord.objects.exists()  # nothing runs before the commit
    for callback in callbacks:
        callback()  # eager Celery in tests: the task body runs here
    terms = set(CreditRecord.objects.values_list("term__code", flat=True))
    assert terms == {autumn_term.code, spring_term.code}


def test_contributions_outside_every_term_enqueue_nothing(django_capture_on_commit_callbacks):
    autumn()
    publish()
    c = ContributionFactory(merged_at=dt.datetime(2027, 2, 15, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert enqueue_evaluation_after_sync(identity_ids=[c.identity_id]) == 0
    assert callbacks == []


def test_evaluate_term_task_reports_a_term_without_policy_instead_of_crashing():
    term = autumn()
    result = evaluate_term.delay(term.id).get()
    assert "no published credit policy covers term 2026-autumn" in result["error"]


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
