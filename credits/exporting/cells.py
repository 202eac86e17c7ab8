"""Cells a registrar can open safely: formula injection neutralised (OWASP), characters checked before export."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

# OWASP CSV injection: a cell starting with one of these is read as a formula (or splits the cell) by spreadsheets.
FORMULA_STARTS = frozenset("=+-@\t\r\n")
SIGNED_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?\Z")


def is_number(value: str) -> bool:
    """True for a plain (optionally signed) decimal number such as -1.50 or 85."""
    return bool(SIGNED_NUMBER.match(value))


def safe_cell(value: str, *, numeric: bool) -> str:
    """Prefix a leading formula character with a quote, except a signed number in a numeric column."""
    if value[:1] in FORMULA_STARTS and not (numeric and is_number(value)):
        return "'" + value
    return value


# A cell start (row start or after the NUL we join cells with) followed by a formula character.
_RISKY_START = re.compile("(?:^|\x00)[=+\\-@\t\r\n]")


def safe_row(cells: Sequence, numeric: list[bool]) -> Sequence:
    """safe_cell over a row's text cells (numbers and None pass).

    Nearly every row is harmless, so one join and one regex search (both C) decide whether any cell needs a
    look; a false alarm (a NUL inside a value) only costs the slow path, which is always correct.
    """
    if not _RISKY_START.search("\x00".join(map(str, cells))):
        return cells
    return [safe_cell(v, numeric=n) if type(v) is str and v[:1] in FORMULA_STARTS else v
            for v, n in zip(cells, numeric, strict=True)]


class UnwritableCell(ValueError):
    """A cell cannot be written in the chosen encoding or file type; names the record and column."""

    def __init__(self, record_id: int, column: str, value: str, why: str):
        self.record_id, self.column = record_id, column
        super().__init__(_("record %(id)s: %(column)s %(value)r %(why)s; nothing was exported")
                         % {"id": record_id, "column": column, "value": value, "why": why})


def check_cells(record_id: int, columns: Sequence[str], cells: Sequence, *, encoding: str, xlsx: bool) -> None:
    """Raise UnwritableCell for the first text cell the file could not hold faithfully (numbers always fit)."""
    for column, value in zip(columns, cells, strict=True):
        if type(value) is not str:
            continue
        if xlsx:
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise UnwritableCell(record_id, column, value, _("contains a control character XLSX cannot hold"))
            continue
        try:
            value.encode(encoding)
        except UnicodeEncodeError as exc:
            bad = value[exc.start]
            raise UnwritableCell(record_id, column, value,
                                 _("contains %(char)r (U+%(code)04X), which %(encoding)s cannot encode")
                                 % {"char": bad, "code": ord(bad), "encoding": encoding}) from exc
