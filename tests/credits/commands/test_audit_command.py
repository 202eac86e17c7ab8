"""manage.py audit verify: exit 0 on an intact chain, exit 1 naming the first broken row."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from credits.audit_triggers import drop_triggers, install_triggers
from credits.services.audit import audit_record

pytestmark = pytest.mark.django_db


def test_audit_verify_reports_an_intact_chain(capsys):
    for i in range(3):
        audit_record(action="test_event", subject_type="thing", subject_id=i)
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_audit_verify_fails_naming_the_edited_row():
    rows = [audit_record(action="test_event", subject_type="thing", subject_id=i) for i in range(3)]
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_auditevent SET to_status = 'approved' WHERE id = %s", [rows[1].pk])
    install_triggers(connection)
    with pytest.raises(CommandError, match=f"broken at row {rows[1].pk}") as failure:
        call_command("audit", "verify")
    assert failure.value.returncode == 1
