"""The admin shows identities, the registry and contributions but cannot change them (services audit changes)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import ContributionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model, target", [
    ("accounts_forgeidentity", lambda c: c.identity),
    ("credits_contribution", lambda c: c),
    ("credits_repository", lambda c: c.repository),
])
def test_an_operator_can_view_but_not_change_or_delete(client, model, target):
    operator = UserFactory(is_staff=True, is_superuser=True)
    obj = target(ContributionFactory())
    client.force_login(operator)

    assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:{model}_change", args=[obj.pk])).status_code == 200  # the view page
    assert client.post(reverse(f"admin:{model}_change", args=[obj.pk]), {}).status_code == 403
    assert client.post(reverse(f"admin:{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_token_budgets_are_listed_for_operators_and_never_edited(client):
    from django.utils import timezone

    from credits.models import TokenBudget

    budget = TokenBudget.objects.create(platform="github", fingerprint="f" * 64, remaining=4990, limit=5000,
                                        seen_at=timezone.now())
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:credits_tokenbudget_changelist"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "4990" in page.content.decode() and "速率限额" in page.content.decode()
    assert client.get(reverse("admin:credits_tokenbudget_add")).status_code == 403
    assert client.post(reverse("admin:credits_tokenbudget_change", args=[budget.pk]), {}).status_code == 403
