"""`add_term CODE --starts D --ends D --name-zh .. --name-en ..` creates an academic term."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser

from config.commands import LocalizedCommand
from credits.services.policies import TermOverlap, term_create


class Command(LocalizedCommand):
    help = "Create an academic term (terms may not overlap)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="e.g. 2026-autumn")
        parser.add_argument("--starts", required=True, type=dt.date.fromisoformat, help="first day, YYYY-MM-DD")
        parser.add_argument("--ends", required=True, type=dt.date.fromisoformat, help="last day, YYYY-MM-DD")
        parser.add_argument("--name-zh", default="", help="Chinese name (default: derived from the code)")
        parser.add_argument("--name-en", default="", help="English name (default: derived from the code)")

    def handle(self, *args, code: str, starts: dt.date, ends: dt.date, name_zh: str, name_en: str, **o) -> None:
        year, _, season = code.partition("-")
        zh = {"spring": "春季", "summer": "夏季", "autumn": "秋季", "winter": "冬季"}.get(season, season)
        try:
            term = term_create(code=code, name_zh=name_zh or f"{year}年{zh}学期",
                               name_en=name_en or f"{season.capitalize()} {year}", starts_on=starts, ends_on=ends)
        except (TermOverlap, ValidationError) as exc:
            raise CommandError(f"{code}: {'; '.join(getattr(exc, 'messages', [str(exc)]))}") from exc
        self.stdout.write(self.style.SUCCESS(f"term {term.code} {term.starts_on}..{term.ends_on} created"))
