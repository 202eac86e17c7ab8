"""Two stage holders deciding one record at the same moment on PostgreSQL; bulk approval record by record."""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import AuditEvent, CreditRecord, RecordStatus
from credits.services.audit import audit_verify
from credits.services.records import AlreadyDecided, record_approve, record_approve_many, record_submit
from tests.factories import UserFactory

from .records_helpers import NOW, build_uni


@pytest.fixture(autouse=True)
def _english(settings):
    """Refusal messages are asserted in English (the site's default is Chinese; threads start in the default)."""
    settings.LANGUAGE_CODE = "en"


def _waiting_on_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # inside a transaction the statistics view is cached
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_two_department_holders_approving_at_once_exactly_one_wins(postgres_only):
    uni = build_uni()
    second = UserFactory(username="dean_cs_2")
    role_grant(user=second, role=Role.REVIEWER, actor=None, departments=[uni.alice.department], stage="department")
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    outcomes: dict[str, object] = {}

    def decide(user):
        try:
            record_approve(record_id=record.pk, actor=user, now=NOW)
            outcomes[user.username] = "approved"
        except AlreadyDecided as exc:
            outcomes[user.username] = exc
        finally:
            connections.close_all()

    # Hold the record's row so both reviewers pass every check and queue on the conditional update together.
    with connections["default"].cursor() as holder:
        holder.execute("BEGIN")  # the test runs in autocommit (transaction=True): this is the only open transaction
        holder.execute("SELECT id FROM credits_creditrecord WHERE id = %s FOR NO KEY UPDATE", [record.pk])
        threads = [threading.Thread(target=decide, args=(u,)) for u in (uni.dean_cs, second)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while _waiting_on_locks() < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        waiting = _waiting_on_locks()
        assert waiting == 2, f"both reviewers should be waiting on the row ({waiting}; {outcomes})"
        holder.execute("COMMIT")
    for t in threads:
        t.join(30)
    winners = [name for name, outcome in outcomes.items() if outcome == "approved"]
    (loser,) = [outcome for outcome in outcomes.values() if outcome != "approved"]
    assert len(winners) == 1 and "Already decided by" in str(loser)
    record.refresh_from_db()
    assert (record.status, record.approval_stage) == (RecordStatus.IN_REVIEW, "academic_affairs")
    assert AuditEvent.objects.filter(subject_id=str(record.pk), action="record_approve").count() == 2  # advisor + 1
    assert audit_verify()[1] is None


@pytest.mark.django_db
def test_bulk_approval_checks_each_record_and_reports_the_refused_one():
    uni = build_uni()
    records = [uni.record(p) for p in (uni.alice, uni.bob, uni.carol)]
    for record, profile in zip(records, (uni.alice, uni.bob, uni.carol), strict=True):
        record_submit(record_id=record.pk, actor=profile.user, now=NOW)
    # Skip the advisor stage for the test: all three wait at the department stage.
    CreditRecord.objects.filter(pk__in=[r.pk for r in records]).update(
        status=RecordStatus.IN_REVIEW, approval_stage="department", stage_index=1, approval_scope="department")
    result = record_approve_many(record_ids=[r.pk for r in records], actor=uni.dean_cs, now=NOW)
    assert result.approved == [records[0].pk, records[1].pk]
    assert [rid for rid, _ in result.refused] == [records[2].pk] and "No such record" in result.refused[0][1]
    stages = dict(CreditRecord.objects.filter(pk__in=[r.pk for r in records]).values_list("pk", "approval_stage"))
    assert stages == {records[0].pk: "academic_affairs", records[1].pk: "academic_affairs",
                      records[2].pk: "department"}
