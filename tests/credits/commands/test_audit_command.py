"""manage.py audit verify: exit 0 on an intact chain, exit 1 naming the first broken row."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from credits.audit_triggers import drop_triggers, install_triggers
from credits.services.audit import audit_record
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


def edit_behind_the_triggers(row) -> None:
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE credits_auditevent SET to_status = 'approved' WHERE id = %s", [row.pk])
    install_triggers(connection)


def test_audit_verify_reports_an_intact_chain(capsys):
    for i in range(3):
        audit_record(action="test_event", subject_type="thing", subject_id=i)
    call_command("audit", "verify", "--lang", "en")
    assert "audit chain intact: 3 rows verified" in capsys.readouterr().out


def test_audit_verify_fails_naming_the_edited_row():
    rows = [audit_record(action="test_event", subject_type="thing", subject_id=i) for i in range(3)]
    edit_behind_the_triggers(rows[1])
    with pytest.raises(CommandError, match=f"broken at row {rows[1].pk}") as failure:
        call_command("audit", "verify", "--lang", "en")
    assert failure.value.returncode == 1


@pytest.mark.parametrize(("language", "intact", "broken"), [
    ("zh-hans", "审计链完整：已校验 2 条记录", "内容与其哈希值不符（该记录被修改过）（其前 1 条记录校验通过）"),
    ("en", "audit chain intact: 2 rows verified", "its content does not match its hash (the row was changed) "
                                                  "(1 rows before it verified)"),
])
def test_each_run_speaks_one_language(capsys, language, intact, broken):
    rows = [audit_record(action="test_event", subject_type="thing", subject_id=i) for i in range(2)]
    call_command("audit", "verify", "--lang", language)
    out = capsys.readouterr().out
    assert intact in out
    edit_behind_the_triggers(rows[1])
    with pytest.raises(CommandError) as failure:
        call_command("audit", "verify", "--lang", language)
    assert broken in str(failure.value)
    assert_one_language(out + str(failure.value), language)


def test_chinese_is_the_default(capsys):
    call_command("audit", "verify")
    assert "审计链完整：已校验 0 条记录" in capsys.readouterr().out
