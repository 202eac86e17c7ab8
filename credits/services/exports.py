"""Writes for registrar exports: claim records into a batch exactly once, render its file, book it."""

from __future__ import annotations

import hashlib
import tempfile
from typing import IO

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from credits.exporting.cells import check_cells, safe_row
from credits.exporting.formats import NUMERIC_COLUMNS, ExportFormat, check_encoding, load_format
from credits.exporting.writers import row_writer
from credits.models import BatchStatus, CreditRecord, ExportBatch, FileType, RecordStatus, Term
from credits.selectors.exports import batch_rows, claimable_records
from credits.services.audit import audit_record

CLAIM_CHUNK = 500  # ids per UPDATE (SQLite allows a limited number of query parameters)
PROGRESS_EVERY = 1000  # rows between progress updates while rendering


class ExportRefused(ValueError):
    """An export request that cannot be carried out; the message says why."""


class NothingToExport(ExportRefused):
    """No approved record of the term is waiting to be booked; no batch was created."""

    def __init__(self, term: Term):
        super().__init__(_("nothing to export for term %(term)s: every approved record is already in a batch")
                         % {"term": term.code})


class BatchNotReady(ExportRefused):
    """The batch's file is still being rendered (or rendering failed)."""


class BatchTampered(RuntimeError):
    """The stored file no longer matches the checksum taken when it was rendered."""


def term_for_export(code: str) -> Term:
    """The term named `code`, or ExportRefused naming the terms that exist."""
    term = Term.objects.filter(code=code).first()
    if term is None:
        known = ", ".join(Term.objects.values_list("code", flat=True)) or _("none yet")
        raise ExportRefused(_("unknown term %(code)r (terms: %(known)s)") % {"code": code, "known": known})
    return term


def batch_create(*, term: Term, actor, format_name: str = "default", encoding: str | None = None,
                 xlsx: bool = False) -> ExportBatch:
    """Claim every approved, not yet exported record of `term` into a new batch (one transaction).

    Rows are locked with SELECT ... FOR UPDATE SKIP LOCKED, so a concurrent export takes other rows or none;
    the conditional UPDATE (export_batch IS NULL) keeps a record in one batch even where locks do not exist
    (SQLite has none, but takes its single write lock when the transaction begins).
    """
    fmt = load_format(format_name)
    if xlsx and encoding:
        raise ExportRefused(_("an XLSX file has no encoding option (it is always Unicode); drop --encoding"))
    encoding = "" if xlsx else check_encoding(encoding or fmt.encoding)
    with transaction.atomic():
        ids = list(claimable_records(term_id=term.id).select_for_update(skip_locked=True).order_by("id")
                   .values_list("id", flat=True))
        if not ids:
            raise NothingToExport(term)
        batch = ExportBatch.objects.create(
            term=term, format_name=fmt.name, format_spec=fmt.model_dump(mode="json"), encoding=encoding,
            file_type=FileType.XLSX if xlsx else FileType.CSV, row_count=0, created_by=actor,
        )
        now, claimed = timezone.now(), 0
        for start in range(0, len(ids), CLAIM_CHUNK):
            claimed += CreditRecord.objects.filter(
                id__in=ids[start:start + CLAIM_CHUNK], status=RecordStatus.APPROVED, export_batch__isnull=True,
            ).update(export_batch=batch, exported_at=now)
        if not claimed:
            raise NothingToExport(term)  # rolls the empty batch back
        batch.row_count = claimed
        ExportBatch.objects.filter(id=batch.id).update(row_count=claimed)
        columns = [c.column for c in fmt.columns]
        for record_id, cells in batch_rows(batch_id=batch.id, fmt=fmt):
            check_cells(record_id, columns, cells, encoding=encoding, xlsx=xlsx)  # raises: nothing exported
        audit_record(action="export_create", subject=batch, subject_type="export_batch", actor=actor,
                     after=BatchStatus.RENDERING, data={"term": term.code, "rows": claimed, "format": fmt.name,
                                                         "encoding": encoding, "file_type": batch.file_type})
    return batch


def _write_file(batch: ExportBatch, fmt: ExportFormat, out: IO[bytes]) -> int:
    """Stream the batch's header and rows into `out`; return the number of rows."""
    numeric = [c.column in NUMERIC_COLUMNS for c in fmt.columns]
    writer = row_writer(out, xlsx=batch.file_type == FileType.XLSX, encoding=batch.encoding, numeric=numeric,
                        title=batch.term.code)
    writer.writerow(fmt.headers())
    written = 0
    for _record_id, cells in batch_rows(batch_id=batch.id, fmt=fmt):
        writer.writerow(safe_row(cells, numeric))
        written += 1
        if written % PROGRESS_EVERY == 0:
            ExportBatch.objects.filter(id=batch.id).update(rows_written=written)
    writer.close()
    return written


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    handle.seek(0)
    while block := handle.read(1 << 20):
        digest.update(block)
    handle.seek(0)
    return digest.hexdigest()


