"""The files a registrar opens: CSV read back by Python's csv module, XLSX read back by openpyxl."""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from credits.exporting.cells import safe_cell
from credits.exporting.writers import row_writer

ROWS = [["record_id", "student_name", "credits", "grade"],
        ["1", "张三", "1.50", "合格"], ["2", "Zoë, \"the\"\r\nsecond", "-0.50", "85"],
        ["3", "=HYPERLINK(\"http://evil\")", "+2", "-1"], ["4", "𠀀𪚥 Łukasz ئەنۋەر", "0.00", "@x"]]
NUMERIC = [True, False, True, True]


def _render(*, xlsx: bool, encoding: str = "utf-8-sig") -> bytes:
    out = io.BytesIO()
    writer = row_writer(out, xlsx=xlsx, encoding=encoding, numeric=NUMERIC, title="2026-autumn")
    writer.writerow(ROWS[0])
    for row in ROWS[1:]:
        writer.writerow([safe_cell(v, numeric=n) for v, n in zip(row, NUMERIC, strict=True)])
    writer.close()
    return out.getvalue()


def _expected() -> list[list[str]]:
    return [ROWS[0]] + [[safe_cell(v, numeric=n) for v, n in zip(r, NUMERIC, strict=True)] for r in ROWS[1:]]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_reads_back_exactly_in_either_encoding(encoding):
    data = _render(xlsx=False, encoding=encoding)
    assert data.startswith(b"\xef\xbb\xbf") == (encoding == "utf-8-sig")
    assert list(csv.reader(io.StringIO(data.decode(encoding), newline=""))) == _expected()
    assert data.count(b"\r\n") == len(ROWS) + 1  # every record ends in CRLF, plus the one inside a quoted cell


def test_csv_neutralises_formulas_but_keeps_signed_numbers():
    rows = list(csv.reader(io.StringIO(_render(xlsx=False).decode("utf-8-sig"), newline="")))
    assert rows[3] == ["3", "'=HYPERLINK(\"http://evil\")", "+2", "-1"]
    assert rows[4][3] == "'@x"


def test_xlsx_reads_back_with_text_typed_as_text_and_numbers_as_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(_render(xlsx=True))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ROWS[0]
    assert values[1] == [1, "张三", 1.5, "合格"]
    # XML reads every line end inside a cell as LF (XML 1.0 §2.11); the rest of the text is unchanged.
    assert values[2][1] == "Zoë, \"the\"\nsecond" and values[2][2] == -0.5
    assert values[3][1] == "'=HYPERLINK(\"http://evil\")" and values[3][2] == 2 and values[3][3] == -1
    assert values[4][1] == "𠀀𪚥 Łukasz ئەنۋەر"
    types = {c.data_type for row in sheet.iter_rows(min_row=1) for c in row}
    assert "f" not in types
    assert sheet["B4"].data_type == "s" and sheet["C2"].data_type == "n"


def test_xlsx_never_writes_a_formula_even_for_unneutralised_text():
    out = io.BytesIO()
    writer = row_writer(out, xlsx=True, encoding="", numeric=[False], title="t")
    writer.writerow(["h"])
    writer.writerow(["=1+1"])
    writer.close()
    cell = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active["A2"]
    assert cell.value == "=1+1" and cell.data_type == "s"
