"""`bench [NAME] [--quick] [--json FILE]`: every benchmark in credits/bench, one table of figures and targets."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.db import connection
from django.utils.translation import gettext as _

from config.commands import LocalizedCommand
from credits.bench import discover
from credits.bench.table import render, rows_of


class Command(LocalizedCommand):
    help = "Run one benchmark (default: every one in credits/bench) and print one table of figures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("which", nargs="?", help=f"one of: {', '.join(discover())} (default: all)")
        parser.add_argument("--quick", action="store_true", help="a small run (for CI: well under a minute)")
        parser.add_argument("--json", metavar="FILE", help="also write the figures and the table as JSON")

    def handle(self, *args, which: str | None, quick: bool, json: str | None, **options) -> None:
        benchmarks = discover()
        if which and which not in benchmarks:
            raise CommandError(_("no benchmark %(name)r; installed: %(installed)s")
                               % {"name": which, "installed": ", ".join(benchmarks)})
        names = [which] if which else list(benchmarks)
        results, rows = {}, []
        for name in names:
            results[name] = benchmarks[name].run(quick=quick, out=self.stdout)
            rows += rows_of(name, results[name])
        self.stdout.write("\n" + render(rows))
        if json:
            report = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "quick": quick,
                      "machine": machine(), "benchmarks": results, "table": rows}
            Path(json).write_text(_dumps(report) + "\n", encoding="utf-8")
            self.stdout.write(_("figures written to %(file)s") % {"file": json})


def machine() -> dict:
    """Where the figures were measured (README quotes this with the date)."""
    return {"platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
            "database": connection.vendor}


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=True, indent=1)
