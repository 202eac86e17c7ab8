"""The arithmetic of a total in words: every number from the lines to the booked credits, named caps."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path

import yaml

from credits.rules.explain import cap_label, explain_total, outside_terms
from credits.rules.schema import Policy

DEFAULT = Path(__file__).resolve().parents[3] / "credits" / "policies" / "default.yaml"


def policy(**changes) -> Policy:
    document = yaml.safe_load(DEFAULT.read_text(encoding="utf-8"))
    document.update(changes)
    return Policy.model_validate(document)


def test_a_ten_point_line_rounds_down_to_zero_and_says_so():
    steps = explain_total(policy(), line_points=[D(10)], credits=D(0))
    en = [s.en for s in steps]
    assert en[0] == "Points of the credited contributions: 10 points."
    assert en[1] == "10 points ÷ 40 points per credit = 0.25."
    assert en[2] == "Rounded down to a multiple of 0.5 credits: 0 credits."
    assert en[-1] == "Credit for this record: 0 credits."


def test_seventy_seven_and_a_half_points_become_one_and_a_half_credits_in_chinese():
    steps = explain_total(policy(), line_points=[D(15), D("22.5"), D(40)], credits=D("1.5"))
    zh = [s.zh for s in steps]
    assert zh[0] == "计分贡献的分值：15 + 22.5 + 40 = 77.5 分。"
    assert zh[1] == "77.5 分 ÷ 每学分 40 分 = 1.9375。"
    assert zh[2] == "按 0.5 学分为单位向下取整：1.5 学分。"


def test_a_term_cap_that_limits_the_total_is_named_with_its_value():
    steps = explain_total(policy(), line_points=[D(60)] * 3, credits=D(2), caps_applied=["caps.per_term"])
    assert "受本学期上限 2 学分限制：2 学分。" in [s.zh for s in steps]
    assert "Limited by the term cap of 2 credits: 2 credits." in [s.en for s in steps]


def test_policy_names_override_the_defaults_and_unknown_keys_fall_back():
    custom = policy(names={"caps": {"per_term": {"zh": "每学期封顶", "en": "semester ceiling"}}})
    assert cap_label(custom, "per_term", "zh-hans") == "每学期封顶 2 学分"
    assert cap_label(custom, "per_student_total", "en") == "lifetime cap of 4 credits"
    assert custom.name_of("tiers", "mystery", "en") == "mystery"


def test_half_up_rounding_is_described_as_such():
    p = policy(credits={"points_per_credit": 40, "rounding_step": 0.5, "rounding": "half_up"})
    steps = explain_total(p, line_points=[D(30)], credits=D("1"))
    assert steps[2].en == "Rounded half up to a multiple of 0.5 credits: 1 credit."


def test_many_lines_are_summed_as_a_count():
    steps = explain_total(policy(), line_points=[D(1)] * 20, credits=D("0.5"))
    assert steps[0].en == "20 credited contributions earn 20 points in total."


def test_outside_every_term_names_the_next_term_or_says_it_waits_for_one():
    step = outside_terms(dt.date(2026, 8, 10), "2026-autumn", dt.date(2026, 9, 1))
    assert "2026-08-10" in step.zh and "2026-autumn" in step.en and "2026-09-01" in step.en
    assert "opens a term" in outside_terms(dt.date(2030, 1, 1), None, None).en


def test_required_credits_and_names_are_validated():
    import pytest
    from pydantic import ValidationError

    assert policy().required_credits == D(2)
    with pytest.raises(ValidationError, match="names.tiers"):
        policy(names={"tiers": {"nonexistent": {"zh": "无", "en": "none"}}})
    with pytest.raises(ValidationError, match="unknown cap"):
        policy(names={"caps": {"per_week": {"zh": "周", "en": "week"}}})
