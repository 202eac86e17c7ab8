"""manage.py add_repository SPEC [--tier T] [--mirror-of SPEC]: register one eligible repository."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.platforms import SpecError
from credits.services.registry import RegistryError, repository_add


class Command(BaseCommand):
    help = "Register an open AI repository (github:owner/name, gitee:owner/name, gitlab:group/sub/name)."

    def add_arguments(self, parser):
        parser.add_argument("spec")
        parser.add_argument("--tier", default="standard")
        parser.add_argument("--mirror-of", default="", help="SPEC of the registered repository this one mirrors")

    def handle(self, *args, spec: str, tier: str, mirror_of: str, **options):
        try:
            repository = repository_add(spec=spec, tier=tier, mirror_of=mirror_of)
        except (RegistryError, SpecError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"registered {repository.spec} (id {repository.external_id}, tier {repository.tier})")
