"""import_departments and import_roster --create-departments: all or nothing, per-line errors, idempotent."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Department, StudentProfile
from credits.models import AuditEvent
from tests.factories import DepartmentFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db
GOOD = "code,name_zh,name_en\ncs,计算机学院,Computer Science\nmath,数学学院,Mathematics\n"


def write(tmp_path, text: str, encoding: str = "utf-8"):
    path = tmp_path / "departments.csv"
    path.write_bytes(text.encode(encoding))
    return path


def run(path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_departments", str(path), "--lang", "en", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_departments_are_created_from_each_encoding(tmp_path, encoding):
    out = run(write(tmp_path, GOOD, encoding))
    assert "2 created" in out
    assert dict(Department.objects.values_list("code", "name")) == {"cs": "计算机学院", "math": "数学学院"}
    assert Department.objects.get(code="cs").name_en == "Computer Science"
    assert AuditEvent.objects.filter(action="department_save", data__created=True).count() == 2
    assert AuditEvent.objects.filter(action="departments_import").count() == 1


def test_rerunning_changes_nothing_and_a_renamed_line_updates(tmp_path):
    path = write(tmp_path, GOOD)
    run(path)
    assert "0 created, 0 updated, 2 unchanged" in run(path)
    out = run(write(tmp_path, GOOD.replace("Mathematics", "Mathematical Sciences")))
    assert "0 created, 1 updated, 1 unchanged" in out
    assert Department.objects.get(code="math").name_en == "Mathematical Sciences"
    assert AuditEvent.objects.filter(action="department_save", data__created=False).count() == 1


def test_bad_lines_are_each_reported_and_nothing_is_written(tmp_path, capsys):
    DepartmentFactory(code="phys", name="物理学院")
    text = ("code,name_zh,name_en\ncs,计算机学院,CS\ncs,计算机系,CS again\nbad code,坏,Bad\n"
            "chem,物理学院,Chemistry\n,无代码,No code\n")
    with pytest.raises(CommandError, match="4 error"):
        call_command("import_departments", str(write(tmp_path, text)), "--lang", "en")
    err = capsys.readouterr().err
    assert ":3: duplicate code cs (first on line 2)" in err
    assert ":4: malformed department code 'bad code'" in err
    assert ":5: the name 物理学院 already belongs to department phys" in err
    assert ":6: missing code" in err
    assert list(Department.objects.values_list("code", flat=True)) == ["phys"]


@pytest.mark.parametrize(("text", "message"), [
    ("code,name\ncs,计算机学院\n", "the header must be code,name_zh,name_en"),
    ("", "the file is empty"),
    ("code,name_zh,name_en\n", "the file has a header but no rows"),
])
def test_a_bad_file_is_refused_on_line_one(tmp_path, capsys, text, message):
    with pytest.raises(CommandError):
        call_command("import_departments", str(write(tmp_path, text)), "--lang", "en")
    assert f":1: {message}" in capsys.readouterr().err


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused(tmp_path, capsys):
    path = tmp_path / "departments.csv"
    path.write_bytes(b"code,name_zh,name_en\ncs,\xff\xfe\xff,CS\n")
    with pytest.raises(CommandError):
        call_command("import_departments", str(path), "--lang", "en")
    assert "neither UTF-8 nor GB18030" in capsys.readouterr().err
    assert not Department.objects.exists()


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["院系（utf-8）：新建 1，更新 0，未变 0", ":3: 院系代码 cs 重复（首次出现在第 2 行）",
                 ":4: 院系代码“bad code”格式有误", ":5: 缺少 code", ":6: name_zh：含有控制字符（U+0007）",
                 "4 处错误；未导入任何数据", ":1: 表头必须是 code,name_zh,name_en（问题：name_zh, name）", "无法读取 ",
                 "：文件不存在"]),
    ("en", ["departments (utf-8): 1 created, 0 updated, 0 unchanged", ":3: duplicate code cs (first on line 2)",
            ":4: malformed department code 'bad code'", ":5: missing code", ":6: name_zh: contains a control character",
            "4 error(s) in ", ":1: the header must be code,name_zh,name_en (problem: name_zh, name)", "cannot read ",
            ": no such file"]),
])
def test_each_run_speaks_one_language(tmp_path, capsys, language, words):
    call_command("import_departments", str(write(tmp_path, "code,name_zh,name_en\nai,AI,AI\n")), "--lang", language)
    printed = capsys.readouterr().out
    for text in ("code,name_zh,name_en\ncs,CS,CS\ncs,CS2,CS2\nbad code,B,B\n,N,N\nchem,C\x07,C\n",
                 "code,name\ncs,CS\n", None):
        path = write(tmp_path, text) if text else tmp_path / "missing.csv"
        with pytest.raises(CommandError) as refused:
            call_command("import_departments", str(path), "--lang", language)
        printed += capsys.readouterr().err + str(refused.value) + "\n"
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("code,name_zh,name_en", "name_zh", "code", "name"))


def test_roster_create_departments_makes_the_missing_ones_once(tmp_path, capsys):
    DepartmentFactory(code="cs", name="计算机学院")
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,email,department\n2026001,李雷,li@example.edu,cs\n"
                      "2026002,韩梅梅,han@example.edu,math\n2026003,王芳,wang@example.edu,数学学院\n")
    with pytest.raises(CommandError):
        call_command("import_roster", str(roster), "--lang", "en")
    assert "unknown department 'math'" in capsys.readouterr().err
    call_command("import_roster", str(roster), "--create-departments", "--lang", "en")
    assert "2 department(s) created" in capsys.readouterr().out
    codes = set(Department.objects.values_list("code", flat=True))
    assert {"cs", "math"} <= codes and len(codes) == 3
    assert StudentProfile.objects.get(student_id="2026002").department.code == "math"
    assert StudentProfile.objects.get(student_id="2026003").department.name == "数学学院"
    call_command("import_roster", str(roster), "--create-departments")
    assert Department.objects.count() == 3
    assert AuditEvent.objects.filter(action="department_save", data__created=True).count() == 2


def test_roster_with_errors_creates_no_department_either(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,email,department\n2026001,李雷,not-an-email,math\n")
    with pytest.raises(CommandError):
        call_command("import_roster", str(roster), "--create-departments")
    assert not Department.objects.exists()
