"""`manage.py bench`: finds every benchmark module, prints one table, writes JSON."""
from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from credits.bench import discover
from credits.bench.table import render, row, rows_of


def test_every_benchmark_module_is_found_and_helpers_are_not():
    found = discover()
    assert list(found)[:2] == ["sync", "rules"]
    assert not {"table", "university", "sync_faults"} & set(found)
    assert all(callable(module.run) for module in found.values())


def test_a_benchmark_without_its_own_table_still_gets_rows_and_ratios_come_from_the_baseline():
    rows = rows_of("web", {"pages": 3, "p95_ms": 41.5, "ok": True, "note": "x"})
    assert [(r["figure"], r["value"]) for r in rows] == [("pages", 3), ("p95_ms", 41.5)]
    measured = row("sync", "first sync, 10% failing", 271, baseline=241, target="<= 1.3×", met=True)
    assert measured["ratio"] == 1.12
    assert "| sync | first sync, 10% failing | 271 | <= 1.3× ✓ | 241 | 1.12× |" in render([measured])


def test_bench_rules_prints_the_table_and_writes_it_as_json(tmp_path):
    out, target = StringIO(), tmp_path / "bench.json"

    call_command("bench", "rules", "--quick", "--json", str(target), "--lang", "en", stdout=out)

    report = json.loads(target.read_text(encoding="utf-8"))
    assert "| benchmark | figure | value | target | baseline (same run) | ratio |" in out.getvalue()
    assert report["quick"] and report["machine"]["cpus"] and report["date"]
    assert report["table"][0]["benchmark"] == "rules" and report["table"][0]["baseline"] > 0
    assert report["benchmarks"]["rules"]["contributions"] == 50_000


def test_bench_web_rows_use_the_tenth_as_baseline_and_flag_queries_that_grow():
    from credits.bench.web import _table

    full = {"student home": {"p50_ms": 20.0, "p95_ms": 40.0, "queries": 13},
            "reviewer queue": {"p50_ms": 30.0, "p95_ms": 120.0, "queries": 14}}
    tenth = {"student home": {"p50_ms": 10.0, "p95_ms": 20.0, "queries": 13},
             "reviewer queue": {"p50_ms": 25.0, "p95_ms": 30.0, "queries": 12}}
    rows = {r["figure"]: r for r in _table(full, tenth)}
    assert rows["student home p95"]["ratio"] == 2.0 and rows["student home p95"]["met"] is True
    assert rows["student home queries"]["met"] is True
    assert rows["reviewer queue p95"]["met"] is False  # over 100 ms
    assert rows["reviewer queue queries"]["met"] is False  # 14 at full size but 12 at a tenth: it grows


@pytest.mark.parametrize(("language", "header", "written", "refused"), [
    ("zh-hans", "| 基准测试 | 指标 | 数值 | 目标 | 基线（同次运行） | 比值 |", "数据已写入 ",
     "没有基准测试 'nosuch'；已安装："),
    ("en", "| benchmark | figure | value | target | baseline (same run) | ratio |", "figures written to ",
     "no benchmark 'nosuch'; installed: "),
])
def test_the_table_header_and_the_commands_own_lines_follow_the_run_language(tmp_path, language, header, written,
                                                                              refused):
    out, target = StringIO(), tmp_path / "bench.json"
    call_command("bench", "rules", "--quick", "--json", str(target), "--lang", language, stdout=out)
    assert header in out.getvalue() and f"{written}{target}" in out.getvalue()
    report = json.loads(target.read_text(encoding="utf-8"))  # the JSON is for scripts: its keys never change
    assert set(report["table"][0]) == {"benchmark", "figure", "value", "unit", "target", "baseline", "ratio", "met"}
    with pytest.raises(CommandError, match=refused):
        call_command("bench", "nosuch", "--lang", language)


def test_render_takes_the_active_language():
    with translation.override("zh-hans"):
        assert render([]).startswith("| 基准测试 |")
    with translation.override("en"):
        assert render([]).startswith("| benchmark |")
