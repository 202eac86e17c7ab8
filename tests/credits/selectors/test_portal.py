"""Student-page reads: merged contributions per month and forge, and contributions outside every term."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from credits.selectors.portal import monthly_merged, uncounted_contributions
from credits.services.policies import term_create
from tests.factories import ContributionFactory, ForgeIdentityFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 12, 1)


def at(year: int, month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, 6, tzinfo=dt.UTC)


def test_monthly_counts_are_per_forge_over_the_last_twelve_months_and_skip_mirror_copies():
    user = UserFactory()
    github = ForgeIdentityFactory(user=user, platform="github")
    gitee = ForgeIdentityFactory(user=user, platform="gitee")
    ContributionFactory(identity=github, merged_at=at(2026, 3))
    ContributionFactory(identity=github, merged_at=at(2026, 3, 20))
    original = ContributionFactory(identity=gitee, merged_at=at(2026, 11))
    ContributionFactory(identity=github, merged_at=at(2026, 11), duplicate_of=original)
    ContributionFactory(identity=github, merged_at=at(2025, 11))  # 13 months ago: outside the chart

    chart = monthly_merged(user, today=TODAY)

    assert chart["labels"][0] == "2026-01" and chart["labels"][-1] == "2026-12" and len(chart["labels"]) == 12
    rows = {row["month"]: row for row in chart["rows"]}
    assert (rows["2026-03"]["github"], rows["2026-03"]["gitee"], rows["2026-03"]["total"]) == (2, 0, 2)
    assert (rows["2026-11"]["github"], rows["2026-11"]["gitee"]) == (0, 1)
    assert sum(row["total"] for row in chart["rows"]) == 3


def test_contributions_merged_between_terms_are_the_uncounted_ones():
    term_create(code="2026-spring", name_zh="春", name_en="Spring", starts_on=dt.date(2026, 3, 1),
                ends_on=dt.date(2026, 6, 30))
    identity = ForgeIdentityFactory()
    inside = ContributionFactory(identity=identity, merged_at=at(2026, 4))
    between = ContributionFactory(identity=identity, merged_at=at(2026, 8))
    ContributionFactory(identity=identity, merged_at=None)

    assert list(uncounted_contributions(identity.user)) == [between]
    assert inside not in uncounted_contributions(identity.user)
    assert timezone.is_aware(between.merged_at)
