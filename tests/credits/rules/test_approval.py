"""The policy's approval section and the working-day calendar of the public notice."""
from __future__ import annotations

import datetime as dt

import pytest

from credits.rules import PolicyError, parse_policy
from credits.rules.calendar import notice_end
from tests.credits.services.records_helpers import staged_policy


def test_named_stages_with_scopes_and_a_notice_period_parse():
    approval = parse_policy(staged_policy(), "t.yaml").approval
    assert approval.stage_keys() == ["advisor", "department", "academic_affairs"]
    assert [s.scope for s in approval.stages] == ["advisor", "department", "university"]
    assert approval.public_notice_days == 3 and approval.submission == "student"


def test_documents_published_before_named_stages_still_parse():
    text = staged_policy("approval: {stages: [faculty, registrar]}\n")
    approval = parse_policy(text, "t.yaml").approval
    # `faculty` is the department stage every mandate granted before named stages holds.
    assert approval.stage_keys() == ["department", "registrar"]
    assert [s.scope for s in approval.stages] == ["department", "university"]


@pytest.mark.parametrize("stages, problem", [
    ("[{key: dean, name_zh: 院长, name_en: Dean, scope: college}]", "unknown scope 'college'"),
    ("[]", "at least one approval stage"),
    ("[{key: a, name_zh: 甲, name_en: A, scope: advisor}, {key: a, name_zh: 乙, name_en: B, scope: university}]",
     "distinct"),
    ("[dean]", "write a stage as"),
])
def test_bad_stages_are_refused_clearly(stages, problem):
    with pytest.raises(PolicyError, match=problem):
        parse_policy(staged_policy(f"approval: {{stages: {stages}}}\n"), "t.yaml")


def test_notice_counts_working_days_skipping_weekends_and_holidays_and_counting_make_up_days():
    thursday = dt.date(2026, 9, 24)
    assert notice_end(thursday, 3) == dt.date(2026, 9, 29)
    assert notice_end(thursday, 3, holidays=[dt.date(2026, 9, 28)]) == dt.date(2026, 9, 30)
    assert notice_end(thursday, 3, extra_working_days=[dt.date(2026, 9, 27)]) == dt.date(2026, 9, 28)
    assert notice_end(thursday, 0) == thursday
