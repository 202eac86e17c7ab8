"""Staff accounts from the organisation file: people, their roles and their review mandates."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import DEFAULT_STAGE, Department, Mandate, StudentProfile, User
from accounts.org_csv import read_table
from accounts.roles import Role, roles_of
from accounts.roster_csv import RosterError
from accounts.services.departments import ImportResult
from accounts.services.roles import role_grant
from credits.models import PolicyVersion
from credits.services.audit import audit_record

COLUMNS = ("username", "name", "email", "role", "stage", "department")
STAFF_ROLES = (Role.REVIEWER, Role.REGISTRAR, Role.OPERATOR)
DEFAULT_POLICY = Path(__file__).resolve().parents[2] / "credits" / "policies" / "default.yaml"
USERNAME_MAX = User._meta.get_field("username").max_length
NAME_MAX = User._meta.get_field("display_name").max_length


@dataclass
class StaffLine:
    """One valid line: the person and the mandate the file gives them."""

    line: int
    username: str
    name: str
    email: str
    role: Role
    stage: str | None
    departments: list[Department] = field(default_factory=list)


def _stage_keys(stages) -> set[str]:
    return {s if isinstance(s, str) else str(s.get("key", "")) for s in stages or ()} - {""}


def known_stages() -> set[str]:
    """Stage keys a mandate may name: the department stage, every published policy's, the shipped default's."""
    keys = {DEFAULT_STAGE}
    for stages in PolicyVersion.objects.values_list("approval_stages", flat=True):
        keys |= _stage_keys(stages)
    try:
        keys |= _stage_keys(yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))["approval"]["stages"])
    except (OSError, KeyError, TypeError):
        pass
    return keys


def _line_problems(values: dict[str, str], stages: set[str], depts: dict[str, Department]) -> list[str]:
    problems = []
    try:
        UnicodeUsernameValidator()(values["username"])
        if len(values["username"]) > USERNAME_MAX:
            raise ValidationError("too long")
    except ValidationError:
        problems.append(_("malformed username '%(username)s'") % {"username": values["username"]})
    if len(values["name"]) > NAME_MAX:
        problems.append(_("name is longer than %(max)s characters") % {"max": NAME_MAX})
    try:
        validate_email(values["email"])
    except ValidationError:
        problems.append(_("malformed email '%(email)s'") % {"email": values["email"]})
    role = values["role"].lower()
    if role == Role.STUDENT:
        problems.append(_("students come from the roster (import_roster), not from the staff file"))
    elif role not in {r.value for r in STAFF_ROLES}:
        problems.append(_("unknown role '%(role)s' (reviewer, registrar or operator)") % {"role": values["role"]})
    stage = values["stage"]
    if role != Role.REVIEWER and (stage or values["department"]):
        problems.append(_("stage and department apply to reviewers only"))
    elif role == Role.REVIEWER and not stage:
        problems.append(_("a reviewer needs a stage (one of %(stages)s)") % {"stages": ", ".join(sorted(stages))})
    elif stage and stage not in stages:
        problems.append(_("unknown stage '%(stage)s' (one of %(stages)s)")
                        % {"stage": stage, "stages": ", ".join(sorted(stages))})
    for code in _codes(values["department"]):
        if code.lower() not in depts:
            problems.append(_("unknown department '%(code)s'") % {"code": code})
    return problems


def _codes(value: str) -> list[str]:
    """Department codes of one cell: several reviewers' departments are separated by ';'."""
    return [c.strip() for c in value.split(";") if c.strip()]


def staff_validate(*, data: bytes) -> tuple[list[StaffLine], list[RosterError], str]:
    """Every valid line, every per-line problem (sorted) and the encoding; no writes."""
    table = read_table(data, COLUMNS, required=("username", "name", "email", "role"))
    errors = list(table.errors)
    stages = known_stages()
    depts = {d.code.lower(): d for d in Department.objects.all()}
    students = set(StudentProfile.objects.values_list("user__username", flat=True))
    first: dict[str, int] = {}
    lines = []
    for line, values in table.rows:
        problems = _line_problems(values, stages, depts)
        username = values["username"]
        if username.lower() in first:
            problems.append(_("duplicate username %(username)s (first on line %(line)s)")
                            % {"username": username, "line": first[username.lower()]})
        else:
            first[username.lower()] = line
        if username in students:
            problems.append(_("%(username)s is a student's account") % {"username": username})
        if problems:
            errors.extend(RosterError(line, p) for p in problems)
            continue
        lines.append(StaffLine(line=line, username=username, name=values["name"], email=values["email"],
                               role=Role(values["role"].lower()), stage=values["stage"] or None,
                               departments=[depts[c.lower()] for c in _codes(values["department"])]))
    return lines, sorted(errors, key=lambda e: e.line), table.encoding


def _holds(user: User, line: StaffLine) -> bool:
    """True when the user already has the line's role and (for a stage) every mandate it names."""
    if line.role.value not in roles_of(user):
        return False
    if line.role is not Role.REVIEWER:
        return True
    held = set(Mandate.objects.filter(user=user, stage=line.stage).values_list("department_id", flat=True))
    wanted = {d.pk for d in line.departments} or {None}
    return wanted <= held


def staff_upsert(*, line: StaffLine, actor: User | None) -> tuple[User, str]:
    """Create or update one staff account and grant what the line names; 'created', 'updated' or 'unchanged'."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=line.username).first()
        outcome = "unchanged"
        if user is None:
            user = User(username=line.username, email=line.email, display_name=line.name)
            user.set_unusable_password()  # they set one from their invitation
            user.save()
            audit_record(action="staff_create", subject=user, actor=actor, after=line.role.value)
            outcome = "created"
        elif (user.email, user.display_name) != (line.email, line.name):
            before = f"{user.display_name} <{user.email}>"
            User.objects.filter(pk=user.pk).update(email=line.email, display_name=line.name)
            user.email, user.display_name = line.email, line.name
            audit_record(action="staff_update", subject=user, actor=actor,
                         reason=f"{before} -> {line.name} <{line.email}>")
            outcome = "updated"
        if not _holds(user, line):
            role_grant(user=user, role=line.role, actor=actor, departments=line.departments, stage=line.stage)
            user.__dict__.pop("_xuefen_roles", None)
            outcome = "created" if outcome == "created" else "updated"
    return user, outcome


def staff_import(*, data: bytes, actor: User | None) -> ImportResult:
    """Create or update every staff account of `username,name,email,role,stage,department`: all lines or none."""
    lines, errors, encoding = staff_validate(data=data)
    if errors:
        return ImportResult(applied=False, errors=errors, encoding=encoding)
    result = ImportResult(applied=True, encoding=encoding)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        for line in lines:
            _user, outcome = staff_upsert(line=line, actor=actor)
            setattr(result, outcome, getattr(result, outcome) + 1)
        audit_record(action="staff_import", subject_type="staff", subject_id=digest[:16], actor=actor,
                     reason=f"{len(lines)} staff", data={"sha256": digest, "created": result.created,
                                                         "updated": result.updated, "unchanged": result.unchanged})
    return result
