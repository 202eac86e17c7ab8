"""export_credits and export_batches: files written, exactly once, clear refusals that export nothing."""
from __future__ import annotations

import csv
import hashlib
import io
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credits.models import ExportBatch
from tests.credits.export_helpers import approved_record, export_term
from tests.factories import UserFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args, lang: str = "en") -> str:
    out = StringIO()
    call_command(*args, "--lang", lang, stdout=out)
    return out.getvalue()


def test_export_credits_writes_the_stored_bytes_and_prints_the_path(tmp_path):
    term = export_term()
    approved_record(term=term, name="张三")
    UserFactory(username="jwc")
    out = tmp_path / "batch.csv"
    printed = run("export_credits", "--term", "2026-autumn", "--out", str(out), "--by", "jwc")
    batch = ExportBatch.objects.get()
    data = out.read_bytes()
    assert data == batch.file.open("rb").read() and hashlib.sha256(data).hexdigest() == batch.sha256
    assert printed.strip().endswith(str(out)) and f"batch {batch.id}: 1 rows" in printed
    assert batch.created_by.username == "jwc"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[1][4] == "张三"
    again = run("export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "again.csv"))
    assert "nothing to export for term 2026-autumn" in again and not (tmp_path / "again.csv").exists()
    assert ExportBatch.objects.count() == 1


def test_export_credits_xlsx_reads_back_in_openpyxl(tmp_path):
    term = export_term()
    record = approved_record(term=term, name="=cmd|' /C calc'!A0")
    out = tmp_path / "batch.xlsx"
    run("export_credits", "--term", "2026-autumn", "--out", str(out), "--xlsx")
    sheet = openpyxl.load_workbook(out).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[2]]
    assert row[header.index("record_id")] == record.id
    assert row[header.index("student_name")] == "'=cmd|' /C calc'!A0"
    assert sheet.cell(2, header.index("student_id") + 1).data_type == "s"
    assert ExportBatch.objects.get().file_type == "xlsx"


def test_export_credits_gb18030(tmp_path):
    term = export_term()
    approved_record(term=term, name="𠮷田")
    out = tmp_path / "gb.csv"
    run("export_credits", "--term", "2026-autumn", "--out", str(out), "--encoding", "gb18030")
    assert list(csv.reader(io.StringIO(out.read_bytes().decode("gb18030"), newline="")))[1][4] == "𠮷田"


@pytest.mark.parametrize("extra, message", [
    (["--term", "2031-spring"], "unknown term '2031-spring'"),
    (["--format", "nope"], "unknown export format 'nope'"),
    (["--encoding", "latin-1"], "unknown encoding 'latin-1'"),
    (["--xlsx", "--encoding", "gb18030"], "XLSX file has no encoding option"),
    (["--by", "nobody"], "no user 'nobody'"),
])
def test_export_credits_refuses_bad_input_and_exports_nothing(tmp_path, extra, message):
    term = export_term()
    approved_record(term=term)
    args = ["export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "x.csv")]
    with pytest.raises(CommandError, match=message):
        run(*args, *extra)
    assert not ExportBatch.objects.exists() and not (tmp_path / "x.csv").exists()


def test_export_credits_checks_the_output_directory_before_claiming(tmp_path):
    approved_record(term=export_term())
    with pytest.raises(CommandError, match="is not a directory"):
        run("export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "missing" / "x.csv"))
    assert not ExportBatch.objects.exists()


def test_export_batches_lists_counts_checksums_and_booking(tmp_path):
    term = export_term()
    approved_record(term=term)
    approved_record(term=term)
    run("export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "a.csv"))
    batch = ExportBatch.objects.get()
    listing = run("export_batches")
    assert f"{batch.id}  2026-autumn" in listing and batch.sha256 in listing and "not booked" in listing
    assert "  2  ready  " in listing
    UserFactory(username="jwc")
    with pytest.raises(CommandError, match="needs --by"):
        run("export_batches", "--book", str(batch.id))
    assert "booked by jwc" in run("export_batches", "--book", str(batch.id), "--by", "jwc", "--note", "已导入")
    assert "by jwc" in run("export_batches", "--term", "2026-autumn")
    with pytest.raises(CommandError, match="already booked"):
        run("export_batches", "--book", str(batch.id), "--by", "jwc")


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["共 1 行（default，csv/utf-8-sig）", "学期 2026-autumn 没有可导出的记录", "未知学期 '2031-spring'",
                 "不是目录；未导出任何数据", "编号  学期  创建时间", "已就绪", "未入账", "批次 {id} 已由 jwc 于",
                 "jwc 于", "批次 {id} 无法入账：已经入账", "没有导出批次 {missing}", "--book 需要 --by USERNAME"]),
    ("en", ["1 rows of 2026-autumn (default, csv/utf-8-sig)", "nothing to export for term 2026-autumn",
            "unknown term '2031-spring'", "is not a directory; nothing was exported", "id  term  created", "ready",
            "not booked", "batch {id} booked by jwc at", "by jwc", "batch {id} cannot be booked: it is already booked",
            "no export batch {missing}", "--book needs --by USERNAME"]),
])
def test_each_run_of_the_export_commands_speaks_one_language(tmp_path, language, words):
    term = export_term()
    approved_record(term=term)
    UserFactory(username="jwc")
    printed = [run("export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "a.csv"), lang=language)]
    batch = ExportBatch.objects.get()
    ids = {"id": batch.id, "missing": batch.id + 1}
    printed += [run("export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "b.csv"), lang=language),
                run("export_batches", lang=language),
                run("export_batches", "--book", str(batch.id), "--by", "jwc", lang=language),
                run("export_batches", "--term", "2026-autumn", lang=language)]
    for args in (["export_credits", "--term", "2031-spring", "--out", str(tmp_path / "c.csv")],
                 ["export_credits", "--term", "2026-autumn", "--out", str(tmp_path / "missing" / "c.csv")],
                 ["export_batches", "--book", str(batch.id), "--by", "jwc"],
                 ["export_batches", "--book", str(batch.id + 1), "--by", "jwc"],
                 ["export_batches", "--book", str(batch.id)]):
        with pytest.raises(CommandError) as refused:
            run(*args, lang=language)
        printed.append(str(refused.value))
    text = "\n".join(printed)
    for word in words:
        assert word.format(**ids) in text
    assert_one_language(text, language, data=(str(tmp_path), batch.sha256, "2026-autumn", "2031-spring"))
