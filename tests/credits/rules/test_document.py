"""Policy documents: the shipped default is valid; bad files are refused naming line, field and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from credits.rules import PolicyError, parse_policy

DEFAULT = Path(__file__).resolve().parents[3] / "credits" / "policies" / "default.yaml"


def default_text() -> str:
    return DEFAULT.read_text(encoding="utf-8")


def refuse(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "uni.yaml")
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_shipped_default_policy_is_valid():
    policy = parse_policy(default_text(), "default.yaml")
    assert policy.course.code and policy.approval.stage_keys() == ["department", "academic_affairs"]
    assert policy.maturation_days == 7 and policy.kinds.pull_request.min_changed_lines == 5


def test_every_number_in_the_default_policy_is_commented_in_chinese_and_english():
    import re

    numbered = 0
    for n, line in enumerate(default_text().splitlines(), 1):
        code = line.split("#", 1)[0]
        if re.search(r":\s*\[?[-\d.]", code) or re.search(r"-\s+[\w_]+:\s*\d", code):
            numbered += 1
            comment = line.split("#", 1)[1] if "#" in line else ""
            assert re.search(r"[\u4e00-\u9fff]", comment), f"line {n} lacks a Chinese comment: {line}"
            assert re.search(r"[A-Za-z]", comment), f"line {n} lacks an English comment: {line}"
    assert numbered >= 20  # the check really looked at the numbers


def test_yaml_syntax_error_names_the_line():
    error = refuse("version: t1\ncourse: [unclosed\ntiers: {}\n")
    (problem,) = error.problems
    assert problem.source == "uni.yaml" and problem.line is not None and "YAML error" in problem.message


def test_unknown_key_is_refused_with_its_line_and_field():
    text = default_text().replace("  bots: true", "  bots: true\n  spam_labels: [x]")
    error = refuse(text)
    (problem,) = error.problems
    assert problem.field == "exclusions.spam_labels" and problem.message == "unknown key"
    assert problem.line == line_of(text, "spam_labels")
    assert str(problem).startswith(f"uni.yaml:{problem.line}: exclusions.spam_labels")


def test_negative_number_is_refused():
    text = default_text().replace("    points: 10 ", "    points: -10 ")
    (problem,) = refuse(text).problems
    assert problem.field == "kinds.pull_request.points" and "greater than or equal to 0" in problem.message
    assert problem.line == line_of(text, "points: -10")


def test_cap_below_a_single_contribution_is_refused():
    text = default_text().replace("per_repository_per_term: 1 ", "per_repository_per_term: 0.5 ")
    (problem,) = refuse(text).problems
    assert problem.field == "caps.per_repository_per_term"
    assert "below the value of a single contribution (0.75 credits)" in problem.message
    assert problem.line == line_of(text, "per_repository_per_term: 0.5")


def test_cap_off_the_rounding_grid_is_refused():
    text = default_text().replace("per_term: 2 ", "per_term: 2.2 ")
    (problem,) = refuse(text).problems
    assert problem.field == "caps.per_term" and "multiple of credits.rounding_step" in problem.message


def test_duplicate_key_is_refused_rather_than_silently_overwritten():
    text = default_text().replace("maturation_days: 7", "maturation_days: 7\nmaturation_days: 0")
    (problem,) = refuse(text).problems
    assert problem.field == "maturation_days" and problem.message == "duplicate key"


def test_missing_required_key_points_at_its_parent():
    text = default_text().replace('  code: "AIOS1001"', "")
    (problem,) = refuse(text).problems
    assert problem.field == "course.code" and problem.message == "required key is missing"
    assert problem.line == line_of(text, "course:")


def test_until_before_from_is_refused():
    text = default_text().replace("# effective_until: 2027-08-31", "effective_until: 2025-07-31")
    assert "effective_until is before effective_from" in str(refuse(text))


def test_increasing_diminishing_schedule_is_refused():
    text = default_text().replace("[1, 1, 1, 0.75, 0.5, 0.25]", "[0.5, 1]")
    (problem,) = refuse(text).problems
    assert problem.field == "diminishing_returns.schedule" and "must not increase" in problem.message


def test_several_problems_are_all_reported():
    text = default_text().replace("maturation_days: 7", "maturation_days: -1").replace("  bots: true", "  bots: maybe")
    fields = {p.field for p in refuse(text).problems}
    assert fields == {"maturation_days", "exclusions.bots"}


def test_empty_and_non_mapping_documents_are_refused():
    assert "empty" in str(refuse(""))
    assert "mapping" in str(refuse("- a\n- b\n"))


def test_decimals_are_read_exactly():
    policy = parse_policy(default_text().replace("rounding_step: 0.5", "rounding_step: 0.1"), "x.yaml")
    assert str(policy.credits.rounding_step) == "0.1"
