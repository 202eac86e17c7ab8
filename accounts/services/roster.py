"""Roster import: validate the whole file, then create or update every student in one transaction."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.identifiers import normalize_username
from accounts.models import Department, RosterHint, StudentProfile, User
from accounts.roles import Role, setup_roles
from accounts.roster_csv import ParsedRoster, RosterError, RosterRow, parse_roster
from accounts.services.departments import ImportResult, code_for, department_create
from accounts.text_input import as_stream, shown
from credits.services.audit import audit_record

CHUNK = 500  # keeps IN (...) lists well under SQLite's parameter limit


@dataclass
class RosterResult(ImportResult):
    """What a roster import did (the organisation imports' counts, plus hints and departments it created)."""

    hints: int = 0
    departments_created: int = 0


def _chunks(items: list, size: int = CHUNK):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _department_index() -> dict[str, Department]:
    """Departments by code (case-insensitive), Chinese name and English name."""
    index: dict[str, Department] = {}
    for dept in Department.objects.all():
        index[dept.code.lower()] = dept
        index[dept.name] = dept
        if dept.name_en:
            index[dept.name_en.lower()] = dept
    return index


def _find_department(index: dict[str, Department], value: str) -> Department | None:
    return index.get(value) or index.get(value.lower())


def _database_errors(rows: list[RosterRow], depts: dict[str, Department]) -> list[RosterError]:
    """Problems only the database can reveal: unknown departments, ids taken by non-student accounts."""
    errors = [
        RosterError(r.line, _("unknown department '%(dept)s' (use a department code or name)") % {"dept": r.department})
        for r in rows if r.department and _find_department(depts, r.department) is None
    ]
    ids = [r.student_id for r in rows if r.student_id]
    students = set()
    taken = set()
    for chunk in _chunks(ids):
        students |= set(StudentProfile.objects.filter(student_id__in=chunk).values_list("student_id", flat=True))
        # Case-insensitive: REGISTRAR or Operator in a roster is the staff account registrar / operator.
        names = {normalize_username(sid) for sid in chunk} | set(chunk)
        taken |= {normalize_username(u) for u in User.objects.filter(username__in=names)
                  .values_list("username", flat=True)}
    for r in rows:
        if r.student_id and normalize_username(r.student_id) in taken and r.student_id not in students:
            errors.append(RosterError(r.line, _("student id %(sid)s is already the username of a staff account")
                                      % {"sid": r.student_id}))
    return errors


def _apply(rows: list[RosterRow], depts: dict[str, Department], handle_columns: tuple[str, ...]) -> RosterResult:
    """Create or update users, profiles and hints for rows already known to be valid."""
    result = RosterResult(applied=True)
    existing: dict[str, StudentProfile] = {}
    for chunk in _chunks([r.student_id for r in rows]):
        existing |= {p.student_id: p for p in StudentProfile.objects.filter(student_id__in=chunk)
                     .select_related("user")}
    new_rows = [r for r in rows if r.student_id not in existing]
    users = []
    for r in new_rows:
        user = User(username=normalize_username(r.student_id), email=r.email, display_name=r.name)
        user.set_unusable_password()  # students sign in by SSO or set a password through reset
        users.append(user)
    User.objects.bulk_create(users, batch_size=CHUNK)
    user_by_name = {u.username: u for u in users}
    if not all(u.pk for u in users):  # backends without RETURNING: read the ids back
        for chunk in _chunks([normalize_username(r.student_id) for r in new_rows]):
            user_by_name |= {u.username: u for u in User.objects.filter(username__in=chunk)}
    profiles = [StudentProfile(user=user_by_name[normalize_username(r.student_id)], student_id=r.student_id,
                               name=r.name,
                               department=_find_department(depts, r.department)) for r in new_rows]
    StudentProfile.objects.bulk_create(profiles, batch_size=CHUNK)
    result.created = len(profiles)
    changed_profiles, changed_users = [], []
    for r in rows:
        profile = existing.get(r.student_id)
        if profile is None:
            continue
        dept = _find_department(depts, r.department)
        dirty = False
        if profile.name != r.name or profile.department_id != dept.pk:
            profile.name, profile.department = r.name, dept
            changed_profiles.append(profile)
            dirty = True
        if profile.user.email != r.email or profile.user.display_name != r.name:
            profile.user.email, profile.user.display_name = r.email, r.name
            changed_users.append(profile.user)
            dirty = True
        if dirty:
            result.updated += 1
        else:
            result.unchanged += 1
    StudentProfile.objects.bulk_update(changed_profiles, ["name", "department"], batch_size=CHUNK)
    User.objects.bulk_update(changed_users, ["email", "display_name"], batch_size=CHUNK)
    _join_student_group([p.user_id for p in profiles] + [p.user_id for p in existing.values()])
    result.hints = _store_hints(rows, handle_columns)
    return result


def _join_student_group(user_ids: list[int]) -> None:
    """Put every imported person in the student role (once)."""
    group = Group.objects.filter(name=Role.STUDENT.value).first()
    if group is None:
        setup_roles()
        group = Group.objects.get(name=Role.STUDENT.value)
    through = User.groups.through
    already = set()
    for chunk in _chunks(user_ids):
        already |= set(through.objects.filter(group=group, user_id__in=chunk).values_list("user_id", flat=True))
    through.objects.bulk_create([through(user_id=uid, group=group) for uid in user_ids if uid not in already],
                                batch_size=CHUNK)


def _store_hints(rows: list[RosterRow], handle_columns: tuple[str, ...]) -> int:
    """Replace the roster's unverified handle hints for the imported students (only for columns present)."""
    if not handle_columns:
        return 0
    profile_ids: dict[str, int] = {}
    for chunk in _chunks([r.student_id for r in rows]):
        profile_ids |= dict(StudentProfile.objects.filter(student_id__in=chunk).values_list("student_id", "pk"))
    for chunk in _chunks(list(profile_ids.values())):
        RosterHint.objects.filter(student_id__in=chunk, platform__in=handle_columns).delete()
    hints = [RosterHint(student_id=profile_ids[r.student_id], platform=p, login=login)
             for r in rows for p, login in r.handles.items()]
    RosterHint.objects.bulk_create(hints, batch_size=CHUNK)
    return len(hints)


def _missing_departments(rows: list[RosterRow], index: dict[str, Department]) -> dict[str, Department]:
    """Unsaved departments for the roster's unknown department values (the first import creates them)."""
    taken = {d.code.lower() for d in index.values()}
    missing: dict[str, Department] = {}
    for r in rows:
        if r.department and _find_department(index, r.department) is None and r.department not in missing:
            code = code_for(r.department, taken)
            taken.add(code.lower())
            missing[r.department] = Department(code=code, name=r.department)
    return missing


def roster_validate(
    *, data: bytes | BinaryIO, create_departments: bool = False
) -> tuple[ParsedRoster, list[RosterError]]:
    """Every problem in the file (file-level and database-level), sorted by line; no writes."""
    parsed = parse_roster(data)
    errors = list(parsed.errors)
    if parsed.candidates:
        index = _department_index()
        if create_departments:
            index |= _missing_departments(parsed.candidates, index)
        errors += _database_errors(parsed.candidates, index)
    errors.sort(key=lambda e: e.line)
    return parsed, errors


def _digest(stream: BinaryIO) -> str:
    """SHA-256 of the whole stream, read in chunks (a large upload never sits in memory twice)."""
    stream.seek(0)
    sha = hashlib.sha256()
    while chunk := stream.read(1 << 16):
        sha.update(chunk)
    stream.seek(0)
    return sha.hexdigest()


def roster_import(*, data: bytes | BinaryIO, actor: User | None, create_departments: bool = False) -> RosterResult:
    """Import a roster CSV (bytes or a binary file): all rows apply or none; every bad row is reported by line.

    With `create_departments` (a first import), department values no department matches are created.
    """
    data = as_stream(data)
    digest = _digest(data)
    with transaction.atomic():
        parsed, errors = roster_validate(data=data, create_departments=create_departments)
        if errors:
            audit_record(
                actor=actor, action="roster_import_refused", subject_type="roster", subject_id=digest[:16],
                reason=f"{len(errors)} error(s)",
                data={"sha256": digest, "first_errors": [shown(str(e), 300) for e in errors[:20]]},
            )
            return RosterResult(applied=False, errors=errors, encoding=parsed.encoding)
        created_departments = 0
        if create_departments:
            for dept in _missing_departments(parsed.rows, _department_index()).values():
                department_create(code=dept.code, name=dept.name, actor=actor)
                created_departments += 1
        result = _apply(parsed.rows, _department_index(), parsed.handle_columns)
        result.departments_created = created_departments
        result.encoding = parsed.encoding
        audit_record(
            actor=actor, action="roster_import", subject_type="roster", subject_id=digest[:16],
            reason=f"{result.rows} students",
            data={"sha256": digest, "encoding": parsed.encoding, "created": result.created,
                  "updated": result.updated, "unchanged": result.unchanged, "hints": result.hints},
        )
    return result
