"""`bench [sync|rules|web|export] [--quick]`: benchmarks that print figures, targets and in-run baselines."""

from __future__ import annotations

import importlib
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

# Each benchmark lives in its own module exposing run(quick: bool, out) -> dict.
BENCHMARKS = {
    "rules": "credits.bench.rules",
    "sync": "credits.bench.sync",
    "web": "credits.bench.web",
    "export": "credits.bench.export",
}


class Command(BaseCommand):
    help = "Run one benchmark (or all that are installed) and print its figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", nargs="?", choices=sorted(BENCHMARKS), help="default: every benchmark")
        parser.add_argument("--quick", action="store_true", help="a small run (seconds, for CI)")
        parser.add_argument("--json", action="store_true", help="also print the figures as JSON")

    def handle(self, *args, which: str | None, quick: bool, json: bool, **options) -> None:
        names = [which] if which else list(BENCHMARKS)
        for name in names:
            try:
                module = importlib.import_module(BENCHMARKS[name])
            except ModuleNotFoundError as exc:
                if which:
                    raise CommandError(f"benchmark {name!r} is not installed ({exc.name})") from exc
                self.stdout.write(f"bench {name}: not installed, skipped")
                continue
            figures = module.run(quick=quick, out=self.stdout)
            if json:
                self.stdout.write(_json(figures))


def _json(figures: dict) -> str:
    return json.dumps(figures, ensure_ascii=False, default=str, sort_keys=True)
