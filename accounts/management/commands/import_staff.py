"""import_staff FILE.csv: staff accounts with roles and mandates (username,name,email,role,stage,department)."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from accounts.management.commands.import_departments import read_file, refuse
from accounts.services.staff import staff_import


class Command(BaseCommand):
    help = ("Import staff from a CSV (username,name,email,role,stage,department; several departments "
            "separated by ';'); all or nothing. Then send invitations with invite_users.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        result = staff_import(data=read_file(file), actor=None)
        if not result.applied:
            refuse(self, file, result.errors)
        self.stdout.write(self.style.SUCCESS(
            f"staff ({result.encoding}): {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged"))
