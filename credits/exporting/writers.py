"""Streaming writers: RFC 4180 CSV with CRLF in UTF-8-BOM or GB18030, and XLSX with text cells typed as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import BinaryIO, Protocol

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from .cells import is_number


class RowWriter(Protocol):
    def writerow(self, cells: Sequence) -> None: ...

    def close(self) -> None: ...


class CsvRowWriter:
    """csv.writer over an encoding wrapper: quotes only where RFC 4180 needs to, lines end in CRLF, None is empty."""

    def __init__(self, out: BinaryIO, encoding: str):
        # utf-8-sig writes the byte-order mark Excel needs to read UTF-8; newline="" keeps our CRLF untouched.
        self._text = io.TextIOWrapper(out, encoding=encoding, errors="strict", newline="", write_through=False)
        self._writer = csv.writer(self._text, dialect="excel", lineterminator="\r\n")
        self.writerow = self._writer.writerow

    def close(self) -> None:
        self._text.flush()
        self._text.detach()


class XlsxRowWriter:
    """openpyxl's write-only workbook (streams to disk); numbers as numbers, everything else typed as text."""

    def __init__(self, out: BinaryIO, numeric: list[bool], title: str = "export"):
        self._out, self._numeric = out, numeric
        self._book = Workbook(write_only=True)
        self._book.properties.creator = "Xuefen"
        self._sheet = self._book.create_sheet(title[:31] or "export")
        self._header = True

    def writerow(self, cells: Sequence) -> None:
        row = []
        for value, numeric in zip(cells, self._numeric, strict=True):
            if value is None:
                value = ""
            if numeric and not self._header and (type(value) is not str or is_number(value)):
                row.append(WriteOnlyCell(self._sheet, value=value if type(value) is not str else Decimal(value)))
                continue
            cell = WriteOnlyCell(self._sheet, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            row.append(cell)
        self._header = False
        self._sheet.append(row)

    def close(self) -> None:
        self._book.save(self._out)


def row_writer(out: BinaryIO, *, xlsx: bool, encoding: str, numeric: list[bool], title: str = "") -> RowWriter:
    """The writer for a batch's file type."""
    if xlsx:
        return XlsxRowWriter(out, numeric, title)
    return CsvRowWriter(out, encoding)
