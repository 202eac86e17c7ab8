"""Refuse NUL characters in the URL before any view or query sees them (PostgreSQL cannot store or compare them)."""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseNotFound


class RejectNulMiddleware:
    """A NUL in the path is a page that cannot exist (404); in the query string, a malformed request (400)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponseNotFound("Not Found")
        if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()):
            return HttpResponseBadRequest("Bad Request: the query contains a NUL character")
        return self.get_response(request)
