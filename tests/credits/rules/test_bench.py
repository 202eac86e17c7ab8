"""The rules benchmark runs, is deterministic and reports the figures the README quotes."""

from __future__ import annotations

import io

from credits.bench import rules


def test_quick_rules_benchmark_reports_engine_loop_and_ratio():
    out = io.StringIO()
    first = rules.run(quick=True, out=out)
    assert first["contributions"] == 50_000 and first["students"] == 500
    assert first["engine_seconds"] > 0 and first["ratio_engine_to_loop"] is not None
    assert "engine/loop" in out.getvalue() and "target <" in out.getvalue()
    assert first["credited_lines"] + first["refusals"] == 50_000
    second = rules.run(quick=True, out=io.StringIO())
    assert second["results_sha256"] == first["results_sha256"]  # same seed, same answers
