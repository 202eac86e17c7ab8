"""import_departments FILE.csv: create or rename departments (code,name_zh,name_en), all lines or none."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.services.departments import departments_import
from config.commands import LocalizedCommand, os_reason


def read_file(file: Path) -> bytes:
    """The file's bytes, or a CommandError naming why it cannot be read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(_("cannot read %(file)s: %(error)s") % {"file": file, "error": os_reason(exc)}) from exc


def refuse(command: BaseCommand, file: Path, errors) -> None:
    """Print every per-line error and fail: nothing was written."""
    for error in errors:
        command.stderr.write(f"{file}:{error.line}: {error.message}")
    raise CommandError(_("%(n)d error(s) in %(file)s; nothing was imported") % {"n": len(errors), "file": file})


class Command(LocalizedCommand):
    help = "Import departments from a CSV (code,name_zh,name_en; UTF-8, BOM or GB18030); all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        result = departments_import(data=read_file(file), actor=None)
        if not result.applied:
            refuse(self, file, result.errors)
        self.stdout.write(self.style.SUCCESS(
            _("departments (%(encoding)s): %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {"encoding": result.encoding, "created": result.created, "updated": result.updated,
               "unchanged": result.unchanged}))
