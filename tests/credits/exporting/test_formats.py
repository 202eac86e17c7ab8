"""Named export formats are data: validated like the policy, with the line of each problem."""
from __future__ import annotations

import pytest
from django.utils import translation

from credits.exporting.formats import FormatError, format_names, load_format, parse_format


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the Chinese ones are in tests/credits/services/test_exports.py."""
    with translation.override("en"):
        yield


def test_the_shipped_formats_load():
    assert {"default", "registrar-zh"} <= set(format_names())
    default = load_format("default")
    assert default.headers()[:3] == ["batch_id", "record_id", "kind"] and default.encoding == "utf-8-sig"
    assert load_format("registrar-zh").encoding == "gb18030"


def test_problems_name_file_line_and_field():
    text = "title: mine\nencoding: latin-1\ncolumns:\n  - column: student_id\n  - column: shoe_size\n"
    with pytest.raises(FormatError) as caught:
        parse_format(text, "mine.yaml", "mine")
    message = str(caught.value)
    assert "mine.yaml:2: encoding:" in message
    assert "mine.yaml:5: columns.1.column: unknown column 'shoe_size'" in message


def test_duplicate_headers_and_unknown_keys_are_refused():
    with pytest.raises(FormatError, match="header '学号' appears twice"):
        parse_format("title: t\ncolumns: [{column: student_id, header: 学号}, {column: record_id, header: 学号}]\n",
                     "t.yaml", "t")
    with pytest.raises(FormatError, match="t.yaml:2: colour: unknown key"):
        parse_format("title: t\ncolour: red\ncolumns: [{column: student_id}]\n", "t.yaml", "t")


def test_a_universitys_own_directory_adds_and_overrides_formats(settings, tmp_path):
    settings.EXPORT_FORMATS_DIR = str(tmp_path)
    (tmp_path / "default.yaml").write_text("title: ours\ncolumns: [{column: student_id, header: XH}]\n")
    (tmp_path / "broken.yaml").write_text("title: b\ncolumns: []\n")
    assert load_format("default").headers() == ["XH"]
    with pytest.raises(FormatError, match="broken.yaml:2: columns"):
        load_format("broken")
    with pytest.raises(FormatError, match="unknown export format '../default'"):
        load_format("../default")
