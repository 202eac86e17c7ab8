"""One table for every benchmark: figure, value, target, in-run baseline and the ratio to it."""
from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext


def row(benchmark: str, figure: str, value: float, *, unit: str = "", target: str = "",
        baseline: float | None = None, met: bool | None = None) -> dict[str, Any]:
    """A table row; `ratio` is value / baseline when a baseline was measured in the same run."""
    ratio = round(value / baseline, 2) if baseline else None
    return {"benchmark": benchmark, "figure": figure, "value": value, "unit": unit, "target": target,
            "baseline": baseline, "ratio": ratio, "met": met}


def rows_of(name: str, figures: dict[str, Any]) -> list[dict[str, Any]]:
    """A benchmark's rows: its own `table` if it gives one, else each top-level number as a row."""
    if isinstance(figures.get("table"), list):
        return figures["table"]
    return [row(name, key, value) for key, value in figures.items()
            if isinstance(value, int | float) and not isinstance(value, bool)]


def render(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (what the README shows)."""
    # The header in the run's language; the rows (and the JSON keys) stay as the benchmarks name them.
    header = (pgettext("bench table", "benchmark"), pgettext("bench table", "figure"),
              pgettext("bench table", "value"), pgettext("bench table", "target"),
              pgettext("bench table", "baseline (same run)"), pgettext("bench table", "ratio"))
    lines = ["| " + " | ".join(header) + " |", "|---|---|---|---|---|---|"]
    for r in rows:
        value = f"{r['value']:,}{(' ' + r['unit']) if r['unit'] else ''}"
        mark = "" if r.get("met") is None else (" ✓" if r["met"] else " ✗")
        baseline = "" if r["baseline"] is None else f"{r['baseline']:,}"
        ratio = "" if r["ratio"] is None else f"{r['ratio']}×"
        lines.append(f"| {r['benchmark']} | {r['figure']} | {value} | {r['target']}{mark} | {baseline} | {ratio} |")
    return "\n".join(lines)
