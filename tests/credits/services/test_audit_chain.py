"""The audit log: a SHA-256 chain written by audit_record, append-only in the ORM and in the database."""
from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import translation

from credits.audit_triggers import drop_triggers, install_triggers
from credits.models import AuditEvent
from credits.models.audit import AppendOnlyError
from credits.services.audit import GENESIS, audit_record, audit_verify, event_digest
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the default, Chinese, is tested with `manage.py audit`."""
    with translation.override("en"):
        yield


def _log(n: int = 3):
    actor = UserFactory(username="auditor")
    return [audit_record(action="test_event", subject_type="thing", subject_id=i, actor=actor, before="a",
                         after="b", reason=f"reason {i}", data={"n": i, "note": "学分"}, ip="10.1.2.3")
            for i in range(n)]


def test_each_row_chains_to_the_previous_one():
    rows = _log(3)
    assert rows[0].prev_hash == AuditEvent.objects.exclude(pk__in=[r.pk for r in rows]).order_by(
        "-id").values_list("hash", flat=True).first() or GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    stored = AuditEvent.objects.get(pk=rows[1].pk)
    assert stored.hash == event_digest(stored, stored.prev_hash) and stored.ip == "10.1.2.3"


def test_an_untouched_log_verifies():
    _log(4)
    checked, broken = audit_verify()
    assert broken is None and checked == AuditEvent.objects.count()


def test_the_orm_refuses_to_change_or_delete_a_row():
    row = _log(1)[0]
    row.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=row.pk).delete()


@pytest.mark.parametrize("sql", ["UPDATE credits_auditevent SET reason = 'rewritten' WHERE id = %s",
                                 "DELETE FROM credits_auditevent WHERE id = %s"])
def test_the_database_trigger_refuses_update_and_delete(sql):
    row = _log(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).reason == "reason 0"


def _tamper(sql: str, params: list) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    install_triggers(connection)


def test_verify_names_the_row_edited_behind_the_triggers_back():
    rows = _log(4)
    _tamper("UPDATE credits_auditevent SET reason = 'nothing to see' WHERE id = %s", [rows[2].pk])
    checked, broken = audit_verify()
    assert broken.event_id == rows[2].pk and "content" in broken.problem


def test_verify_names_the_row_after_a_deleted_one():
    rows = _log(4)
    _tamper("DELETE FROM credits_auditevent WHERE id = %s", [rows[1].pk])
    assert audit_verify()[1].event_id == rows[2].pk
