"""Roster import: whole-file validation, per-line errors, encodings, all-or-nothing, re-import updates."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from accounts.models import ForgeIdentity, RosterHint, StudentProfile, User
from accounts.roles import Role
from accounts.services.roles import role_grant
from accounts.services.roster import roster_import
from credits.models import AuditEvent
from tests.factories import DepartmentFactory, UserFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db
HEADER = "student_id,name,email,department,github,gitee,gitlab"


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the portal's default is Chinese (tested below)."""
    with translation.override("en"):
        yield


@pytest.fixture
def departments():
    return [
        DepartmentFactory(code="cs", name="计算机学院", name_en="Computer Science"),
        DepartmentFactory(code="math", name="数学学院", name_en="Mathematics"),
    ]


def roster(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def big_roster(n: int) -> list[str]:
    """n valid rows, alternating departments given by code and by Chinese name."""
    return [
        f"2026{i:06d},学生{i},s{i}@example.edu.cn,{'cs' if i % 2 else '数学学院'},gh-user{i},,gl_user{i}"
        for i in range(n)
    ]


def test_3000_rows_with_a_few_bad_ones_report_exact_lines_and_apply_nothing(departments):
    rows = big_roster(3000)
    # Row i sits on line i + 2 (line 1 is the header).
    rows[15] = "2026000015,,s15@example.edu.cn,cs,,,"  # line 17: missing name
    rows[1498] = rows[0].replace("学生0", "重复")  # line 1500: student id of line 2 again
    rows[2220] = "2026002220,学生2220,s2220@example.edu.cn,physics,,,"  # line 2222: unknown department
    rows[2997] = "2026002997,学生2997,not-an-email,cs,,,"  # line 2999: malformed email
    rows[2999] = "2026002999,学生2999,s2999@example.edu.cn,cs,bad--handle!,,"  # line 3001: bad handle
    users_before = User.objects.count()

    result = roster_import(data=roster(*rows).encode(), actor=None)

    assert not result.applied
    assert [(e.line, e.message) for e in result.errors] == [
        (17, "missing name"),
        (1500, "duplicate student id 2026000000 (first on line 2)"),
        (1500, "github handle gh-user0 also given on line 2"),
        (1500, "gitlab handle gl_user0 also given on line 2"),
        (2222, "unknown department 'physics' (use a department code or name)"),
        (2999, "malformed email 'not-an-email'"),
        (3001, "bad github handle 'bad--handle!': not a valid github login"),
    ]
    assert StudentProfile.objects.count() == 0
    assert User.objects.count() == users_before
    assert RosterHint.objects.count() == 0
    assert AuditEvent.objects.filter(action="roster_import_refused").count() == 1


def test_3000_valid_rows_import_in_one_go_with_hints_not_links(departments, django_assert_max_num_queries):
    with django_assert_max_num_queries(200):  # bulk reads and writes in chunks of 500, never one per row
        result = roster_import(data=roster(*big_roster(3000)).encode(), actor=None)
    assert result.applied and result.created == 3000 and result.hints == 6000
    assert StudentProfile.objects.filter(department__code="math").count() == 1500
    assert RosterHint.objects.filter(platform="github", login="gh-user7").get().student.student_id == "2026000007"
    assert ForgeIdentity.objects.count() == 0  # a roster handle is never a verified link
    assert Group.objects.get(name=Role.STUDENT).user_set.count() == 3000


def test_gb18030_roster_with_chinese_names_and_department_names_imports(departments):
    data = roster("2026000001,王小明,wxm@example.edu.cn,计算机学院,wangxm,,",
                  "2026000002,李华,lh@example.edu.cn,数学学院,,lihua,").encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the file really is not UTF-8
    result = roster_import(data=data, actor=None)
    assert result.applied and result.encoding == "gb18030"
    wang = StudentProfile.objects.get(student_id="2026000001")
    assert (wang.name, wang.department.code, wang.user.display_name) == ("王小明", "cs", "王小明")
    assert RosterHint.objects.get(student__student_id="2026000002").login == "lihua"


def test_utf8_bom_roster_reads_the_first_column_name_correctly(departments):
    data = "\ufeff".encode() + roster("2026000001,张三,zs@example.edu.cn,cs,,,").encode("utf-8")
    result = roster_import(data=data, actor=None)
    assert result.applied and result.encoding == "utf-8-sig"
    assert StudentProfile.objects.get().student_id == "2026000001"


def test_chinese_headers_and_minimal_columns_are_accepted(departments):
    data = roster("2026000001,张三,zs@example.edu.cn,Computer Science", header="学号,姓名,邮箱,院系").encode()
    assert roster_import(data=data, actor=None).applied
    assert StudentProfile.objects.get().department.code == "cs"


def test_reimport_updates_students_and_hints_and_never_duplicates(departments):
    roster_import(data=roster("2026000001,张三,zs@example.edu.cn,cs,zhang3,,",
                              "2026000002,李四,ls@example.edu.cn,cs,,,").encode(), actor=None)
    result = roster_import(data=roster("2026000001,张三丰,zsf@example.edu.cn,math,,zhang-gitee,",
                                       "2026000002,李四,ls@example.edu.cn,cs,,,",
                                       "2026000003,王五,ww@example.edu.cn,cs,,,").encode(), actor=None)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 1)
    assert StudentProfile.objects.count() == 3 and User.objects.filter(username__startswith="2026").count() == 3
    zhang = StudentProfile.objects.get(student_id="2026000001")
    assert (zhang.name, zhang.department.code, zhang.user.email) == ("张三丰", "math", "zsf@example.edu.cn")
    assert set(zhang.roster_hints.values_list("platform", "login")) == {("gitee", "zhang-gitee")}


