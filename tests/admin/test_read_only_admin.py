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
