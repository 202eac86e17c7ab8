"""Reading the organisation CSVs (departments, staff) with the roster's decoder and per-line errors."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .roster_csv import RosterError, cell_problem, decode_roster


@dataclass
class Table:
    """Rows (line number, values by column) of a file whose header matched, and the file-level errors."""

    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)
    encoding: str = ""


def read_table(data: bytes, columns: tuple[str, ...], required: tuple[str, ...]) -> Table:
    """Decode (UTF-8, BOM, GB18030), check the header is exactly `columns` (any order), return stripped rows."""
    try:
        text, encoding = decode_roster(data)
    except UnicodeError as exc:
        return Table(errors=[RosterError(1, str(exc))])
    table = Table(encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        table.errors.append(RosterError(1, _("the file is empty")))
        return table
    except csv.Error as exc:
        table.errors.append(RosterError(1, _("unreadable CSV: %(error)s") % {"error": exc}))
        return table
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in columns]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if missing or unknown or repeated:
        bad = ", ".join(missing + unknown + repeated)
        table.errors.append(RosterError(1, _("the header must be %(expected)s (problem: %(columns)s)")
                                        % {"expected": ",".join(columns), "columns": bad}))
        return table
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            table.errors.append(RosterError(start, _("unreadable CSV: %(error)s") % {"error": exc}))
            break
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            table.errors.append(RosterError(start, _("%(n)s fields, the header has %(m)s")
                                            % {"n": len(cells), "m": len(header)}))
            continue
        values = {c: "" for c in columns} | {name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)}
        bad_cells = [(c, problem) for c in columns if (problem := cell_problem(values[c]))]
        if bad_cells:  # control characters, bidi overrides and line breaks never reach a name or a code
            table.errors.extend(RosterError(start, _("%(field)s: %(why)s") % {"field": c, "why": problem})
                                for c, problem in bad_cells)
            continue
        missing_values = [c for c in required if not values[c]]
        if missing_values:
            table.errors.extend(RosterError(start, _("missing %(field)s") % {"field": c}) for c in missing_values)
            continue
        table.rows.append((start, values))
    if not table.rows and not table.errors:
        table.errors.append(RosterError(1, _("the file has a header but no rows")))
    return table
