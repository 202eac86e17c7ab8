"""A base for our management commands: each run prints in one language, `--lang` or else LANGUAGE_CODE."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation


class LocalizedCommand(BaseCommand):
    """Adds `--lang CODE` and runs the whole command under that one language."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.add_argument(
            "--lang", choices=[code for code, _ in settings.LANGUAGES], default=None,
            help="language of everything this run prints (default: LANGUAGE_CODE)",
        )
        return parser

    def execute(self, *args, **options):
        # Everything printed, including messages services build, comes from one catalogue: no mixed output.
        with translation.override(options.get("lang") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)
