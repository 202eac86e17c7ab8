"""The render task on a real Celery worker (Redis in CI): the batch goes from rendering to ready."""
from __future__ import annotations

import time

import pytest

from credits.models import BatchStatus, ExportBatch
from credits.services.exports import batch_create
from credits.tasks import render_export_batch
from tests.credits.export_helpers import approved_record, export_term


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_a_worker_renders_the_batch_and_a_redelivery_changes_nothing(celery_worker):
    term = export_term()
    for _ in range(3):
        approved_record(term=term, evidence=0)
    batch = batch_create(term=term, actor=None)
    render_export_batch.delay(batch.id)
    deadline = time.monotonic() + 60
    while ExportBatch.objects.get(id=batch.id).status == BatchStatus.RENDERING and time.monotonic() < deadline:
        time.sleep(0.2)
    done = ExportBatch.objects.get(id=batch.id)
    assert done.status == BatchStatus.READY and done.rows_written == 3
    stored = done.file.open("rb").read()
    render_export_batch.apply(args=[batch.id])  # a redelivered message: the ready batch is left alone
    again = ExportBatch.objects.get(id=batch.id)
    assert again.sha256 == done.sha256 and again.file.name == done.file.name
    assert again.file.open("rb").read() == stored
