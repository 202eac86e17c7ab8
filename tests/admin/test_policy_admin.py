"""Admin: policy versions are view-only with a diff of two; credit records show read-only lines."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from credits.models import CreditRecord, PolicyVersion, Term
from credits.services.evaluation import term_evaluate
from tests.credits.services.rules_helpers import UTC, autumn, publish, simple_policy
from tests.factories import ContributionFactory, RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_policy_versions_cannot_be_added_changed_or_deleted(admin_client):
    version = publish()
    assert admin_client.get(reverse("admin:credits_policyversion_add")).status_code == 403
    page = admin_client.get(reverse("admin:credits_policyversion_change", args=[version.id]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    response = admin_client.post(reverse("admin:credits_policyversion_change", args=[version.id]),
                                 {"version": "hacked"})
    assert response.status_code == 403
    assert PolicyVersion.objects.get().version == "s1"


def test_diff_of_two_versions_lists_changed_settings_and_yaml(admin_client):
    old = publish(simple_policy("v1", "2026-08-01", until="2027-07-31"))
    new = publish(simple_policy("v2", "2027-08-01").replace("points: 10", "points: 12"))
    changelist = reverse("admin:credits_policyversion_changelist")
    response = admin_client.post(changelist, {"action": "compare_two", "_selected_action": [new.id, old.id]})
    assert response.status_code == 302 and response["Location"].endswith(f"/diff/{old.id}/{new.id}/")
    page = admin_client.get(response["Location"]).content.decode()
    assert "kinds.pull_request.points" in page and "<td>10</td><td>12</td>" in page.replace(" ", "")
    assert "+  pull_request: {points: 12, min_changed_lines: 5}" in page


def test_compare_needs_exactly_two(admin_client):
    version = publish()
    response = admin_client.post(reverse("admin:credits_policyversion_changelist"),
                                 {"action": "compare_two", "_selected_action": [version.id]}, follow=True)
    assert "请恰好选择两个版本进行比较" in response.content.decode()  # the admin speaks the default language


def test_credit_record_page_shows_lines_read_only(admin_client):
    term = autumn()
    publish()
    ContributionFactory(repository=RepositoryFactory(tier="standard"), merged_at=dt.datetime(2026, 10, 1, tzinfo=UTC),
                        additions=2, deletions=1)
    term_evaluate(term=term, now=dt.datetime(2026, 12, 1, tzinfo=UTC))
    record = CreditRecord.objects.get()
    page = admin_client.get(reverse("admin:credits_creditrecord_change", args=[record.id])).content.decode()
    assert "only 3 changed lines (minimum 5)" in page and "仅改动 3 行" in page
    assert admin_client.post(reverse("admin:credits_creditrecord_change", args=[record.id]), {}).status_code == 403
    assert admin_client.get(reverse("admin:credits_creditrecord_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:credits_term_changelist")).status_code == 200


def test_admin_refuses_an_overlapping_term(admin_client):
    autumn()
    form = {"code": "2027-winter", "name_zh": "冬", "name_en": "Winter",
            "starts_on": "2027-01-20", "ends_on": "2027-02-20"}
    response = admin_client.post(reverse("admin:credits_term_add"), form)
    # The refusal is in the page's language (Chinese by default).
    assert response.status_code == 200 and "与 2026-autumn（2026-09-01..2027-01-31）重叠" in response.content.decode()
    assert Term.objects.count() == 1
