"""The registrar's export page: create a batch, follow its rendering, download identical bytes, book it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credits.exporting.cells import UnwritableCell
from credits.exporting.formats import FormatError
from credits.forms import BookForm, ExportForm
from credits.models import BatchStatus, ExportBatch
from credits.selectors.exports import batches, waiting_by_term
from credits.services.exports import (
    BatchNotReady,
    ExportRefused,
    batch_book,
    batch_create,
    batch_download,
    batch_retry,
)
from credits.tasks import render_export_batch

HISTORY_PAGE = 50  # batches a page (a term makes a few; years of them add up)
CONTENT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _render_later(request: HttpRequest, batch: ExportBatch) -> None:
    """Hand the rendering to a worker (in-process without a broker); a failure shows on the page."""
    try:
        render_export_batch.delay(batch.id)
    except Exception as exc:  # noqa: BLE001 - eager mode raises here; the batch is already marked failed
        messages.error(request, _("Batch %(id)s could not be rendered: %(error)s") % {"id": batch.id, "error": exc})


@require_http_methods(["GET", "POST"])
@login_required
@permission_required("credits.view_exportbatch", raise_exception=True)
def export_list(request: HttpRequest) -> HttpResponse:
    """History of batches (rows, checksum, booked state) and the form that creates the next one."""
    form = ExportForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("credits.add_exportbatch"):
            return HttpResponse(status=403)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = batch_create(term=data["term"], actor=request.user, format_name=data["format"],
                                     encoding=data["encoding"] or None, xlsx=data["xlsx"])
            except (ExportRefused, FormatError, UnwritableCell) as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Batch %(id)s: %(rows)d records claimed; rendering its file.")
                                 % {"id": batch.id, "rows": batch.row_count})
                _render_later(request, batch)
                return redirect("export_list")
    page = Paginator(batches(), HISTORY_PAGE).get_page(request.GET.get("page"))
    history = list(page.object_list)
    context = {
        "form": form, "batches": history, "page": page, "query": "", "book_form": BookForm(),
        "waiting": waiting_by_term(),
        "rendering": any(b.status == BatchStatus.RENDERING for b in history),
    }
    return render(request, "credits/exports.html", context)


@require_GET
@login_required
@permission_required("credits.view_exportbatch", raise_exception=True)
def export_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The stored file, byte for byte (409 while it is still rendering)."""
    get_object_or_404(ExportBatch, id=batch_id)
    try:
        batch, handle = batch_download(batch_id=batch_id, actor=request.user, ip=request.META.get("REMOTE_ADDR"))
    except BatchNotReady as exc:
        return HttpResponse(str(exc), status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(handle, as_attachment=True, filename=batch.filename,
                            content_type=CONTENT_TYPES[batch.file_type])
    response["X-Checksum-SHA256"] = batch.sha256
    return response


@require_GET
@login_required
@permission_required("credits.view_exportbatch", raise_exception=True)
def export_progress(request: HttpRequest, batch_id: int) -> JsonResponse:
    """How far a batch's rendering has got."""
    batch = get_object_or_404(ExportBatch, id=batch_id)
    return JsonResponse({"id": batch.id, "status": batch.status, "rows_written": batch.rows_written,
                         "row_count": batch.row_count, "sha256": batch.sha256, "error": batch.error})


@require_POST
@login_required
@permission_required("credits.change_exportbatch", raise_exception=True)
def export_book(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Mark a batch booked: the registrar's system has loaded it."""
    get_object_or_404(ExportBatch, id=batch_id)
    form = BookForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        batch_book(batch_id=batch_id, actor=request.user, note=note)
    except ExportRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Batch %(id)s marked booked.") % {"id": batch_id})
    return redirect("export_list")


@require_POST
@login_required
@permission_required("credits.change_exportbatch", raise_exception=True)
def export_retry(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Render a failed batch again (its records stay claimed by it)."""
    get_object_or_404(ExportBatch, id=batch_id)
    try:
        batch = batch_retry(batch_id=batch_id, actor=request.user)
    except ExportRefused as exc:
        messages.error(request, str(exc))
    else:
        _render_later(request, batch)
    return redirect("export_list")
