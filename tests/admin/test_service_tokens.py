"""Operators add, rotate and disable service tokens in the admin; the secret is never shown back."""
from __future__ import annotations

import pytest
from django.urls import reverse

from credits.models import AuditEvent, ServiceToken
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def test_add_rotate_and_disable_through_the_admin(client, operator):
    add = client.post(reverse("admin:credits_servicetoken_add"),
                      {"platform": "github", "label": "ops bot", "new_token": "ghp_admin_secret"})
    assert add.status_code == 302, add.content.decode()[:2000]
    row = ServiceToken.objects.get()
    assert row.token == "ghp_admin_secret" and row.created_by == operator
    page = client.get(reverse("admin:credits_servicetoken_change", args=[row.pk]))
    assert b"ghp_admin_secret" not in page.content
    assert row.fingerprint[:12].encode() in client.get(reverse("admin:credits_servicetoken_changelist")).content

    client.post(reverse("admin:credits_servicetoken_change", args=[row.pk]),
                {"label": "ops bot", "new_token": "ghp_rotated_secret"})
    row.refresh_from_db()
    assert row.token == "ghp_rotated_secret" and row.rotated_at is not None

    client.post(reverse("admin:credits_servicetoken_changelist"),
                {"action": "disable_tokens", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert not row.enabled
    actions = list(AuditEvent.objects.filter(subject_type="servicetoken").values_list("action", "actor"))
    assert actions == [("service_token_add", operator.pk), ("service_token_rotate", operator.pk),
                       ("service_token_disable", operator.pk)]


def test_a_new_token_needs_its_value(client, operator):
    response = client.post(reverse("admin:credits_servicetoken_add"), {"platform": "gitee", "label": "bot"})
    assert response.status_code == 200 and not ServiceToken.objects.exists()
