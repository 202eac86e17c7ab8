"""Departments: the organisation file import and the roster's first-import creation."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import Department, User
from accounts.org_csv import read_table
from accounts.roster_csv import RosterError
from accounts.services.org import department_save
from credits.services.audit import audit_record

COLUMNS = ("code", "name_zh", "name_en")
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
CODE_MAX = Department._meta.get_field("code").max_length
NAME_MAX = Department._meta.get_field("name").max_length


@dataclass
class ImportResult:
    """What an organisation import did, or (applied=False) every reason it did nothing."""

    applied: bool
    errors: list[RosterError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    encoding: str = ""

    @property
    def rows(self) -> int:
        """Lines the file applied."""
        return self.created + self.updated + self.unchanged


def _row_problems(values: dict[str, str]) -> list[str]:
    problems = []
    code = values["code"]
    if not CODE.match(code) or len(code) > CODE_MAX:
        problems.append(_("malformed department code '%(code)s' (letters, digits, - or _, at most %(max)s)")
                        % {"code": code, "max": CODE_MAX})
    for column in ("name_zh", "name_en"):
        if len(values[column]) > NAME_MAX:
            problems.append(_("%(column)s is longer than %(max)s characters") % {"column": column, "max": NAME_MAX})
    return problems


def _departments_errors(rows: list[tuple[int, dict[str, str]]]) -> list[RosterError]:
    """Per-line problems: malformed values, codes or names repeated in the file or taken by another code."""
    errors: list[RosterError] = []
    first_code: dict[str, int] = {}
    first_name: dict[str, int] = {}
    owner_of_name = dict(Department.objects.values_list("name", "code"))
    for line, values in rows:
        problems = _row_problems(values)
        code, name = values["code"].lower(), values["name_zh"]
        if code in first_code:
            problems.append(_("duplicate code %(code)s (first on line %(line)s)")
                            % {"code": values["code"], "line": first_code[code]})
        else:
            first_code[code] = line
        if name in first_name:
            problems.append(_("duplicate name %(name)s (first on line %(line)s)")
                            % {"name": name, "line": first_name[name]})
        else:
            first_name[name] = line
        owner = owner_of_name.get(name)
        if owner is not None and owner.lower() != code:
            problems.append(_("the name %(name)s already belongs to department %(code)s")
                            % {"name": name, "code": owner})
        errors.extend(RosterError(line, p) for p in problems)
    return errors


def departments_import(*, data: bytes, actor: User | None) -> ImportResult:
    """Create or rename departments from `code,name_zh,name_en`: every line applies or none does."""
    digest = hashlib.sha256(data).hexdigest()
    table = read_table(data, COLUMNS, required=("code", "name_zh"))
    errors = sorted(table.errors + _departments_errors(table.rows), key=lambda e: e.line)
    if errors:
        return ImportResult(applied=False, errors=errors, encoding=table.encoding)
    result = ImportResult(applied=True, encoding=table.encoding)
    with transaction.atomic():
        existing = {d.code.lower(): d for d in Department.objects.select_for_update()}
        for _line, values in table.rows:
            dept = existing.get(values["code"].lower())
            if dept is None:
                department_create(code=values["code"], name=values["name_zh"], name_en=values["name_en"],
                                  actor=actor)
                result.created += 1
            elif (dept.name, dept.name_en) != (values["name_zh"], values["name_en"]):
                changed = [f for f, v in (("name", values["name_zh"]), ("name_en", values["name_en"]))
                           if getattr(dept, f) != v]
                dept.name, dept.name_en = values["name_zh"], values["name_en"]
                department_save(department=dept, actor=actor, changed_fields=changed)
                result.updated += 1
            else:
                result.unchanged += 1
        audit_record(action="departments_import", subject_type="departments", subject_id=digest[:16], actor=actor,
                     reason=f"{len(table.rows)} departments",
                     data={"sha256": digest, "created": result.created, "updated": result.updated,
                           "unchanged": result.unchanged})
    return result


def department_create(*, code: str, name: str, name_en: str = "", actor: User | None) -> Department:
    """Create one department with its audit row (the admin's service: one way to write a department)."""
    return department_save(department=Department(code=code, name=name, name_en=name_en), actor=actor,
                           changed_fields=("code", "name", "name_en"))


def code_for(value: str, taken: set[str]) -> str:
    """A department code for a roster value: the value itself when it is a code, else a stable derived one."""
    candidate = value if CODE.match(value) and len(value) <= CODE_MAX else slugify(value)[:CODE_MAX]
    if not candidate:
        candidate = "dept-" + hashlib.sha1(value.encode()).hexdigest()[:8]
    code, n = candidate, 2
    while code.lower() in taken:
        code, n = f"{candidate[:CODE_MAX - 4]}-{n}", n + 1
    return code
