"""Reviewer pages: the queue (filters, counts, waiting time, pages) with bulk approval, the public notice, the
registrar's backlog."""
from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Department
from accounts.roles import Role, roles_of
from credits.models import Term
from credits.models.records import AWAITING
from credits.selectors import review
from credits.services.records import record_approve_many
from credits.views.record_labels import status_name
from credits.views.records import client_ip

PAGE_SIZE = 25


def _reviewer_only(request: HttpRequest) -> None:
    if not review.is_reviewer(request.user):
        raise PermissionDenied


def _with_chosen(options: list[tuple[str, str]], chosen: str, label=str) -> list[tuple[str, str]]:
    """A filter's (value, label) options, plus the chosen value when it is none of them (from a link, or a stage
    no published policy has any more), so that the select shows the filter that is applied."""
    if chosen and chosen not in dict(options):
        return [*options, (chosen, label(chosen))]
    return options


@require_GET
@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Records waiting for the viewer (or all visible ones), filtered, sorted by waiting time, paginated."""
    _reviewer_only(request)
    filters = {k: request.GET.get(k, "") for k in (*review.QUEUE_FILTERS, "mine")}
    filters["mine"] = filters["mine"] or "1"
    sort = request.GET.get("sort", "waiting")
    queue = review.review_queue(request.user, filters, sort=sort)
    paginator = Paginator(queue.records, PAGE_SIZE)
    paginator.count = queue.total  # counted with the facets already: no second COUNT query
    page = paginator.get_page(request.GET.get("page"))
    decidable = {record.pk for record in page if record.decidable}
    chinese = (get_language() or "").startswith("zh")
    for record in page:  # policy_version is joined in and each version's stages are parsed once
        record.stage_label = dict(review.stage_names(record, chinese)).get(record.approval_stage, record.approval_stage)
    query = request.GET.copy()
    query.pop("page", None)
    stages = review.policy_stages(chinese)
    stage_names = dict(stages)
    name = {"stage": lambda key: stage_names.get(key, key), "status": status_name}
    counts = {facet: [(name.get(facet, str)(value), n) for value, n in rows] for facet, rows in queue.counts.items()}
    context = {
        "page": page, "queue": queue, "counts": counts, "filters": filters, "sort": sort, "decidable": decidable,
        "chinese": chinese, "query": query.urlencode(),
        "terms": Term.objects.order_by("-starts_on"), "departments": Department.objects.order_by("code"),
        "stages": _with_chosen(stages, filters["stage"]),
        "statuses": _with_chosen([(s.value, s.label) for s in AWAITING], filters["status"], status_name),
        "overdue": {r.pk for r in page.object_list if review.overdue(r)},
    }
    return render(request, "credits/review_queue.html", context)


@require_POST
@login_required
def review_bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the selected records, each on its own; list what succeeded and what was refused and why."""
    _reviewer_only(request)
    ids = [i for i in request.POST.getlist("record") if i.isdigit()]
    result = record_approve_many(record_ids=ids, actor=request.user, reason=request.POST.get("reason", ""),
                                 ip=client_ip(request))
    if result.approved:
        messages.success(request, _("Approved %(n)d records: %(ids)s.") % {
            "n": len(result.approved), "ids": ", ".join(f"#{i}" for i in result.approved)})
    for record_id, why in result.refused:
        messages.error(request, _("#%(id)s refused: %(why)s") % {"id": record_id, "why": why})
    if not ids:
        messages.error(request, _("Select at least one record."))
    return redirect("review_queue")


@require_GET
@login_required
def public_notice(request: HttpRequest) -> HttpResponse:
    """The public notice (公示) of one department (or all): masked names and ids, credits, repositories, end date."""
    code = request.GET.get("department")
    if code is None:  # one's own department first
        own = getattr(request.user, "student", None)
        code = own.department.code if own is not None else ""
    page = Paginator(review.notice_records(code or None), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"entries": review.notice_entries(page.object_list), "page": page, "department": code,
               "query": urlencode({"department": code}), "departments": Department.objects.order_by("code"),
               "chinese": (get_language() or "").startswith("zh")}
    return render(request, "credits/public_notice.html", context)


@require_GET
@login_required
def review_backlog(request: HttpRequest) -> HttpResponse:
    """The registrar's view of the backlog per stage and department (counts, oldest waiting, overdue)."""
    if not roles_of(request.user) & {Role.REGISTRAR.value, Role.OPERATOR.value}:
        raise PermissionDenied
    chinese = (get_language() or "").startswith("zh")
    stages = dict(review.policy_stages(chinese))
    rows = [{**row, "stage_name": stages.get(row["stage"], row["stage"]), "status_name": status_name(row["status"])}
            for row in review.backlog()]
    summary = [(status_name(status), n) for status, n in review.awaiting_summary().items()]
    return render(request, "credits/review_backlog.html", {"rows": rows, "summary": summary, "chinese": chinese})