def batch_render(*, batch_id: int) -> ExportBatch:
    """Render a claimed batch's file and store it with its SHA-256 (idempotent: a ready batch is left alone)."""
    batch = ExportBatch.objects.select_related("term").get(id=batch_id)
    if batch.status == BatchStatus.READY:
        return batch
    fmt = ExportFormat.model_validate(batch.format_spec)
    try:
        with tempfile.TemporaryFile() as tmp:
            written = _write_file(batch, fmt, tmp)
            if written != batch.row_count:
                raise RuntimeError(f"batch {batch.id} holds {written} records, {batch.row_count} were claimed")
            sha = _sha256(tmp)
            name = default_storage.save(f"exports/{batch.term.code}/{batch.filename}", File(tmp))
    except Exception as exc:
        ExportBatch.objects.filter(id=batch.id, status=BatchStatus.RENDERING).update(
            status=BatchStatus.FAILED, error=str(exc)[:2000])
        raise
    with transaction.atomic():
        changed = ExportBatch.objects.filter(id=batch.id).exclude(status=BatchStatus.READY).update(
            status=BatchStatus.READY, file=name, sha256=sha, rows_written=written, rendered_at=timezone.now(),
            error="")
        if changed != 1:  # another render finished first: keep its file, drop ours
            transaction.on_commit(lambda: default_storage.delete(name))
        else:
            audit_record(action="export_ready", subject=batch, subject_type="export_batch", before=batch.status,
                         after=BatchStatus.READY, data={"sha256": sha, "rows": written, "file": name})
    return ExportBatch.objects.select_related("term").get(id=batch.id)


def batch_retry(*, batch_id: int, actor) -> ExportBatch:
    """Put a failed batch back to rendering (its records stay claimed by it)."""
    with transaction.atomic():
        changed = ExportBatch.objects.filter(id=batch_id, status=BatchStatus.FAILED).update(
            status=BatchStatus.RENDERING, rows_written=0)
        batch = ExportBatch.objects.get(id=batch_id)
        if changed != 1:
            raise BatchNotReady(_("batch %(id)s is %(status)s, not failed")
                                % {"id": batch_id, "status": batch.get_status_display()})
        audit_record(action="export_retry", subject=batch, subject_type="export_batch", actor=actor,
                     before=BatchStatus.FAILED, after=BatchStatus.RENDERING)
    return batch


def batch_download(*, batch_id: int, actor, ip: str | None = None) -> tuple[ExportBatch, IO[bytes]]:
    """Open a ready batch's stored file after checking its checksum; the download is audited."""
    batch = ExportBatch.objects.select_related("term").get(id=batch_id)
    if batch.status != BatchStatus.READY:
        raise BatchNotReady(_("batch %(id)s is %(status)s (%(done)s of %(total)s rows); download it once it is "
                              "ready") % {"id": batch.id, "status": batch.get_status_display(),
                                          "done": batch.rows_written, "total": batch.row_count})
    handle = batch.file.open("rb")
    if _sha256(handle) != batch.sha256:
        handle.close()
        raise BatchTampered(f"batch {batch.id}: the stored file does not match its SHA-256 {batch.sha256}")
    with transaction.atomic():
        audit_record(action="export_download", subject=batch, subject_type="export_batch", actor=actor, ip=ip,
                     data={"sha256": batch.sha256})
    return batch, handle


def batch_book(*, batch_id: int, actor, note: str = "") -> ExportBatch:
    """Record the registrar's receipt (回执): their system loaded this batch (once; who, when, a note)."""
    with transaction.atomic():
        changed = ExportBatch.objects.filter(id=batch_id, status=BatchStatus.READY, booked_at__isnull=True).update(
            booked_at=timezone.now(), booked_by=actor, booked_note=note)
        batch = ExportBatch.objects.select_related("term").get(id=batch_id)
        if changed != 1:
            if batch.booked:
                raise ExportRefused(_("batch %(id)s cannot be booked: it is already booked") % {"id": batch_id})
            raise ExportRefused(_("batch %(id)s cannot be booked: it is %(status)s, not ready")
                                % {"id": batch_id, "status": batch.get_status_display()})
        audit_record(action="export_book", subject=batch, subject_type="export_batch", actor=actor,
                     before=BatchStatus.READY, after="booked", reason=note)
    return batch
