"""`add_term CODE --starts D --ends D --name-zh .. --name-en ..` creates an academic term."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError, CommandParser
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.models.policy import TERM_CODE
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
        if not TERM_CODE.regex.match(code):  # the model's validator says this in English only
            raise CommandError(_("%(code)s: a term code looks like 2026-autumn") % {"code": code})
        year, _dash, season = code.partition("-")
        zh = {"spring": "春季", "summer": "夏季", "autumn": "秋季", "winter": "冬季"}.get(season, season)
        try:
            term = term_create(code=code, name_zh=name_zh or f"{year}年{zh}学期",
                               name_en=name_en or f"{season.capitalize()} {year}", starts_on=starts, ends_on=ends)
        except (TermOverlap, ValidationError) as exc:
            raise CommandError(_("%(code)s: %(problems)s")
                               % {"code": code, "problems": "; ".join(getattr(exc, "messages", [str(exc)]))}) from exc
        self.stdout.write(self.style.SUCCESS(_("term %(code)s %(starts)s..%(ends)s created")
                                             % {"code": term.code, "starts": term.starts_on, "ends": term.ends_on}))
