"""Findings: policies that validated could still break evaluation (overflow) or the validator (bombs, depth)."""
from __future__ import annotations

import datetime as dt
import re
import tracemalloc
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from credits.models import CreditRecord
from credits.rules import PolicyError, parse_policy
from credits.services.evaluation import term_evaluate
from credits.services.policies import policy_publish
from tests.credits.services.rules_helpers import UTC, autumn, merged, simple_policy
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

pytestmark = pytest.mark.security


def refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, "p.yaml")
    return caught.value


def with_line(text: str, pattern: str, replacement: str) -> str:
    changed = re.sub(pattern, replacement, text, flags=re.M)
    assert changed != text
    return changed


def test_huge_tier_weights_without_caps_are_refused():
    text = with_line(simple_policy(), r"^tiers: .*$", "tiers: {standard: 1000000000}")
    text = with_line(text, r"^caps: .*$", "")
    error = refused(text)
    assert any(p.field.startswith("tiers") for p in error.problems)


def test_a_policy_without_any_cap_is_refused_because_a_terms_credit_would_be_unbounded():
    error = refused(with_line(simple_policy(), r"^caps: .*$", ""))
    assert any(p.field.startswith("caps") for p in error.problems)


@pytest.mark.parametrize("number", ["1e999999999", "1e-999999999", "-1e999999999", "123456789012345678901234567890"])
@pytest.mark.parametrize("key", ["points_per_credit", "rounding_step"])
def test_extreme_numbers_are_validation_errors_not_decimal_tracebacks(number, key):
    text = with_line(simple_policy(), r"^credits: .*$",
                     "credits: {points_per_credit: 20, rounding_step: 0.5, rounding: down}".replace(
                         f"{key}: " + ("20" if key == "points_per_credit" else "0.5"), f"{key}: {number}"))
    error = refused(text)
    assert any(p.field == f"credits.{key}" and p.line for p in error.problems)


def test_a_tiny_rounding_step_is_refused():
    text = with_line(simple_policy(), r"^credits: .*$", "credits: {points_per_credit: 20, rounding_step: 0.000001}")
    assert any(p.field == "credits.rounding_step" for p in refused(text).problems)


def test_an_alias_bomb_is_refused_fast_and_small():
    bomb = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        bomb.append(f"a{level}: &a{level} [{', '.join([previous] * 9)}]")
    text = simple_policy() + "\n".join(bomb) + "\n"
    tracemalloc.start()
    try:
        error = refused(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024 * 1024
    assert any("alias" in p.message and p.line for p in error.problems)


def test_deep_nesting_is_a_line_numbered_error_not_a_recursion_error():
    text = simple_policy() + "deep: " + "[" * 5000 + "]" * 5000 + "\n"
    error = refused(text)
    assert any("nest" in p.message and p.line for p in error.problems)


def test_deep_block_nesting_is_refused_too():
    text = simple_policy() + "".join(f"{'  ' * i}k{i}:\n" for i in range(2000)) + "  " * 2000 + "x: 1\n"
    assert refused(text).problems


def test_an_oversized_document_is_refused_before_parsing():
    text = simple_policy() + "# " + "x" * (2 * 1024 * 1024) + "\n"
    assert any("large" in p.message for p in refused(text).problems)


@pytest.mark.parametrize("bad", ["effective_from: 2026-13-45", "effective_from: 2026-02-30",
                                 "version: !!python/name:os.system"])
def test_unreadable_values_are_line_numbered_errors(bad):
    text = with_line(simple_policy(), r"^effective_from: .*$" if "effective" in bad else r"^version: .*$", bad)
    error = refused(text)
    assert all(p.line for p in error.problems)


@pytest.mark.parametrize("args", [("validate",), ("load",)])
def test_policy_command_reports_a_bomb_as_a_command_error(tmp_path, args, db):
    path = tmp_path / "bomb.yaml"
    path.write_text(simple_policy() + "deep: " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("policy", *args, str(path), stdout=StringIO(), stderr=StringIO())


LARGEST = """\
version: "max-1"
title_zh: 最大政策
title_en: largest policy
effective_from: 2026-08-01
course: {{code: AI101, name_zh: 开源实践, name_en: Open source practice}}
tiers: {{standard: {weight}}}
kinds:
  pull_request:
    points: {points}
    min_changed_lines: 0
    size_bands: [{{from_lines: 1, multiplier: {multiplier}}}]
maturation_days: 0
diminishing_returns: {{schedule: [1]}}
credits: {{points_per_credit: {ppc}, rounding_step: {step}, rounding: half_up}}
caps: {{per_term: {per_term}, per_repository_per_term: {per_repo}, per_student_total: {total}}}
approval: {{stages: [faculty]}}
"""


def largest_policy(schema_max: dict, *, ppc: str) -> str:
    return LARGEST.format(ppc=ppc, **schema_max)


@pytest.mark.django_db
def test_the_largest_policy_the_schema_allows_publishes_and_evaluates_a_term():
    from credits.rules.schema import BOUNDS

    numbers = {"weight": BOUNDS["tier_weight"], "points": BOUNDS["points"], "multiplier": BOUNDS["multiplier"],
               "step": BOUNDS["rounding_step_min"], "per_term": BOUNDS["cap_per_term"],
               "per_repo": BOUNDS["cap_per_term"], "total": BOUNDS["cap_total"]}
    # Every number at its bound; the most points per credit makes the largest stored points (a smaller
    # divisor only makes credits larger, and the caps, which must cover one contribution, clamp those).
    ppc = BOUNDS["points_per_credit_max"]
    term = autumn()
    policy_publish(text=largest_policy(numbers, ppc=str(ppc)), source="largest.yaml")
    identity = ForgeIdentityFactory(login="lihua")
    for _ in range(4):
        repo = RepositoryFactory(tier="standard")
        for day in range(1, 31):
            ContributionFactory(identity=identity, repository=repo, merged_at=merged(day),
                                additions=10**6, deletions=10**6)
    term_evaluate(term=term, now=dt.datetime(2026, 12, 20, tzinfo=UTC))
    record = CreditRecord.objects.get(student=identity.user, term=term)
    assert Decimal(0) < record.credits <= Decimal(str(BOUNDS["cap_per_term"]))
