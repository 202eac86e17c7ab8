"""`bench [NAME] [--quick]`: benchmarks that print figures, targets and in-run baselines."""

from __future__ import annotations

import importlib
import json
import pkgutil

from django.core.management.base import CommandParser

import credits.bench
from config.commands import LocalizedCommand

# Each benchmark is a module of credits.bench exposing run(quick: bool, out) -> dict; only real ones are listed.
BENCHMARKS = {m.name: f"credits.bench.{m.name}" for m in pkgutil.iter_modules(credits.bench.__path__)}


class Command(LocalizedCommand):
    help = "Run one benchmark (or every one) and print its figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", nargs="?", choices=sorted(BENCHMARKS), help="default: every benchmark")
        parser.add_argument("--quick", action="store_true", help="a small run (seconds, for CI)")
        parser.add_argument("--json", action="store_true", help="also print the figures as JSON")

    def handle(self, *args, which: str | None, quick: bool, json: bool, **options) -> None:
        names = [which] if which else list(BENCHMARKS)
        for name in names:
            module = importlib.import_module(BENCHMARKS[name])
            figures = module.run(quick=quick, out=self.stdout)
            if json:
                self.stdout.write(_json(figures))


def _json(figures: dict) -> str:
    return json.dumps(figures, ensure_ascii=False, default=str, sort_keys=True)
