"""On PostgreSQL: concurrent evaluations of the same student converge on one record and one line set."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import AuditEvent, CreditLine, CreditRecord
from credits.services.evaluation import term_evaluate
from credits.services.records import record_approve, record_submit
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory, UserFactory

from .rules_helpers import UTC, autumn, publish

NOW = dt.datetime(2026, 12, 20, tzinfo=UTC)


def _approve(record: CreditRecord) -> None:
    """Submitted by the student, approved at the policy's one stage by a university-wide holder."""
    dean = UserFactory(username="dean")
    role_grant(user=dean, role=Role.REVIEWER, actor=None, stage="department")
    record_submit(record_id=record.pk, actor=record.student, now=NOW)
    record_approve(record_id=record.pk, actor=dean, now=NOW)


def _in_threads(count: int, target) -> list[BaseException]:
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def body():
        try:
            barrier.wait()
            target()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=body) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_evaluations_create_one_record(postgres_only):
    term = autumn()
    publish()
    identity = ForgeIdentityFactory()
    repo = RepositoryFactory(tier="standard")
    for day in (1, 2, 3):
        ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, day, tzinfo=UTC))
    errors = _in_threads(4, lambda: term_evaluate(term=term, now=NOW))
    assert errors == []
    record = CreditRecord.objects.get()
    assert str(record.credits) == "1.50" and CreditLine.objects.filter(record=record).count() == 3
    assert AuditEvent.objects.filter(action="credit_record_create").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_re_evaluations_of_an_approved_record_create_one_adjustment(postgres_only):
    term = autumn()
    publish()
    identity = ForgeIdentityFactory()
    repo = RepositoryFactory(tier="standard")
    ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    term_evaluate(term=term, now=NOW)
    _approve(CreditRecord.objects.get())
    ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 2, tzinfo=UTC))
    errors = _in_threads(4, lambda: term_evaluate(term=term, now=NOW))
    assert errors == []
    adjustments = CreditRecord.objects.filter(kind="adjustment")
    assert adjustments.count() == 1 and str(adjustments.get().credits) == "0.50"
