"""import_staff: accounts, roles and mandates from one file; every bad line reported, nothing written."""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Mandate, User
from accounts.roles import roles_of
from credits.models import AuditEvent
from tests.factories import student
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db
HEADER = "username,name,email,role,stage,department"


def write(tmp_path, *lines: str, encoding: str = "utf-8"):
    path = tmp_path / "staff.csv"
    path.write_bytes(("\n".join([HEADER, *lines]) + "\n").encode(encoding))
    return path


def run(path, lang: str = "en") -> str:
    out = StringIO()
    call_command("import_staff", str(path), "--lang", lang, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_staff_get_accounts_roles_and_mandates(tmp_path, departments, encoding):
    path = write(tmp_path, "zhang,张老师,zhang@example.edu,reviewer,department,cs;math",
                 "wu,吴老师,wu@example.edu,reviewer,department,",
                 "jwc,教务处,jwc@example.edu,registrar,,", "ops,运维,ops@example.edu,operator,,", encoding=encoding)
    assert "4 created, 0 updated, 0 unchanged" in run(path)
    zhang = User.objects.get(username="zhang")
    assert zhang.display_name == "张老师" and not zhang.has_usable_password()
    assert set(Mandate.objects.filter(user=zhang).values_list("stage", "department__code")) == {
        ("department", "cs"), ("department", "math")}
    assert list(Mandate.objects.filter(user__username="wu").values_list("department", flat=True)) == [None]
    assert roles_of(User.objects.get(username="jwc")) == {"registrar"}
    ops = User.objects.get(username="ops")
    assert roles_of(ops) == {"operator"} and ops.is_staff
    assert AuditEvent.objects.filter(action="staff_create").count() == 4
    assert AuditEvent.objects.filter(action="role_grant").count() == 4


def test_rerunning_is_idempotent_and_a_changed_email_updates(tmp_path, departments):
    path = write(tmp_path, "zhang,张老师,zhang@example.edu,reviewer,department,cs")
    run(path)
    grants = AuditEvent.objects.filter(action="role_grant").count()
    assert "0 created, 0 updated, 1 unchanged" in run(path)
    assert AuditEvent.objects.filter(action="role_grant").count() == grants
    assert "1 updated" in run(write(tmp_path, "zhang,张老师,zhang@new.example.edu,reviewer,department,cs;math"))
    assert User.objects.get(username="zhang").email == "zhang@new.example.edu"
    assert Mandate.objects.filter(user__username="zhang").count() == 2


def test_every_bad_line_is_reported_and_nothing_is_written(tmp_path, departments, capsys):
    student(student_id="2026001", user__username="2026001")
    path = write(tmp_path,
                 "zhang,张老师,zhang@example.edu,dean,,",
                 "li,李老师,li@example.edu,reviewer,nosuchstage,cs",
                 "wang,王老师,wang@example.edu,reviewer,department,physics",
                 "zhang,张老师,zhang2@example.edu,registrar,,",
                 "chen,陈,not-an-email,operator,,",
                 "2026001,学生,s@example.edu,registrar,,",
                 "zhao,赵,zhao@example.edu,reviewer,,cs",
                 "sun,孙,sun@example.edu,registrar,department,cs",
                 "stu,学生,stu@example.edu,student,,")
    with pytest.raises(CommandError, match="nothing was imported"):
        run(path)
    err = capsys.readouterr().err
    for expected in (":2: unknown role 'dean'", ":3: unknown stage 'nosuchstage'", ":4: unknown department 'physics'",
                     ":5: duplicate username zhang (first on line 2)", ":6: malformed email 'not-an-email'",
                     ":7: 2026001 is a student's account", ":8: a reviewer needs a stage",
                     ":9: stage and department apply to reviewers only", ":10: students come from the roster"):
        assert expected in err
    assert not User.objects.exclude(username="2026001").exists()
    assert not AuditEvent.objects.filter(action__in=["staff_create", "role_grant"]).exists()


def test_a_bad_header_or_encoding_is_refused(tmp_path, capsys):
    path = tmp_path / "staff.csv"
    path.write_text("username,name,email,title\nzhang,张,z@example.edu,registrar\n")
    with pytest.raises(CommandError):
        run(path)
    assert ":1: the header must be username,name,email,role,stage,department" in capsys.readouterr().err
    path.write_bytes(b"\xff\xfeu\x00")
    with pytest.raises(CommandError):
        run(path)
    assert "UTF-16" in capsys.readouterr().err


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["教职工（utf-8）：新建 1，更新 0，未变 0", ":2: 未知角色“dean”", ":3: 审核教师需要一个审核阶段",
                 ":4: 未知院系“physics”", "3 处错误；未导入任何数据", ":1: 表头必须是 ", "文件为 UTF-16 编码；请另存为",
                 "无法读取 ", "：这是一个目录"]),
    ("en", ["staff (utf-8): 1 created, 0 updated, 0 unchanged", ":2: unknown role 'dean'",
            ":3: a reviewer needs a stage", ":4: unknown department 'physics'", "3 error(s) in ",
            ":1: the header must be ", "the file is UTF-16; save it", "cannot read ", ": it is a directory"]),
])
def test_each_run_speaks_one_language(tmp_path, departments, capsys, language, words):
    printed = run(write(tmp_path, "jwc,JWC,jwc@example.edu,registrar,,"), lang=language)
    bad = write(tmp_path, "zhang,Z,z@example.edu,dean,,", "li,L,l@example.edu,reviewer,,cs",
                "wang,W,w@example.edu,reviewer,department,physics")
    header = tmp_path / "header.csv"
    header.write_text("username,name,email,title\nzhang,Z,z@example.edu,registrar\n")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(b"\xff\xfeu\x00")
    for path in (bad, header, utf16, tmp_path):
        with pytest.raises(CommandError) as refused:
            run(path, lang=language)
        printed += capsys.readouterr().err + str(refused.value) + "\n"
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("username,name,email,role,stage,department", "title", "CSV UTF-8",
                                                 "reviewer, registrar", "operator", "Excel"))
