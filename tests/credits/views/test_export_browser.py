"""The registrar's journey in a real browser: sign in, create a batch, download it; the bytes are the stored file."""
from __future__ import annotations

import pytest

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import BatchStatus, ExportBatch
from tests.accounts.test_link_browser import chromium, page  # noqa: F401 - the shared Chromium and page fixtures
from tests.credits.export_helpers import approved_record, export_term
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def registrar(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    user = UserFactory(username="jwc", display_name="教务处 李老师")
    role_grant(user=user, role=Role.REGISTRAR, actor=None)
    return user


def test_registrar_creates_and_downloads_a_batch(page, live_server, registrar, tmp_path):  # noqa: F811
    term = export_term()
    approved_record(term=term, name="欧阳娜娜")
    approved_record(term=term, name="=HYPERLINK(\"http://evil\")")
    page.goto(f"{live_server.url}/accounts/login/?next=/exports/")
    page.fill("input[name=username]", "jwc")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/exports/")
    assert "2026-autumn: 2" in page.inner_text("#waiting")
    page.select_option("select[name=term]", "2026-autumn")
    page.click("#export-form button[type=submit]")
    page.wait_for_selector("#batches tr[data-status=ready] a.download")
    batch = ExportBatch.objects.get()
    assert batch.status == BatchStatus.READY and batch.created_by == registrar
    assert batch.sha256 in page.inner_text(f"#batch-{batch.id}")
    with page.expect_download() as info:
        page.click(f"#batch-{batch.id} a.download")
    saved = tmp_path / "downloaded.csv"
    info.value.save_as(saved)
    assert saved.read_bytes() == batch.file.open("rb").read()
    assert info.value.suggested_filename == f"xuefen-2026-autumn-batch-{batch.id}.csv"
    page.fill(f"#batch-{batch.id} input[name=note]", "已导入教务系统")
    page.click(f"#batch-{batch.id} form.book button")
    page.wait_for_selector(f"#batch-{batch.id} .ok")
    batch.refresh_from_db()
    assert batch.booked_by == registrar and batch.booked_note == "已导入教务系统"
