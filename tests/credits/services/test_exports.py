"""Export service: exactly-once claims, stored bytes and checksums, corrections in later batches, faults."""
from __future__ import annotations

import csv
import hashlib
import io
from decimal import Decimal

import pytest
from django.utils import translation

from credits.exporting.cells import UnwritableCell
from credits.exporting.formats import FormatError
from credits.models import AuditEvent, BatchStatus, CreditRecord, ExportBatch
from credits.services import exports
from credits.services.exports import (
    BatchNotReady,
    ExportRefused,
    NothingToExport,
    batch_book,
    batch_create,
    batch_download,
    batch_render,
    term_for_export,
)
from tests.credits.export_helpers import adjustment_of, approved_record, export_term, revocation_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the default, Chinese, is tested below."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def export(term, **kwargs) -> ExportBatch:
    batch = batch_create(term=term, actor=UserFactory(username="registrar"), **kwargs)
    return batch_render(batch_id=batch.id)


def read_csv(batch: ExportBatch, encoding: str = "utf-8-sig") -> list[list[str]]:
    with batch.file.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode(encoding), newline="")))


def test_batch_books_every_approved_record_once_with_the_default_columns():
    term = export_term()
    first = approved_record(term=term, name="张三", credits="1.5")
    second = approved_record(term=term, name="Zoë O'Brien-Łukasz 𠀀", credits="2")
    batch = export(term)
    rows = read_csv(batch)
    assert rows[0] == ["batch_id", "record_id", "kind", "student_id", "student_name", "department", "term",
                       "course_code", "credit_category", "credits", "grade", "policy_version", "approved_by",
                       "approved_at", "evidence_urls", "original_record_id"]
    assert [r[1] for r in rows[1:]] == [str(first.id), str(second.id)]
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row | {"evidence_urls": ""} == {
        "batch_id": str(batch.id), "record_id": str(first.id), "kind": "credit",
        "student_id": first.student.student.student_id, "student_name": "张三",
        "department": first.student.student.department.name, "term": "2026-autumn", "course_code": "AI101",
        "credit_category": "创新实践学分", "credits": "1.50", "grade": "合格", "policy_version": "export-1",
        "approved_by": "prof_wang", "approved_at": "2026-12-20 10:30:00", "evidence_urls": "",
        "original_record_id": ""}
    assert row["evidence_urls"].startswith("https://example.invalid/")
    assert rows[2][4] == "Zoë O'Brien-Łukasz 𠀀"
    assert batch.row_count == 2 and batch.status == BatchStatus.READY
    assert set(CreditRecord.objects.values_list("export_batch_id", flat=True)) == {batch.id}
    with pytest.raises(NothingToExport):
        batch_create(term=term, actor=None)
    assert ExportBatch.objects.count() == 1


def test_file_is_crlf_bom_utf8_and_its_checksum_is_stored():
    term = export_term()
    approved_record(term=term, name='He said "hi", then\nleft')
    batch = export(term)
    data = batch.file.open("rb").read()
    # Two records end in CRLF (header, row); the line feed inside the quoted name stays as it was.
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == 2 and data.endswith(b"\r\n")
    assert hashlib.sha256(data).hexdigest() == batch.sha256
    assert b'"He said ""hi"", then\nleft"' in data


def test_gb18030_file_reads_back_exactly():
    term = export_term()
    names = ["欧阳娜娜", "𠮷野家", "Ǹ·阿依古丽"]
    for name in names:
        approved_record(term=term, name=name)
    batch = export(term, encoding="gb18030")
    data = batch.file.open("rb").read()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert [r[4] for r in read_csv(batch, "gb18030")[1:]] == names


def test_named_format_from_data_sets_headers_order_encoding_and_kind_words():
    term = export_term()
    record = approved_record(term=term, name="李四")
    batch = export(term, format_name="registrar-zh")
    rows = read_csv(batch, "gb18030")
    assert batch.encoding == "gb18030" and rows[0][:3] == ["学号", "姓名", "院系"]
    assert rows[1][1] == "李四" and rows[1][rows[0].index("类型")] == "认定"
    assert rows[1][rows[0].index("记录号")] == str(record.id)


