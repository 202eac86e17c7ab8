"""Formula-injection neutralising (OWASP) and the per-cell checks made before a batch is claimed."""
from __future__ import annotations

import pytest
from django.utils import translation

from credits.exporting.cells import UnwritableCell, check_cells, safe_cell, safe_row


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the default, Chinese, is tested below."""
    with translation.override("en"):
        yield


@pytest.mark.parametrize("value", ["=1+1", "+86 138", "-2+3", "@SUM(A1)", "\tTAB", "\rCR", "\nLF",
                                   "=HYPERLINK(\"http://x\",\"y\")", "-", "+"])
def test_formula_starts_are_quoted_in_text_columns(value):
    assert safe_cell(value, numeric=False) == "'" + value


@pytest.mark.parametrize("value", ["-1.50", "+2", "-0.5", "85"])
def test_signed_numbers_stay_numbers_in_numeric_columns(value):
    assert safe_cell(value, numeric=True) == value


@pytest.mark.parametrize("value", ["-1.50", "+2"])
def test_signed_numbers_in_text_columns_are_still_neutralised(value):
    assert safe_cell(value, numeric=False) == "'" + value


@pytest.mark.parametrize("value", ["-1+cmd|' /C calc'!A0", "=1", "-1e5", "--1", "+-2"])
def test_numeric_columns_neutralise_anything_that_is_not_a_plain_signed_number(value):
    assert safe_cell(value, numeric=True) == "'" + value


@pytest.mark.parametrize("value", ["张三", "O'Brien", "a=b", "1-2", "", "合格", " =leading space"])
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value, numeric=False) == value


def test_a_control_character_xlsx_cannot_hold_names_record_and_column():
    with pytest.raises(UnwritableCell, match=r"record 7: student_name 'a\\x01b' contains a control character"):
        check_cells(7, ["record_id", "student_name"], ["7", "a\x01b"], encoding="", xlsx=True)


def test_a_lone_surrogate_cannot_be_encoded_in_gb18030():
    with pytest.raises(UnwritableCell, match=r"record 3: student_name .* \(U\+D800\), which gb18030 cannot encode"):
        check_cells(3, ["student_name"], ["x\ud800"], encoding="gb18030", xlsx=False)


def test_the_refusal_is_in_chinese_by_default():
    refusal = r"记录 3：student_name 的值 .* 含有 gb18030 无法编码的字符 .*（U\+D800）；未导出任何数据"
    with translation.override("zh-hans"), pytest.raises(UnwritableCell, match=refusal):
        check_cells(3, ["student_name"], ["x\ud800"], encoding="gb18030", xlsx=False)


def test_every_script_passes_the_gb18030_check():
    check_cells(1, ["student_name"] * 4, ["𠀀𪚥", "Łukasz", "ئەنۋەر", "🙂"], encoding="gb18030", xlsx=False)


@pytest.mark.parametrize("row", [
    ("张三", "ok", 1), ("=1", "x", None), ("a", "\tb", 2), ("a", "b\x00=c", 3), ("x", "-1.5", 4), (None, "@", 5),
    ("a=b", "c+d", "e-f"),
])
def test_safe_row_matches_safe_cell_on_every_cell(row):
    numeric = [False, True, True]
    expected = [safe_cell(v, numeric=n) if isinstance(v, str) else v for v, n in zip(row, numeric, strict=True)]
    assert list(safe_row(row, numeric)) == expected
