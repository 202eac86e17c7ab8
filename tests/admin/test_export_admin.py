"""Export batches in the admin: an operator can look, never change or delete (the file and checksum are final)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from credits.services.exports import batch_create, batch_render
from tests.credits.export_helpers import approved_record, export_term
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_an_operator_can_view_but_not_change_or_delete_a_batch(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    approved_record(term=export_term())
    batch = batch_render(batch_id=batch_create(term=export_term(), actor=None).id)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:credits_exportbatch_changelist"))
    assert listing.status_code == 200 and batch.sha256 in listing.content.decode()
    assert client.post(reverse("admin:credits_exportbatch_change", args=[batch.pk]), {}).status_code == 403
    assert client.post(reverse("admin:credits_exportbatch_delete", args=[batch.pk]), {"post": "yes"}).status_code == 403
