"""The portal's landing page and a health check."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.context_processors import own_pages
from credits.selectors import health as selectors_health
from credits.selectors.registry import registry_summary
from credits.views.student import student_home


def home(request: HttpRequest) -> HttpResponse:
    """A student's overview when a student signs in; otherwise the public registry figures."""
    if own_pages(request.user):
        return student_home(request)
    return render(request, "credits/home.html", {"registry": registry_summary()})


def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and sync freshness per forge for load balancers and compose; 503 when any is bad."""
    db_ok, db_detail = selectors_health.database_ok()
    broker_ok, broker_detail = selectors_health.broker_ok()
    forges = selectors_health.sync_freshness() if db_ok else []
    healthy = db_ok and broker_ok and not any(f.stale for f in forges)
    body = {
        "status": "ok" if healthy else "fail",
        "database": db_detail,
        "broker": broker_detail,
        "sync_max_age_minutes": settings.HEALTHZ_SYNC_MAX_AGE_MINUTES,
        "forges": {f.platform: {"last_success": f.last_success.isoformat() if f.last_success else None,
                                "age_minutes": f.age_minutes, "stale": f.stale} for f in forges},
    }
    return JsonResponse(body, status=200 if healthy else 503)
