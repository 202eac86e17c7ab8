"""import_roster FILE.csv: create or update students from the registrar's roster, all rows or none."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.services.roster import roster_import
from accounts.text_input import MAX_BYTES
from config.commands import LocalizedCommand, os_reason


class Command(LocalizedCommand):
    help = "Import students from a CSV (student_id,name,email,department[,github][,gitee][,gitlab]); all or nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="roster CSV, UTF-8 (with or without BOM) or GB18030")
        parser.add_argument("--create-departments", action="store_true",
                            help="first import: create the departments the file names that do not exist yet")

    def handle(self, *args, file: Path, create_departments: bool = False, **options) -> None:
        try:
            size = file.stat().st_size
            if size > MAX_BYTES:  # refused unread: the file is never loaded into memory
                why = (_("the file is %(size)s MB, more than %(max)s MB; split it")  # as the upload page says it
                       % {"size": round(size / 1048576, 1), "max": MAX_BYTES // 1048576})
                raise CommandError(_("%(field)s: %(why)s") % {"field": file, "why": why})
            stream = file.open("rb")
        except OSError as exc:
            raise CommandError(_("cannot read %(file)s: %(error)s") % {"file": file, "error": os_reason(exc)}) from exc
        with stream:
            result = roster_import(data=stream, actor=None, create_departments=create_departments)
        if not result.applied:
            for error in result.errors:
                self.stderr.write(f"{file}:{error.line}: {error.message}")
            raise CommandError(_("%(n)d error(s) in %(file)s; nothing was imported")
                               % {"n": len(result.errors), "file": file})
        self.stdout.write(self.style.SUCCESS(
            _("%(rows)d students (%(encoding)s): %(created)d created, %(updated)d updated, %(unchanged)d unchanged; "
              "%(hints)d unverified forge handles recorded") % {
                "rows": result.rows, "encoding": result.encoding, "created": result.created,
                "updated": result.updated, "unchanged": result.unchanged, "hints": result.hints}
        ))
        if result.departments_created:
            self.stdout.write(_("%(n)d department(s) created; name them with import_departments")
                              % {"n": result.departments_created})
