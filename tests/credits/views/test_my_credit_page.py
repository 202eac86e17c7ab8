"""The student's "my credit" page: own records only, every line with its reason, in the page's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from credits.services.evaluation import term_evaluate
from tests.credits.services.rules_helpers import UTC, autumn, publish
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_students():
    term = autumn()
    publish()
    repo = RepositoryFactory(tier="standard", path="deepseek-ai/DeepSeek-V3")
    mine, theirs = ForgeIdentityFactory(login="lihua"), ForgeIdentityFactory(login="wangwei")
    ContributionFactory(identity=mine, repository=repo, number=41, merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC))
    ContributionFactory(identity=mine, repository=repo, number=42, labels=["spam"],
                        merged_at=dt.datetime(2026, 10, 2, tzinfo=UTC))
    ContributionFactory(identity=theirs, repository=repo, number=99, merged_at=dt.datetime(2026, 10, 3, tzinfo=UTC))
    term_evaluate(term=term, now=dt.datetime(2026, 12, 1, tzinfo=UTC))
    return mine.user, theirs.user


def test_student_sees_own_lines_with_reasons_and_not_others(client, two_students):
    me, _ = two_students
    client.force_login(me)
    page = client.get(reverse("my_credit"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "github:deepseek-ai/DeepSeek-V3#41" in page and "#42" in page and "#99" not in page
    assert "label spam" in page and "2026-autumn" in page and "AI101" in page


def test_reasons_are_shown_in_chinese_for_a_chinese_page(client, two_students):
    me, _ = two_students
    client.force_login(me)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(reverse("my_credit")).content.decode()
    assert "维护者标记为 spam" in page


def test_page_needs_sign_in(client):
    response = client.get(reverse("my_credit"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_page_runs_a_bounded_number_of_queries(client, two_students, django_assert_max_num_queries):
    me, _ = two_students
    client.force_login(me)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("my_credit")).status_code == 200
