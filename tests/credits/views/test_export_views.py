"""The registrar's export page: create, follow, download identical bytes, book; refusals shown, not raised."""
from __future__ import annotations

import hashlib

import pytest

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import AuditEvent, BatchStatus, ExportBatch
from credits.services.exports import batch_create
from tests.credits.export_helpers import approved_record, export_term
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def registrar(client):
    user = UserFactory(username="jwc")
    role_grant(user=user, role=Role.REGISTRAR, actor=None)
    client.force_login(user)
    return user


def test_registrar_creates_downloads_and_books_a_batch(client, registrar, eager_tasks):
    term = export_term()
    approved_record(term=term, name="张三")
    page = client.get("/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2026-autumn: 1" in page
    response = client.post("/exports/", {"term": "2026-autumn", "format": "default", "encoding": ""}, follow=True)
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.READY and batch.created_by == registrar
    assert batch.sha256 in response.content.decode()
    first = client.get(f"/exports/{batch.id}/download")
    body = b"".join(first.streaming_content)
    second = b"".join(client.get(f"/exports/{batch.id}/download").streaming_content)
    assert body == second == batch.file.open("rb").read()
    assert hashlib.sha256(body).hexdigest() == first["X-Checksum-SHA256"] == batch.sha256
    assert first["Content-Type"] == "text/csv" and f"batch-{batch.id}.csv" in first["Content-Disposition"]
    client.post(f"/exports/{batch.id}/book", {"note": "已导入教务系统"})
    batch.refresh_from_db()
    assert batch.booked_by == registrar and batch.booked_note == "已导入教务系统"
    assert AuditEvent.objects.filter(subject_type="export_batch", action="export_download").count() == 2


def test_nothing_to_export_is_said_and_creates_nothing(client, registrar):
    export_term()
    response = client.post("/exports/", {"term": "2026-autumn", "format": "default"}, follow=True,
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "nothing to export for term 2026-autumn" in response.content.decode()
    assert not ExportBatch.objects.exists()


def test_a_download_while_rendering_answers_409_and_progress_reports_rows(client, registrar):
    term = export_term()
    approved_record(term=term)
    batch = batch_create(term=term, actor=registrar)
    response = client.get(f"/exports/{batch.id}/download", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409 and "download it once it is ready" in response.content.decode()
    chinese = client.get(f"/exports/{batch.id}/download", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.status_code == 409 and "请在就绪后下载" in chinese.content.decode()
    assert client.get(f"/exports/{batch.id}/progress").json() == {
        "id": batch.id, "status": "rendering", "rows_written": 0, "row_count": 1, "sha256": "", "error": ""}
    page = client.get("/exports/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "rendering: 0 of 1 rows" in page and 'http-equiv="refresh"' in page


def test_xlsx_download_has_the_workbook_type(client, registrar, eager_tasks):
    approved_record(term=export_term())
    client.post("/exports/", {"term": "2026-autumn", "format": "default", "xlsx": "on"})
    batch = ExportBatch.objects.get()
    response = client.get(f"/exports/{batch.id}/download")
    assert response["Content-Type"].endswith("spreadsheetml.sheet")
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_a_reviewer_sees_no_export_link_and_cannot_post(client):
    reviewer = UserFactory(username="prof")
    role_grant(user=reviewer, role=Role.REVIEWER, actor=None)
    client.force_login(reviewer)
    assert "/exports/" not in client.get("/credit/").content.decode()
    assert client.post("/exports/", {"term": "2026-autumn", "format": "default"}).status_code == 403
