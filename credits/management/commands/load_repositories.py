"""manage.py load_repositories FILE: register every repository in a YAML file, all or nothing."""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.services.registry import SHIPPED_REGISTRY, RegistryError, registry_file_parse, registry_load


class Command(LocalizedCommand):
    help = "Load the registry from a YAML file (default: the shipped list of well-known open AI repositories)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(SHIPPED_REGISTRY))

    def handle(self, *args, file: str, **options):
        try:
            repositories = registry_load(entries=registry_file_parse(Path(file)))
        except RegistryError as exc:
            raise CommandError(_("nothing loaded: %(error)s") % {"error": exc}) from exc
        for repository in repositories:
            self.stdout.write(f"  {repository.spec} [{repository.tier}]")
        self.stdout.write(_("%(n)d repositories registered from %(file)s") % {"n": len(repositories), "file": file})
