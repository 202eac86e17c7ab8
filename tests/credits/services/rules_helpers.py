"""Shared setup for policy and evaluation service tests: a term, a published policy, contributions."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from credits.models import Term
from credits.services.policies import policy_publish, term_create

UTC = dt.UTC
DEFAULT = Path(__file__).resolve().parents[3] / "credits" / "policies" / "default.yaml"
# Simple numbers: a 45-line PR earns 10 points, 20 points a credit, steps of 0.5, 7 days to mature.
SIMPLE = """\
version: "{version}"
title_zh: 测试政策
title_en: test policy
effective_from: {effective_from}
{until}
course: {{code: AI101, name_zh: 开源实践, name_en: Open source practice}}
tiers: {{standard: 1}}
kinds:
  pull_request: {{points: 10, min_changed_lines: 5}}
maturation_days: 7
credits: {{points_per_credit: 20, rounding_step: 0.5, rounding: down}}
caps: {{per_term: 2, per_student_total: {total}}}
approval: {{stages: [faculty]}}
"""


def simple_policy(version: str = "s1", effective_from: str = "2026-08-01", until: str = "", total: str = "3") -> str:
    """The text of a small valid policy document."""
    line = f"effective_until: {until}" if until else ""
    return SIMPLE.format(version=version, effective_from=effective_from, until=line, total=total)


def autumn() -> Term:
    """The 2026 autumn term (1 Sep 2026 to 31 Jan 2027)."""
    return term_create(code="2026-autumn", name_zh="2026 秋季学期", name_en="Autumn 2026",
                       starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 1, 31))


def spring() -> Term:
    """The 2027 spring term (1 Mar to 30 Jun 2027)."""
    return term_create(code="2027-spring", name_zh="2027 春季学期", name_en="Spring 2027",
                       starts_on=dt.date(2027, 3, 1), ends_on=dt.date(2027, 6, 30))


def publish(text: str | None = None):
    """Publish a policy (the simple one by default) and return its version."""
    return policy_publish(text=text or simple_policy(), source="test.yaml").version


def merged(day: int, month: int = 10, year: int = 2026) -> dt.datetime:
    """Noon UTC on the given day (well inside a Shanghai day)."""
    return dt.datetime(year, month, day, 4, tzinfo=UTC)


def two_terms_of_work():
    """Autumn and spring terms under the simple policy, and one student's contribution merged in each."""
    from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

    autumn_term, spring_term = autumn(), spring()
    publish()
    identity = ForgeIdentityFactory(login="lihua")
    repo = RepositoryFactory(tier="standard")
    a = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    b = ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2027, 4, 1, tzinfo=UTC))
    return autumn_term, spring_term, identity, [a.id, b.id]
