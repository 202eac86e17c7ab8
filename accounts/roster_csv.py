"""Reading a roster CSV: encodings, header, and the per-row checks that need no database."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from credits.forges.specs import SpecError, login_check

from .identifiers import normalize_student_id
from .models import StudentProfile, User
from .platforms import Platform
from .text_input import EncodingRefused, cell_problem, decode_roster, open_text, shown  # noqa: F401 (importers)

REQUIRED = ("student_id", "name", "email", "department")
HANDLES = tuple(Platform.values)  # github, gitee, gitlab
# Chinese headers registrars' spreadsheets commonly carry, mapped to ours.
ALIASES = {"学号": "student_id", "姓名": "name", "邮箱": "email", "电子邮箱": "email", "院系": "department"}
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# Logins as each forge allows them (GitHub: 39 chars, single inner hyphens; Gitee/GitLab: also _ and .).
# A value longer than its column is a DataError (a 500) on PostgreSQL; the name fills two columns.
NAME_MAX = min(StudentProfile._meta.get_field("name").max_length, User._meta.get_field("display_name").max_length)
EMAIL_MAX = User._meta.get_field("email").max_length


@dataclass(frozen=True)
class RosterError:
    """One problem, on one line of the file (1 is the header)."""

    line: int
    message: str

    def __str__(self) -> str:
        return _("line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class RosterRow:
    """A row that passed the file-level checks."""

    line: int
    student_id: str
    name: str
    email: str
    department: str
    handles: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedRoster:
    """The good rows, every row (for database checks), the errors, encoding and handle columns present."""

    rows: list[RosterRow]
    errors: list[RosterError]
    encoding: str
    handle_columns: tuple[str, ...] = ()
    candidates: list[RosterRow] = field(default_factory=list)


def _handle_error(platform: str, login: str) -> str | None:
    """Why a forge login is malformed, or None."""
    if "/" in login or ":" in login or " " in login:
        return _("bad %(platform)s handle '%(login)s': give the login only, not a URL or a path") % {
            "platform": platform, "login": shown(login)}
    try:
        login_check(platform, login)  # the forges' own syntax, the one parser every caller uses
    except SpecError:
        return _("bad %(platform)s handle '%(login)s': not a valid %(platform)s login") % {
            "platform": platform, "login": shown(login)}
    return None


def _check_row(line: int, values: dict[str, str], handle_columns: tuple[str, ...]) -> list[str]:
    """Per-row problems that need no database."""
    problems = [_("missing %(field)s") % {"field": name} for name in REQUIRED if not values.get(name)]
    sid = values.get("student_id", "")
    if sid and not STUDENT_ID.match(sid):
        problems.append(_("malformed student id '%(sid)s' (letters, digits, - or _, at most 32)")
                        % {"sid": shown(sid)})
    name = values.get("name", "")
    if len(name) > NAME_MAX:
        problems.append(_("name is %(length)s characters long, at most %(max)s")
                        % {"length": len(name), "max": NAME_MAX})
    email = values.get("email", "")
    if len(email) > EMAIL_MAX:
        problems.append(_("email is %(length)s characters long, at most %(max)s")
                        % {"length": len(email), "max": EMAIL_MAX})
    elif email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("malformed email '%(email)s'") % {"email": shown(email)})
    for platform in handle_columns:
        login = values.get(platform, "").lstrip("@")
        if login and (why := _handle_error(platform, login)):
            problems.append(why)
    return problems


def parse_roster(data: bytes | BinaryIO) -> ParsedRoster:
    """Decode and check the whole file, streaming; rows with any problem are reported, never returned as rows."""
    try:
        text, encoding = open_text(data)
    except EncodingRefused as exc:
        return ParsedRoster(rows=[], errors=[RosterError(1, str(exc))], encoding="")
    reader = csv.reader(text)
    try:
        header_raw = next(reader)
    except StopIteration:
        return ParsedRoster(rows=[], errors=[RosterError(1, _("the file is empty"))], encoding=encoding)
    except csv.Error as exc:
        error = RosterError(1, _("unreadable CSV: %(error)s") % {"error": exc})
        return ParsedRoster(rows=[], errors=[error], encoding=encoding)
    header = [ALIASES.get(h.strip(), shown(h.strip().lower())) for h in header_raw]
    errors: list[RosterError] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in REQUIRED + HANDLES]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if missing:
        errors.append(RosterError(1, _("header lacks column(s) %(columns)s; expected "
                                       "student_id,name,email,department[,github][,gitee][,gitlab]")
                                  % {"columns": ", ".join(missing)}))
    if unknown:
        errors.append(RosterError(1, _("unknown column(s) %(columns)s")
                                  % {"columns": ", ".join(repr(u) for u in unknown)}))
    if repeated:
        errors.append(RosterError(1, _("repeated column(s) %(columns)s") % {"columns": ", ".join(repeated)}))
    if errors:
        return ParsedRoster(rows=[], errors=errors, encoding=encoding)
    handle_columns = tuple(p for p in HANDLES if p in header)
    rows: list[RosterRow] = []
    candidates: list[RosterRow] = []
    first_line_of_id: dict[str, int] = {}
    first_line_of_handle: dict[tuple[str, str], int] = {}
    line = 1
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(RosterError(start, _("unreadable CSV: %(error)s") % {"error": exc}))
            break
        except UnicodeDecodeError as exc:  # detection read the whole file, so this is only a defence
            errors.append(RosterError(start, _("unreadable text: %(error)s") % {"error": exc.reason}))
            break
        line = start
        if not any(c.strip() for c in cells):
            continue  # blank lines (often trailing) are not rows
        if len(cells) > len(header):
            errors.append(RosterError(line, _("%(n)s fields, the header has %(m)s")
                                      % {"n": len(cells), "m": len(header)}))
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in enumerate(header)}
        text_problems = [_("%(field)s %(why)s") % {"field": name, "why": why}
                         for name, value in values.items() if (why := cell_problem(value))]
        if text_problems:  # never let such a value near the database, not even for its checks
            errors.extend(RosterError(line, p) for p in text_problems)
            continue
        problems = _check_row(line, values, handle_columns)
        # One spelling per student: X2099 and x2099 are the same person (as at sign-in).
        sid = values["student_id"] = normalize_student_id(values["student_id"])
        if sid and sid in first_line_of_id:
            problems.append(_("duplicate student id %(sid)s (first on line %(line)s)")
                            % {"sid": sid, "line": first_line_of_id[sid]})
        elif sid:
            first_line_of_id[sid] = line
        handles = {p: values[p].lstrip("@") for p in handle_columns if values.get(p)}
        for platform, login in handles.items():
            key = (platform, login.lower())
            if key in first_line_of_handle:
                problems.append(_("%(platform)s handle %(login)s also given on line %(line)s")
                                % {"platform": platform, "login": shown(login), "line": first_line_of_handle[key]})
            else:
                first_line_of_handle[key] = line
        row = RosterRow(line=line, student_id=sid, name=values["name"], email=values["email"],
                        department=values["department"], handles=handles)
        candidates.append(row)  # bad rows still get the database checks, so each line lists every reason
        if problems:
            errors.extend(RosterError(line, p) for p in problems)
            continue
        rows.append(row)
    if not rows and not errors:
        errors.append(RosterError(1, _("the file has a header but no student rows")))
    return ParsedRoster(rows=rows, errors=errors, encoding=encoding, handle_columns=handle_columns,
                        candidates=candidates)
