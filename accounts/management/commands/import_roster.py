"""import_roster FILE.csv: create or update students from the registrar's roster, all rows or none."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.services.roster import roster_import
from accounts.text_input import MAX_BYTES


class Command(BaseCommand):
    help = "Import students from a CSV (student_id,name,email,department[,github][,gitee][,gitlab]); all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="roster CSV, UTF-8 (with or without BOM) or GB18030")
        parser.add_argument("--create-departments", action="store_true",
                            help="first import: create the departments the file names that do not exist yet")

    def handle(self, *args, file: Path, create_departments: bool = False, **options) -> None:
        try:
            size = file.stat().st_size
            if size > MAX_BYTES:  # refused unread: the file is never loaded into memory
                raise CommandError(f"{file} is {size / 1048576:.1f} MB, more than {MAX_BYTES // 1048576} MB; split it")
            stream = file.open("rb")
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from exc
        with stream:
            result = roster_import(data=stream, actor=None, create_departments=create_departments)
        if not result.applied:
            for error in result.errors:
                self.stderr.write(f"{file}:{error.line}: {error.message}")
            raise CommandError(f"{len(result.errors)} error(s) in {file}; nothing was imported")
        self.stdout.write(self.style.SUCCESS(
            f"{result.rows} students ({result.encoding}): {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged; {result.hints} unverified forge handles recorded"
        ))
        if result.departments_created:
            self.stdout.write(f"{result.departments_created} department(s) created; name them with import_departments")
