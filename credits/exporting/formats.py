"""Named export formats: which columns, in what order, under which headers, in which encoding (YAML data)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from django.conf import settings
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credits.rules.document import PolicyError, parse_document

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "export_formats"
ENCODINGS = ("utf-8-sig", "gb18030")
KIND_CODES = ("credit", "adjustment", "revocation")
# Every column a format may choose; numeric ones keep a signed number as a number (not neutralised).
COLUMNS = {
    "batch_id": True, "record_id": True, "original_record_id": True, "kind": False, "student_id": False,
    "student_name": False, "department": False, "department_code": False, "department_en": False,
    "term": False, "term_name": False, "course_code": False, "course_name": False, "course_name_en": False,
    "credit_category": False, "credits": True, "grade": True, "policy_version": False, "approved_by": False,
    "approved_by_name": False, "approved_at": False, "evidence_urls": False,
}
NUMERIC_COLUMNS = frozenset(name for name, numeric in COLUMNS.items() if numeric)


class FormatError(ValueError):
    """A format was refused or does not exist; the message names the file, line and field."""


class Column(BaseModel):
    """One output column: which value, and the header the registrar's import template expects."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    header: str = ""

    @field_validator("column")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in COLUMNS:
            raise ValueError(f"unknown column {name!r}; known: {', '.join(COLUMNS)}")
        return name

    @property
    def title(self) -> str:
        """The header written in the file (the column's own name unless the format renames it)."""
        return self.header or self.column


class ExportFormat(BaseModel):
    """One registrar import template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1)
    encoding: Literal["utf-8-sig", "gb18030"] = "utf-8-sig"
    columns: tuple[Column, ...] = Field(min_length=1)
    # Words written in the `kind` column, e.g. {credit: 认定, adjustment: 调整, revocation: 撤销}.
    kind_labels: dict[Literal["credit", "adjustment", "revocation"], str] = {}
    name: str = ""  # the file's stem, set when loaded

    @model_validator(mode="after")
    def _distinct(self) -> ExportFormat:
        seen: set[str] = set()
        for column in self.columns:
            if column.title in seen:
                raise ValueError(f"header {column.title!r} appears twice")
            seen.add(column.title)
        return self

    def headers(self) -> list[str]:
        """The header row."""
        return [c.title for c in self.columns]


def format_dirs() -> list[Path]:
    """Where formats live: the university's own directory (EXPORT_FORMATS_DIR) first, then the shipped ones."""
    own = getattr(settings, "EXPORT_FORMATS_DIR", "")
    return ([Path(own)] if own else []) + [SHIPPED_DIR]


def format_names() -> list[str]:
    """Every format name that can be asked for."""
    return sorted({p.stem for d in format_dirs() if d.is_dir() for p in d.glob("*.yaml")})


def parse_format(text: str, source: str, name: str) -> ExportFormat:
    """Validate a format document; errors name the file, line and field like a policy's."""
    try:
        fmt, _lines = parse_document(text, source, ExportFormat)
    except PolicyError as exc:
        raise FormatError(str(exc)) from exc
    return fmt.model_copy(update={"name": name})


def load_format(name: str) -> ExportFormat:
    """The named format, validated; an unknown name lists the known ones."""
    for directory in format_dirs():
        path = directory / f"{name}.yaml"
        if name and "/" not in name and path.is_file():
            return parse_format(path.read_text(encoding="utf-8"), str(path), name)
    raise FormatError(_("unknown export format %(name)r; known: %(known)s")
                      % {"name": name, "known": ", ".join(format_names())})


def check_encoding(encoding: str) -> str:
    """The encoding if it is one we write, else a FormatError naming the choices."""
    if encoding not in ENCODINGS:
        raise FormatError(_("unknown encoding %(encoding)r; choose one of %(choices)s")
                          % {"encoding": encoding, "choices": ", ".join(ENCODINGS)})
    return encoding
