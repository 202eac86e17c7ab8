"""course.credit_category and course.grade: how the registrar books the credit (a number or a word)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from credits.rules import PolicyError, parse_policy

DEFAULT = Path(__file__).resolve().parents[3] / "credits" / "policies" / "default.yaml"


def _with_course(extra: str) -> str:
    text = DEFAULT.read_text(encoding="utf-8")
    return text.replace('  credit_category: "创新实践学分"', f"  {extra}\n#", 1)


def test_the_default_policy_books_a_category_and_a_word_grade():
    course = parse_policy(DEFAULT.read_text(encoding="utf-8")).course
    assert course.credit_category == "创新实践学分" and course.grade == "合格"


def test_a_numeric_grade_stays_a_number():
    course = parse_policy(_with_course("credit_category: 任选课学分")).course
    text = DEFAULT.read_text(encoding="utf-8").replace('grade: "合格"', "grade: 85")
    assert parse_policy(text).course.grade == Decimal(85) and course.credit_category == "任选课学分"


def test_an_overlong_category_is_refused_with_its_line():
    with pytest.raises(PolicyError, match=r"course.credit_category"):
        parse_policy(_with_course("credit_category: " + "长" * 65))