def test_missing_header_column_is_a_line_one_error(departments):
    result = roster_import(data=b"student_id,name,department\n2026000001,A,cs\n", actor=None)
    assert not result.applied
    assert result.errors[0].line == 1 and "email" in result.errors[0].message


@pytest.mark.parametrize("data, expected", [
    ("\ufeffstudent_id".encode("utf-16"), "UTF-16"),
    (b"", "empty"),
    (HEADER.encode() + b"\n", "no student rows"),
    (HEADER.encode() + b"\n\x81\x30\x81\xff,x\n", "neither UTF-8 nor GB18030"),
])
def test_unreadable_files_are_refused_with_a_reason(departments, data, expected):
    result = roster_import(data=data, actor=None)
    assert not result.applied and expected in str(result.errors[0])


def test_row_with_too_many_fields_is_reported(departments):
    result = roster_import(data=roster("2026000001,A,a@x.cn,cs,,,,extra").encode(), actor=None)
    assert [str(e) for e in result.errors] == ["line 2: 8 fields, the header has 7"]


def test_overlong_name_and_email_are_per_line_errors_not_a_database_error(departments):
    long_email = "a" * 250 + "@x.cn"  # 255 characters; Django's email validator alone lets it through
    result = roster_import(data=roster(f"2026000001,{'名' * 151},a@x.cn,cs,,,",
                                       f"2026000002,B,{long_email},cs,,,",
                                       f"2026000003,{'名' * 150},ok@x.cn,cs,,,").encode(), actor=None)
    assert [str(e) for e in result.errors] == [
        "line 2: name is 151 characters long, at most 150",
        "line 3: email is 255 characters long, at most 254",
    ]
    assert not StudentProfile.objects.exists()


def test_student_id_of_a_staff_username_is_refused(departments):
    UserFactory(username="2026000001")
    result = roster_import(data=roster("2026000001,A,a@x.cn,cs,,,").encode(), actor=None)
    assert [e.line for e in result.errors] == [2] and "staff account" in result.errors[0].message


