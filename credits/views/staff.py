"""Staff pages: the registrar's term overview (with the 学业预警 early-warning list) and the sync dashboard."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.roles import Role, roles_of
from credits.models import RecordStatus, Term
from credits.selectors import portal, staff
from credits.selectors.tokens import service_token_states

PAGE_SIZE = 50


def _require(request: HttpRequest, *roles: Role) -> None:
    if not roles_of(request.user) & {r.value for r in roles}:
        raise PermissionDenied


@require_GET
@login_required
def registrar_overview(request: HttpRequest) -> HttpResponse:
    """A term's credits by department, records by status, a chart, and students below the requirement."""
    _require(request, Role.REGISTRAR, Role.OPERATOR)
    terms = list(Term.objects.order_by("-starts_on")[:20])
    term = next((t for t in terms if t.code == request.GET.get("term")), None) or portal.current_term()
    policy = portal.policy_for(term)[1]
    required = policy.required_credits if policy else None
    warning = staff.early_warning(required) if required else None
    if request.GET.get("format") == "csv":
        return _warning_csv(warning, required)
    by_department = staff.credits_by_department(term) if term else []
    by_status = staff.records_by_status(term) if term else []
    labels = dict(RecordStatus.choices)
    chinese = (get_language() or "").startswith("zh")
    chart = {"labels": [(r["student__student__department__name"] if chinese else
                         r["student__student__department__name_en"] or r["student__student__department__name"])
                        or "—" for r in by_department],
             "series": {"approved": [float(r["approved"] or 0) for r in by_department],
                        "pending": [float(r["pending"] or 0) for r in by_department]},
             "names": {"approved": str(_("approved")), "pending": str(_("under way"))}}
    context = {
        "terms": terms, "term": term, "required": required, "by_department": by_department,
        "by_status": [{**r, "label": labels.get(r["status"], r["status"])} for r in by_status],
        "chart_data": chart, "chinese": chinese,
        "warning": Paginator(warning, PAGE_SIZE).get_page(request.GET.get("page")) if warning is not None else None,
        "query": f"term={term.code}" if term else "",
    }
    return render(request, "credits/registrar_overview.html", context)


def _warning_csv(warning, required) -> HttpResponse:
    """The early-warning list as CSV (UTF-8 with BOM, so spreadsheet software reads the Chinese)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="early-warning-{timezone.localdate()}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Student id"), pgettext("person", "Name"), _("Department"), _("Approved credits"),
                     _("Required credits")])
    for profile in (warning.iterator(chunk_size=2000) if warning is not None else []):
        # A leading =, +, - or @ would run as a formula in a spreadsheet.
        name = profile.name if profile.name[:1] not in "=+-@" else f"'{profile.name}"
        writer.writerow([profile.student_id, name, profile.department.name, profile.approved, required])
    return response


@require_GET
@login_required
def sync_dashboard(request: HttpRequest) -> HttpResponse:
    """Operators: recent runs and errors per repository, token pools, queue depth, last successful sync age."""
    _require(request, Role.OPERATOR)
    overview = staff.sync_overview()
    now = timezone.now()
    finished = [at for at in (overview["repositories"]["ok"], overview["identities"]["ok"]) if at]
    last_ok = max(finished) if finished else None
    context = {
        "overview": overview, "runs": list(staff.sync_runs()), "errors": list(staff.sync_errors()),
        "backfills": list(staff.backfill_runs()),
        "tokens": service_token_states(), "queue_depth": staff.queue_depth(),
        "last_ok_minutes": int((now - last_ok).total_seconds() // 60) if last_ok else None,
    }
    return render(request, "credits/sync_dashboard.html", context)
