"""Record pages: the student's submit and withdraw, the record page with evidence, history and decisions."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from credits.models import CreditRecord
from credits.selectors import review
from credits.selectors.portal import policy_document
from credits.services import records as lifecycle
from credits.services.records_rules import check_decider, credit_ceiling, may_object, may_revoke, stage_of
from credits.views.record_labels import label_history, label_lines


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (the proxy in front sets REMOTE_ADDR for us)."""
    return request.META.get("REMOTE_ADDR") or None


def _run(request: HttpRequest, action, done: str, **kwargs) -> bool:
    """Call a lifecycle service; its refusal becomes a message, outside-the-mandate a 404."""
    try:
        action(actor=request.user, ip=client_ip(request), **kwargs)
    except lifecycle.NotPermitted:
        raise Http404 from None
    except lifecycle.RecordError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@require_POST
@login_required
def record_submit(request: HttpRequest, record_id: int) -> HttpResponse:
    """The student submits (or resubmits) a record with a statement."""
    _run(request, lifecycle.record_submit, _("Submitted for review."), record_id=record_id,
         statement=request.POST.get("statement", ""))
    return redirect("my_credit")


@require_POST
@login_required
def record_withdraw(request: HttpRequest, record_id: int) -> HttpResponse:
    """The student takes a submitted record back."""
    _run(request, lifecycle.record_withdraw, _("Withdrawn; the record is a draft again."), record_id=record_id)
    return redirect("my_credit")


def _can_decide(user, record: CreditRecord) -> bool:
    try:
        check_decider(user, record)
    except lifecycle.RecordError:
        return False
    return True


@require_GET
@login_required
def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    """One record: who, what, each contribution's outcome and reason, the history, and the viewer's actions."""
    try:
        record = review.record_for_page(request.user, record_id)
    except CreditRecord.DoesNotExist:
        raise Http404 from None
    language = get_language() or "zh-hans"
    chinese = language.startswith("zh")
    stage = stage_of(record)
    stages = review.stage_names(record, chinese)
    context = {
        "record": record, "chinese": chinese, "profile": getattr(record.student, "student", None),
        "stages": stages, "stage": stage,
        "stage_name": (stage.name_zh if chinese else stage.name_en) if stage else "",
        "lines": label_lines(record.lines.all(), policy_document(record.policy_version), language),
        "history": label_history(review.record_history(request.user, record), dict(stages)),
        "overdue": review.overdue(record),
        "can_decide": _can_decide(request.user, record), "ceiling": credit_ceiling(record),
        "can_revoke": record.status == "approved" and may_revoke(request.user, record),
        "can_object": record.status == "in_public_notice" and may_object(request.user, record),
    }
    return render(request, "credits/record_detail.html", context)


DECISIONS = {
    "approve": (lifecycle.record_approve, _("Approved.")),
    "return": (lifecycle.record_return, _("Returned to the student.")),
    "reject": (lifecycle.record_reject, _("Rejected.")),
    "revoke": (lifecycle.record_revoke, _("Revoked.")),
}


@require_POST
@login_required
def record_decide(request: HttpRequest, record_id: int) -> HttpResponse:
    """A stage holder's decision (approve, return, reject, adjust) or a revocation, from the record page."""
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    if action == "adjust":
        _run(request, lifecycle.record_adjust, _("Credits adjusted."), record_id=record_id,
             credits=request.POST.get("credits", ""), reason=reason)
    elif action in DECISIONS:
        service, done = DECISIONS[action]
        _run(request, service, done, record_id=record_id, reason=reason)
    else:
        messages.error(request, _("Unknown action."))
    return redirect("record_detail", record_id=record_id)


@require_POST
@login_required
def record_object(request: HttpRequest, record_id: int) -> HttpResponse:
    """An objection to a record on the public notice."""
    _run(request, lifecycle.record_object, _("Objection filed; the record goes back for re-review."),
         record_id=record_id, reason=request.POST.get("reason", ""))
    return redirect(reverse("public_notice") + f"?department={request.POST.get('department', '')}")