def test_download_returns_the_stored_bytes_every_time_and_is_audited():
    term = export_term()
    approved_record(term=term)
    batch = export(term)
    registrar = UserFactory(username="registrar")
    reads = []
    for _ in range(2):
        _batch, handle = batch_download(batch_id=batch.id, actor=registrar, ip="10.0.0.1")
        with handle:
            reads.append(handle.read())
    assert reads[0] == reads[1] == batch.file.open("rb").read()
    actions = list(AuditEvent.objects.filter(subject_type="export_batch").values_list("action", flat=True))
    assert actions == ["export_create", "export_ready", "export_download", "export_download"]


def test_a_batch_still_rendering_cannot_be_downloaded():
    term = export_term()
    approved_record(term=term)
    batch = batch_create(term=term, actor=None)
    with pytest.raises(BatchNotReady, match="download it once it is ready"):
        batch_download(batch_id=batch.id, actor=None)


def test_a_tampered_file_is_refused():
    term = export_term()
    approved_record(term=term)
    batch = export(term)
    with open(batch.file.path, "ab") as handle:
        handle.write(b"extra,row\r\n")
    with pytest.raises(exports.BatchTampered):
        batch_download(batch_id=batch.id, actor=None)


def test_booking_records_who_when_and_a_note_once():
    term = export_term()
    approved_record(term=term)
    batch = export(term)
    registrar = UserFactory(username="registrar")
    booked = batch_book(batch_id=batch.id, actor=registrar, note="教务系统已导入 2026-12-31")
    assert booked.booked_by == registrar and booked.booked_at and booked.booked_note.startswith("教务系统")
    with pytest.raises(ExportRefused, match="already booked"):
        batch_book(batch_id=batch.id, actor=registrar)
    assert AuditEvent.objects.filter(action="export_book", subject_id=str(batch.id)).count() == 1


def test_adjustments_and_revocations_after_export_come_in_later_batches_with_the_original_id():
    term = export_term()
    original = approved_record(term=term, credits="1.5")
    first = export(term)
    before = first.file.open("rb").read()
    raise_to = adjustment_of(original, target="2")
    second = export(term)
    # Revoking the original revokes its booked adjustment too: each gets its own cancelling revocation.
    revoked, revoked_raise = revocation_of(original)
    third = export(term)
    assert first.file.open("rb").read() == before and first.sha256 == hashlib.sha256(before).hexdigest()
    (adj,) = read_csv(second)[1:]
    header = read_csv(second)[0]
    get = lambda row, col: row[header.index(col)]  # noqa: E731
    assert (get(adj, "record_id"), get(adj, "kind"), get(adj, "credits"), get(adj, "original_record_id")) == (
        str(raise_to.id), "adjustment", "0.50", str(original.id))
    revocations = [(get(r, "record_id"), get(r, "kind"), get(r, "credits"), get(r, "original_record_id"))
                   for r in read_csv(third)[1:]]
    assert revocations == [(str(revoked.id), "revocation", "-1.50", str(original.id)),
                           (str(revoked_raise.id), "revocation", "-0.50", str(raise_to.id))]
    assert sum(Decimal(r[2]) for r in revocations) == Decimal("-2.00")  # all the booked credit, cancelled
    assert CreditRecord.objects.get(id=original.id).export_batch_id == first.id


def test_unknown_term_format_and_encoding_are_refused_and_create_nothing():
    term = export_term()
    approved_record(term=term)
    with pytest.raises(ExportRefused, match="unknown term '2031-spring'"):
        term_for_export("2031-spring")
    with pytest.raises(FormatError, match="unknown export format 'nope'; known: default, registrar-zh"):
        batch_create(term=term, actor=None, format_name="nope")
    with pytest.raises(FormatError, match="unknown encoding 'latin-1'"):
        batch_create(term=term, actor=None, encoding="latin-1")
    assert not ExportBatch.objects.exists() and not CreditRecord.objects.filter(export_batch__isnull=False).exists()


def test_a_name_the_encoding_cannot_hold_names_the_record_and_exports_nothing(monkeypatch, settings, tmp_path):
    # Python's GB18030 codec encodes every Unicode scalar value and neither database stores a lone surrogate,
    # so a narrower codec (ASCII) stands in for it in the one check the claim must roll back on.
    settings.EXPORT_FORMATS_DIR = str(tmp_path)
    (tmp_path / "names.yaml").write_text("title: names\ncolumns: [{column: record_id}, {column: student_name}]\n")
    term = export_term()
    approved_record(term=term, name="Ada")
    bad = approved_record(term=term, name="王小明")
    real_check = exports.check_cells
    monkeypatch.setattr(exports, "check_cells", lambda *a, **k: real_check(*a, **{**k, "encoding": "ascii"}))
    with pytest.raises(UnwritableCell, match=f"record {bad.id}: student_name '王小明' contains '王'"):
        batch_create(term=term, actor=None, format_name="names", encoding="gb18030")
    assert not ExportBatch.objects.exists()
    assert not CreditRecord.objects.filter(export_batch__isnull=False).exists()


