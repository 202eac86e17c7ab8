"""manage.py add_repository SPEC [--tier T] [--mirror-of SPEC]: register one eligible repository."""
from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from accounts.platforms import SpecError, spec_message
from config.commands import LocalizedCommand
from credits.models import Repository
from credits.services.registry import RegistryError, repository_register


def field_name(name: str) -> str:
    """A registry field a registration changed, by its name in the run's language (tier, mirror of...)."""
    return str(Repository._meta.get_field(name).verbose_name)


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
        except SpecError as exc:
            raise CommandError(spec_message(exc)) from exc
        except RegistryError as exc:
            raise CommandError(str(exc)) from exc
        repository, changes = done.repository, done.changes
        if done.created:
            self.stdout.write(_("registered %(spec)s (id %(id)s, tier %(tier)s)")
                              % {"spec": repository.spec, "id": repository.external_id, "tier": repository.tier})
        elif changes:
            listed = ", ".join(f"{field_name(name)} {old or '-'} -> {new or '-'}"
                               for name, (old, new) in changes.items())
            self.stdout.write(_("updated %(spec)s: %(changes)s") % {"spec": repository.spec, "changes": listed})
        else:
            self.stdout.write(_("%(spec)s is already registered (tier %(tier)s); nothing changed (give --tier or "
                                "--mirror-of to change it)") % {"spec": repository.spec, "tier": repository.tier})
