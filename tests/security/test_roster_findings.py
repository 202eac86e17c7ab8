"""Findings: rosters in Big5/Shift-JIS imported as scrambled names, NUL bytes gave 500s, case split people."""
from __future__ import annotations

import tracemalloc
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import StudentProfile, User
from accounts.roles import Role
from accounts.services.roles import role_grant
from accounts.services.roster import roster_import
from credits.models import AuditEvent
from tests.factories import DepartmentFactory, UserFactory, student

pytestmark = [pytest.mark.security, pytest.mark.django_db, pytest.mark.usefixtures("english")]
HEADER = "student_id,name,email,department"


@pytest.fixture
def cs():
    return DepartmentFactory(code="cs", name="计算机学院", name_en="Computer Science")


def roster(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def messages(result) -> str:
    return " | ".join(str(e) for e in result.errors)


@pytest.mark.parametrize("encoding, names", [
    ("big5", ["陳大文", "李小龍", "張學友"]),
    ("shift_jis", ["山田太郎", "佐藤花子", "鈴木一郎"]),
    # A few Korean names are indistinguishable from GB18030 text by any detector; a real roster is longer.
    ("euc_kr", "김민준 이서연 박지훈 최수아 정우진 강하은 조민서 윤도현 장예린 임준호".split() * 20),
])
def test_a_roster_in_another_cjk_encoding_is_refused_with_a_hint(cs, encoding, names):
    rows = [f"2026{i:06d},{name},s{i}@example.edu.cn,cs" for i, name in enumerate(names)]
    result = roster_import(data=roster(*rows).encode(encoding), actor=None)
    assert not result.applied and "UTF-8" in messages(result)
    assert not StudentProfile.objects.exists()


@pytest.mark.parametrize("names", [["王小明", "李华"], ["张三"], ["赵喆", "孙堃", "刘昇", "钱犇"]])
def test_genuine_gb18030_rosters_still_import(cs, names):
    rows = [f"2026{i:06d},{name},s{i}@example.edu.cn,计算机学院" for i, name in enumerate(names)]
    result = roster_import(data=roster(*rows).encode("gb18030"), actor=None)
    assert result.applied and result.encoding == "gb18030", messages(result)
    assert sorted(StudentProfile.objects.values_list("name", flat=True)) == sorted(names)


@pytest.mark.parametrize("cell, column", [
    ("王\x00小明", "name"), ("王\x07小明", "name"), ("王\x1b[31m小明", "name"), ("王\u202e明小", "name"),
    ('"王\n小明"', "name"), ("王\u2028小明", "name"), ("2026\x00000001", "student_id"),
])
def test_control_characters_bidi_overrides_and_line_breaks_are_refused_per_line(cs, cell, column):
    values = {"student_id": "2026000001", "name": "王小明", "email": "w@example.edu.cn", "department": "cs"}
    values[column] = cell
    result = roster_import(data=roster(",".join(values.values())).encode(), actor=None)
    assert not result.applied and result.errors[0].line == 2, messages(result)
    assert "\x00" not in messages(result) and "\u202e" not in messages(result)
    refusal = AuditEvent.objects.get(action="roster_import_refused")
    assert "\x00" not in str(refusal.data)


def test_a_nul_byte_in_an_uploaded_roster_is_a_listed_error_not_a_500(client, cs):
    registrar = UserFactory(username="registrar")
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    client.force_login(registrar)
    upload = SimpleUploadedFile("r.csv", roster("2026000001,王\x00小明,w@example.edu.cn,cs").encode())
    response = client.post("/roster/import/", {"file": upload}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "control character (U+0000)" in response.content.decode()
    assert AuditEvent.objects.filter(action="roster_import_refused").exists()


def test_a_nul_byte_in_a_roster_file_is_a_command_error(tmp_path, cs):
    path = tmp_path / "r.csv"
    path.write_bytes(roster("2026000001,王\x00小明,w@example.edu.cn,cs").encode())
    with pytest.raises(CommandError):
        call_command("import_roster", str(path), stdout=StringIO(), stderr=StringIO())


def test_nul_in_a_url_path_is_a_404_and_in_a_query_a_400(client):
    profile = student(student_id="202600002")
    registrar = UserFactory(username="registrar")
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    client.force_login(registrar)
    assert client.get(f"/students/{profile.student_id}%00/").status_code == 404
    assert client.get("/students/", {"q": "\x00"}).status_code == 400
    assert client.get("/students/?q=%00").status_code == 400


@pytest.mark.parametrize("sid", ["REGISTRAR", "Operator", "registrar"])
def test_staff_usernames_are_refused_as_student_ids_whatever_the_case(cs, sid):
    UserFactory(username="registrar")
    UserFactory(username="operator")
    result = roster_import(data=roster(f"{sid},王小明,w@example.edu.cn,cs").encode(), actor=None)
    assert not result.applied and "staff account" in messages(result)


def test_student_ids_differing_only_in_case_are_one_student_in_a_file(cs):
    result = roster_import(data=roster("X209900020,王小明,w@example.edu.cn,cs",
                                       "x209900020,王小明,w2@example.edu.cn,cs").encode(), actor=None)
    assert not result.applied and "duplicate student id" in messages(result)


def test_a_student_id_in_another_case_updates_the_same_student(cs):
    assert roster_import(data=roster("X209900020,王小明,w@example.edu.cn,cs").encode(), actor=None).applied
    result = roster_import(data=roster("x209900020,王小明,new@example.edu.cn,cs").encode(), actor=None)
    assert result.applied and result.updated == 1 and result.created == 0
    assert StudentProfile.objects.get().user.email == "new@example.edu.cn"
    assert User.objects.count() == 1


def test_a_50_mb_roster_is_refused_without_reading_it_into_memory(tmp_path, cs):
    path = tmp_path / "big.csv"
    row = "2026000001,王小明,w@example.edu.cn,cs\n".encode()
    with path.open("wb") as out:
        out.write((HEADER + "\n").encode())
        for _ in range(50 * 1024 * 1024 // len(row) + 1):
            out.write(row)
    tracemalloc.start()
    try:
        with pytest.raises(CommandError) as caught:
            call_command("import_roster", str(path), stdout=StringIO(), stderr=StringIO())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 * 1024 * 1024 and "MB" in str(caught.value)
