"""import_staff FILE.csv: staff accounts with roles and mandates (username,name,email,role,stage,department)."""
from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext as _

from accounts.management.commands.import_departments import read_file, refuse
from accounts.services.staff import staff_import
from config.commands import LocalizedCommand


class Command(LocalizedCommand):
    help = ("Import staff from a CSV (username,name,email,role,stage,department; several departments "
            "separated by ';'); all or nothing. Then send invitations with invite_users.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        result = staff_import(data=read_file(file), actor=None)
        if not result.applied:
            refuse(self, file, result.errors)
        self.stdout.write(self.style.SUCCESS(
            _("staff (%(encoding)s): %(created)d created, %(updated)d updated, %(unchanged)d unchanged")
            % {"encoding": result.encoding, "created": result.created, "updated": result.updated,
               "unchanged": result.unchanged}))
