"""A base for our management commands: each run prints in one language, `--lang` or else LANGUAGE_CODE."""
from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext as _

LANG_HELP = "language of everything this run prints (default: LANGUAGE_CODE)"


class LocalizedCommand(BaseCommand):
    """Adds `--lang CODE` and runs the whole command under that one language."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        choices = [code for code, _name in settings.LANGUAGES]
        parser.add_argument("--lang", choices=choices, default=None, help=LANG_HELP)
        # A subcommand (`audit verify --lang en`) parses what follows its name: it takes --lang there too.
        # SUPPRESS: when it is not given there, the value given before the name (or None) stands.
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    sub.add_argument("--lang", choices=choices, default=argparse.SUPPRESS, help=LANG_HELP)
        return parser

    def execute(self, *args, **options):
        # Everything printed, including messages services build, comes from one catalogue: no mixed output.
        with translation.override(options.get("lang") or settings.LANGUAGE_CODE):
            return super().execute(*args, **options)


def os_reason(exc: OSError) -> str:
    """Why a file could not be read, in the run's language for the usual cases (strerror is always English)."""
    if isinstance(exc, FileNotFoundError):
        return _("no such file")
    if isinstance(exc, IsADirectoryError):
        return _("it is a directory")
    if isinstance(exc, PermissionError):
        return _("permission denied")
    return exc.strerror or str(exc)


def decode_reason(exc: UnicodeDecodeError) -> str:
    """Why bytes are not text in the codec's words, in the run's language for the three UTF-8 reasons."""
    reasons = {"invalid start byte": _("invalid start byte"),
               "invalid continuation byte": _("invalid continuation byte"),
               "unexpected end of data": _("unexpected end of data")}
    return reasons.get(exc.reason, exc.reason)
