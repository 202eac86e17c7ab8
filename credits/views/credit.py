"""The student's "my credit" page: every record with each contribution's outcome and reason."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from credits.selectors.records import approved_total, own_records


@login_required
def my_credit(request: HttpRequest) -> HttpResponse:
    """The signed-in student's own credit records, newest term first, explained line by line."""
    context = {
        "records": own_records(request.user),
        "approved_total": approved_total(request.user, request.user),
        "chinese": (get_language() or "").startswith("zh"),
    }
    return render(request, "credits/my_credit.html", context)
