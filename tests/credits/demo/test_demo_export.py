"""The demo's summary ends with the registrar batch's path (or says nothing was approved to export)."""
from __future__ import annotations

import pytest
from django.utils import translation

from credits.demo.export import registrar_export
from credits.models import ExportBatch
from tests.credits.export_helpers import approved_record, export_term
from tests.factories import UserFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_prints_the_path_of_the_batch_it_created():
    UserFactory(username="registrar")
    approved_record(term=export_term())
    lines: list[str] = []
    path = registrar_export(lines.append)
    batch = ExportBatch.objects.get()
    assert lines[-1].strip() == str(path) and path.read_bytes() == batch.file.open("rb").read()
    assert batch.created_by.username == "registrar"


@pytest.mark.parametrize(("language", "nothing"), [("zh-hans", "未导出任何记录"), ("en", "nothing was exported")])
def test_without_approved_records_the_demo_says_nothing_was_exported(language, nothing):
    export_term()
    lines: list[str] = []
    with translation.override(language):
        assert registrar_export(lines.append) is None
    assert nothing in lines[-1] and not ExportBatch.objects.exists()
    assert_one_language("\n".join(lines), language)


@pytest.mark.parametrize(("language", "said"), [("zh-hans", "教务处导出：2026-autumn 的批次 "),
                                                ("en", "Registrar export: batch ")])
def test_the_batch_line_is_in_the_runs_language(language, said):
    UserFactory(username="registrar")
    approved_record(term=export_term())
    lines: list[str] = []
    with translation.override(language):
        registrar_export(lines.append)
    assert lines[0].startswith(said)
    assert_one_language("\n".join(lines), language)
