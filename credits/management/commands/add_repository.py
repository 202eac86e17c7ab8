"""manage.py add_repository SPEC [--tier T] [--mirror-of SPEC]: register one eligible repository."""
from __future__ import annotations

from django.core.management.base import CommandError

from accounts.platforms import SpecError
from config.commands import LocalizedCommand
from credits.services.registry import RegistryError, repository_register


class Command(LocalizedCommand):
    help = "Register an open AI repository (github:owner/name, gitee:owner/name, gitlab:group/sub/name)."

    def add_arguments(self, parser):
        parser.add_argument("spec")
        parser.add_argument("--tier", default=None, help="tier (new entry: standard); an existing entry keeps its own")
        parser.add_argument("--mirror-of", default=None,
                            help="SPEC of the registered repository this one mirrors ('none' unlinks)")

    def handle(self, *args, spec: str, tier: str | None, mirror_of: str | None, **options):
        try:
            done = repository_register(spec=spec, tier=tier, mirror_of=mirror_of)
        except (RegistryError, SpecError) as exc:
            raise CommandError(str(exc)) from exc
        repository, changes = done.repository, done.changes
        if done.created:
            self.stdout.write(f"registered {repository.spec} (id {repository.external_id}, tier {repository.tier})")
        elif changes:
            listed = ", ".join(f"{name} {old or '-'} -> {new or '-'}" for name, (old, new) in changes.items())
            self.stdout.write(f"updated {repository.spec}: {listed}")
        else:
            self.stdout.write(f"{repository.spec} is already registered (tier {repository.tier}); nothing changed "
                              "(give --tier or --mirror-of to change it)")
