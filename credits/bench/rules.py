"""`bench rules`: the engine over synthetic facts (1M contributions, 10,000 students) against a plain loop."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from credits.bench.table import row
from credits.rules import ContributionFacts, TermWindow, compile_policy, evaluate, parse_policy

POLICY_FILE = Path(__file__).resolve().parents[1] / "policies" / "default.yaml"
UTC = dt.UTC
TERM = TermWindow("2026-autumn", dt.datetime(2026, 8, 31, 16, tzinfo=UTC), dt.datetime(2027, 1, 31, 16, tzinfo=UTC))
NOW = dt.datetime(2027, 1, 20, tzinfo=UTC)
TARGET_SECONDS = 60.0  # for the full run (1M contributions), on one core
TIERS = ("core", "standard", "standard", "ecosystem", "archived")
REPOS = [(f"org{i % 40}/model{i}", TIERS[i % 5]) for i in range(200)]


def synthetic_student(rng: random.Random, student: int, per_student: int) -> list[ContributionFacts]:
    """One student's term: mostly real PRs, with the noise the rules exist for (bots, spam, tiny, own repos)."""
    login = f"stu{student}"
    favourite = rng.sample(REPOS, 6)
    span = int((TERM.ends_at - TERM.starts_at).total_seconds())
    facts = []
    for n in range(per_student):
        path, tier = rng.choice(favourite) if rng.random() < 0.9 else rng.choice(REPOS)
        roll = rng.random()
        if roll < 0.03:
            path = f"{login}/playground"
        merged = None if roll > 0.98 else TERM.starts_at + dt.timedelta(seconds=rng.randrange(span + 86400 * 20))
        facts.append(ContributionFacts(
            key=f"github:{student * 1000 + n}",
            platform="github" if rng.random() < 0.7 else "gitee",
            repository=path,
            repository_tier=tier,
            kind="pull_request" if rng.random() < 0.95 else "review",
            merged_at=merged,
            author_login=login,
            author_external_id=str(student),
            author_is_bot=rng.random() < 0.005,
            merged_by_login=login if roll < 0.02 else "maintainer",
            merged_by_external_id=str(student) if roll < 0.02 else "1",
            additions=rng.choice((1, 2, 8, 20, 40, 60, 120, 400)) if rng.random() > 0.01 else None,
            deletions=rng.randrange(10),
            labels=("spam",) if rng.random() < 0.01 else ("enhancement",),
            duplicate_of="gitee:o/r#1" if rng.random() < 0.01 else None,
            number=n,
        ))
    return facts


def plain_loop(facts: list[ContributionFacts], tiers: dict[str, Decimal]) -> Decimal:
    """The baseline: one pass summing points for merged, in-term, eligible, big-enough PRs (no explanations)."""
    total = Decimal(0)
    for f in facts:
        if f.merged_at is None or not (TERM.starts_at <= f.merged_at < TERM.ends_at):
            continue
        weight = tiers.get(f.repository_tier)
        if weight is None or f.additions is None or f.additions + (f.deletions or 0) < 5:
            continue
        total += 10 * weight
    return total


def run(quick: bool, out: TextIO) -> dict:
    """Run the benchmark, print figures with the target and the in-run baseline, return them."""
    students, per_student = (500, 100) if quick else (10_000, 100)
    policy = parse_policy(POLICY_FILE.read_text(encoding="utf-8"), str(POLICY_FILE))
    compiled = compile_policy(policy)
    rng = random.Random(20261129)
    engine_s = loop_s = gen_s = 0.0
    digest = hashlib.sha256()
    credits = Decimal(0)
    lines = refusals = 0
    for student in range(students):
        t0 = time.perf_counter()
        facts = synthetic_student(rng, student, per_student)
        t1 = time.perf_counter()
        result = evaluate(compiled, facts, term=TERM, now=NOW)
        t2 = time.perf_counter()
        plain_loop(facts, compiled.tiers)
        t3 = time.perf_counter()
        gen_s, engine_s, loop_s = gen_s + t1 - t0, engine_s + t2 - t1, loop_s + t3 - t2
        credits += result.credits
        lines += len(result.lines)
        refusals += len(result.refusals)
        digest.update(result.fingerprint().encode())
    total = students * per_student
    target = TARGET_SECONDS * total / 1_000_000
    figures = {
        "contributions": total,
        "students": students,
        "engine_seconds": round(engine_s, 2),
        "plain_loop_seconds": round(loop_s, 2),
        "ratio_engine_to_loop": round(engine_s / loop_s, 1) if loop_s else None,
        "generation_seconds": round(gen_s, 2),
        "microseconds_per_contribution": round(engine_s / total * 1e6, 2),
        "target_seconds": round(target, 1),
        "target_met": engine_s < target,
        "credited_lines": lines,
        "refusals": refusals,
        "total_credits": str(credits),
        "results_sha256": digest.hexdigest()[:16],
    }
    figures["table"] = [row("rules", f"engine over {total:,} contributions", figures["engine_seconds"], unit="s",
                            target=f"< {target:.1f} s", baseline=figures["plain_loop_seconds"],
                            met=figures["target_met"])]
    out.write(f"bench rules ({'quick' if quick else 'full'}): {total:,} contributions, {students:,} students, "
              f"policy {policy.version}, one process\n")
    out.write(f"  engine      {engine_s:8.2f} s  ({figures['microseconds_per_contribution']} µs/contribution)  "
              f"target < {target:.1f} s: {'met' if figures['target_met'] else 'MISSED'}\n")
    out.write(f"  plain loop  {loop_s:8.2f} s  (same rows, sums points only)  engine/loop = "
              f"{figures['ratio_engine_to_loop']}×\n")
    out.write(f"  (input generation {gen_s:.2f} s, not counted)  lines {lines:,}  refusals {refusals:,}  "
              f"credits {credits}  results {figures['results_sha256']}\n")
    return figures
