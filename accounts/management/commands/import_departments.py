"""import_departments FILE.csv: create or rename departments (code,name_zh,name_en), all lines or none."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services.departments import departments_import


def read_file(file: Path) -> bytes:
    """The file's bytes, or a CommandError naming why it cannot be read."""
    try:
        return file.read_bytes()
    except OSError as exc:
        raise CommandError(f"cannot read {file}: {exc.strerror}") from exc


def refuse(command: BaseCommand, file: Path, errors) -> None:
    """Print every per-line error and fail: nothing was written."""
    for error in errors:
        command.stderr.write(f"{file}:{error.line}: {error.message}")
    raise CommandError(f"{len(errors)} error(s) in {file}; nothing was imported")


class Command(BaseCommand):
    help = "Import departments from a CSV (code,name_zh,name_en; UTF-8, BOM or GB18030); all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        result = departments_import(data=read_file(file), actor=None)
        if not result.applied:
            refuse(self, file, result.errors)
        self.stdout.write(self.style.SUCCESS(
            f"departments ({result.encoding}): {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"))
