"""The portal's landing page and a health check."""
from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.access import contributions_visible_to
from credits import selectors


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: public registry figures, and the signed-in student's own contributions."""
    context = {"registry": selectors.registry_summary()}
    if request.user.is_authenticated:
        # Scoped in the query by role, then narrowed to the viewer's own work (as selectors.contributions_of was).
        mine = contributions_visible_to(request.user).filter(identity__user_id=request.user.pk)
        context["my_contributions"] = mine.order_by("-merged_at", "id")[:50]
    return render(request, "credits/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