def test_successful_import_writes_one_audit_row_with_counts(departments):
    registrar = UserFactory(username="registrar")
    roster_import(data=roster("2026000001,A,a@x.cn,cs,,,").encode(), actor=registrar)
    event = AuditEvent.objects.get(action="roster_import")
    assert event.actor == registrar and event.data["created"] == 1 and len(event.data["sha256"]) == 64


def test_command_prints_each_bad_line_and_exits_non_zero(departments, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(roster("2026000001,A,bad,cs,,,", "2026000001,B,b@x.cn,nowhere,,,"), encoding="utf-8")
    with pytest.raises(CommandError, match="3 error"):
        call_command("import_roster", str(path), "--lang", "en")
    err = capsys.readouterr().err
    assert f"{path}:2: malformed email 'bad'" in err
    assert f"{path}:3: duplicate student id 2026000001 (first on line 2)" in err
    assert f"{path}:3: unknown department 'nowhere'" in err
    assert StudentProfile.objects.count() == 0


def test_command_imports_a_good_file(departments, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(roster("2026000001,王小明,w@x.cn,计算机学院,,,").encode("gb18030"))
    call_command("import_roster", str(path))
    assert "1 名学生（gb18030）：新建 1" in capsys.readouterr().out


def test_upload_page_lists_errors_for_registrar_and_imports_nothing(departments, client):
    registrar = UserFactory(username="registrar")
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    client.force_login(registrar)
    bad = roster("2026000001,A,bad,cs,,,").encode()
    page = client.post("/roster/import/", {"file": SimpleUploadedFile("r.csv", bad, "text/csv")},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "malformed email" in page.content.decode() and StudentProfile.objects.count() == 0
    good = roster("2026000001,A,a@x.cn,cs,,,").encode()
    done = client.post("/roster/import/", {"file": SimpleUploadedFile("r.csv", good, "text/csv")})
    assert done.status_code == 302 and StudentProfile.objects.count() == 1


def test_upload_page_is_forbidden_to_students(departments, client):
    someone = UserFactory()
    role_grant(user=someone, role=Role.STUDENT, actor=None)
    client.force_login(someone)
    assert client.get("/roster/import/").status_code == 403


def test_reasons_are_in_chinese_by_default(departments):
    with translation.override("zh-hans"):
        result = roster_import(data=roster("2026000001,张三,bad,物理,,,").encode(), actor=None)
        assert [str(e) for e in result.errors] == [
            "第 2 行：邮箱“bad”格式有误",
            "第 2 行：未知院系“物理”（请填写院系代码或名称）",
        ]


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["1 名学生（utf-8）：新建 1", "已新建 1 个院系；请用 import_departments 为其命名",
                 ":2: 邮箱“bad”格式有误",
                 "1 处错误；未导入任何数据", "：文件大小 0.0 MB，超过 0 MB；请拆分后上传", "无法读取 ",
                 "：文件不存在"]),
    ("en", ["1 students (utf-8): 1 created", "1 department(s) created; name them with import_departments",
            ":2: malformed email 'bad'", "1 error(s) in ", ": the file is 0.0 MB, more than 0 MB; split it",
            "cannot read ", ": no such file"]),
])
def test_each_run_of_import_roster_speaks_one_language(departments, tmp_path, monkeypatch, language, words):
    from io import StringIO

    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(roster("2026000001,张三,z@x.cn,physics,,,"), encoding="utf-8")
    bad.write_text(roster("2026000002,李四,bad,cs,,,"), encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_roster", str(good), "--create-departments", "--lang", language, stdout=out)
    printed = out.getvalue()
    for path in (bad, tmp_path / "missing.csv", good):
        if path == good:
            monkeypatch.setattr("accounts.management.commands.import_roster.MAX_BYTES", 10)
        with pytest.raises(CommandError) as refused:
            call_command("import_roster", str(path), "--lang", language, stdout=StringIO(), stderr=err)
        printed += str(refused.value) + "\n"
    printed += err.getvalue()
    for word in words:
        assert word in printed
    assert_one_language(printed, language, data=("import_departments",))
