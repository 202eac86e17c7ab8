"""Exactly once: concurrent exports never share a record (PostgreSQL row locks; the conditional claim anywhere)."""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from credits.models import CreditRecord, ExportBatch
from credits.services import exports
from credits.services.exports import NothingToExport, batch_create
from tests.credits.export_helpers import approved_record, export_term


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _run(target) -> threading.Thread:
    def body():
        try:
            target()
        finally:
            connection.close()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_exports_book_every_record_exactly_once(postgres_only):
    term = export_term()
    for _ in range(120):
        approved_record(term=term, evidence=0)
    barrier, outcomes = threading.Barrier(4), []

    def one_export():
        barrier.wait()
        try:
            outcomes.append(batch_create(term=term, actor=None).row_count)
        except NothingToExport:
            outcomes.append(0)

    for thread in [_run(one_export) for _ in range(4)]:
        thread.join(60)
    assert len(outcomes) == 4 and sum(outcomes) == 120
    assert not CreditRecord.objects.filter(export_batch__isnull=True).exists()
    assert sorted(ExportBatch.objects.values_list("row_count", flat=True)) == sorted(n for n in outcomes if n)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_export_skips_rows_another_export_has_locked(postgres_only, monkeypatch):
    term = export_term()
    for _ in range(5):
        approved_record(term=term, evidence=0)
    locked, release, first_result, second = threading.Event(), threading.Event(), [], {}
    real_audit = exports.audit_record

    def slow_audit(**kwargs):  # the first export holds its row locks here, inside its transaction
        if threading.current_thread().name == "first":
            locked.set()
            release.wait(30)
        return real_audit(**kwargs)

    monkeypatch.setattr(exports, "audit_record", slow_audit)
    first = threading.Thread(target=lambda: (first_result.append(batch_create(term=term, actor=None)),
                                             connection.close()), name="first")
    first.start()
    assert locked.wait(30)
    started = time.monotonic()
    try:
        batch_create(term=term, actor=None)
    except NothingToExport as exc:
        second["refused"] = exc
    second["seconds"] = time.monotonic() - started
    release.set()
    first.join(30)
    assert "refused" in second and second["seconds"] < 5  # skipped the locked rows instead of waiting
    assert first_result[0].row_count == 5 and ExportBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_claim_takes_only_unclaimed_records_even_where_row_locks_do_nothing(monkeypatch):
    """SQLite ignores FOR UPDATE; a stale candidate list (as a lost race would give) still books nothing twice."""
    term = export_term()
    old = approved_record(term=term, evidence=0)
    first = batch_create(term=term, actor=None)
    new = approved_record(term=term, evidence=0)
    stale = CreditRecord.objects.filter(term=term)  # both records, as if read before the first batch committed
    monkeypatch.setattr(exports, "claimable_records", lambda term_id: stale)
    second = batch_create(term=term, actor=None)
    assert second.row_count == 1
    assert CreditRecord.objects.get(id=old.id).export_batch_id == first.id
    assert CreditRecord.objects.get(id=new.id).export_batch_id == second.id
