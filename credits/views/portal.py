"""The portal's landing page and a health check."""
from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from credits.selectors.contributions import own_contributions
from credits.selectors.registry import registry_summary


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: public registry figures, and the signed-in student's own contributions."""
    context = {"registry": registry_summary()}
    if request.user.is_authenticated:
        context["my_contributions"] = own_contributions(request.user)[:50]
    return render(request, "credits/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and compose health checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
