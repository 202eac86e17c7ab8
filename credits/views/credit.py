"""The student's "my credit" page: every record with each contribution's outcome and reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from accounts.access import records_visible_to
from credits.models import CreditLine
from credits.selectors_records import approved_total


@login_required
def my_credit(request: HttpRequest) -> HttpResponse:
    """The signed-in student's own credit records, newest term first, explained line by line."""
    lines = CreditLine.objects.select_related("contribution__repository").order_by("position")
    records = (
        records_visible_to(request.user)
        .filter(student_id=request.user.pk)
        .select_related("policy_version", "adjusts")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("-term__starts_on", "kind", "id")
    )
    context = {
        "records": records,
        "approved_total": approved_total(request.user),
        "chinese": (get_language() or "").startswith("zh"),
    }
    return render(request, "credits/my_credit.html", context)