def test_a_crash_inside_the_claim_leaves_every_record_exportable(monkeypatch):
    term = export_term()
    approved_record(term=term)
    monkeypatch.setattr(exports, "audit_record", lambda **kw: (_ for _ in ()).throw(RuntimeError("worker killed")))
    with pytest.raises(RuntimeError, match="worker killed"):
        batch_create(term=term, actor=None)
    assert not ExportBatch.objects.exists()
    assert CreditRecord.objects.filter(export_batch__isnull=True).count() == 1


def test_a_render_that_dies_midway_is_rendered_again_to_the_same_rows(monkeypatch):
    term = export_term()
    for _ in range(3):
        approved_record(term=term)
    batch = batch_create(term=term, actor=None)
    real = exports.safe_row
    calls = {"n": 0}

    def dying(cells, numeric):
        calls["n"] += 1
        if calls["n"] == 2:
            raise MemoryError("worker killed mid-render")
        return real(cells, numeric)

    monkeypatch.setattr(exports, "safe_row", dying)
    with pytest.raises(MemoryError):
        batch_render(batch_id=batch.id)
    assert ExportBatch.objects.get(id=batch.id).status == BatchStatus.FAILED
    exports.batch_retry(batch_id=batch.id, actor=None)
    monkeypatch.setattr(exports, "safe_row", real)
    done = batch_render(batch_id=batch.id)
    assert done.status == BatchStatus.READY and len(read_csv(done)) == 4
    assert CreditRecord.objects.filter(export_batch=batch).count() == 3


def test_every_column_a_format_may_choose_has_its_value(settings, tmp_path):
    from credits.exporting.formats import COLUMNS

    settings.EXPORT_FORMATS_DIR = str(tmp_path)
    columns = "".join(f"  - column: {name}\n" for name in COLUMNS)
    (tmp_path / "everything.yaml").write_text(f"title: every column\ncolumns:\n{columns}", encoding="utf-8")
    term = export_term()
    original = approved_record(term=term, name="张三", evidence=2)
    export(term)
    fix = adjustment_of(original, target="2.5")
    batch = export(term, format_name="everything")
    header, row = read_csv(batch)
    got = dict(zip(header, row, strict=True))
    profile = original.student.student
    assert got | {"evidence_urls": "", "approved_at": ""} == {
        "batch_id": str(batch.id), "record_id": str(fix.id), "original_record_id": str(original.id),
        "kind": "adjustment", "student_id": profile.student_id, "student_name": "张三",
        "department": profile.department.name, "department_code": profile.department.code,
        "department_en": profile.department.name_en, "term": "2026-autumn", "term_name": "2026-autumn 学期",
        "course_code": "AI101", "course_name": "开源实践", "course_name_en": "Open source practice",
        "credit_category": "创新实践学分", "credits": "1.00", "grade": "合格", "policy_version": "export-1",
        "approved_by": "prof_wang", "approved_by_name": "王老师", "approved_at": "", "evidence_urls": ""}
    assert got["evidence_urls"] == ""  # an adjustment has no credited lines of its own
    first = read_csv(ExportBatch.objects.get(id=CreditRecord.objects.get(id=original.id).export_batch_id))
    urls = dict(zip(first[0], first[1], strict=True))["evidence_urls"].split(" ")
    lines = original.lines.order_by("position").values_list("contribution__url", flat=True)
    assert urls == list(lines) and len(urls) == 2


def test_refusals_are_in_chinese_by_default():
    term = export_term()
    with translation.override("zh-hans"):
        with pytest.raises(ExportRefused, match="未知学期 '2031-spring'（已有学期：2026-autumn）"):
            term_for_export("2031-spring")
        with pytest.raises(NothingToExport, match="学期 2026-autumn 没有可导出的记录"):
            batch_create(term=term, actor=None)
        with pytest.raises(FormatError, match="未知的导出格式 'nope'；可用格式：default, registrar-zh"):
            batch_create(term=term, actor=None, format_name="nope")
