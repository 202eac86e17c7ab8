"""Error pages in the portal's layout and language; they show a fixed sentence, never the exception or path."""
from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.template import loader
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def _page(request: HttpRequest, status: int, heading: str, explanation: str) -> HttpResponse:
    return HttpResponse(
        loader.render_to_string("error.html", {"heading": heading, "explanation": explanation}, request),
        status=status,
    )


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """400."""
    return _page(request, 400, _("Bad request"),
                 _("The request could not be understood. Please go back and try again."))


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    """403."""
    return _page(request, 403, _("Not allowed"),
                 _("Your account may not open this page. If you think it should, ask the registrar's office."))


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """404."""
    return _page(request, 404, _("Page not found"),
                 _("There is no such page, or it is not visible to you."))


def server_error(request: HttpRequest) -> HttpResponse:
    """500: in the layout when it can be rendered, else a plain sentence (the layout itself may be what broke)."""
    try:
        return _page(request, 500, _("Something went wrong"),
                     _("The error has been logged. Please try again in a few minutes."))
    except Exception:  # noqa: BLE001 - the fallback must not fail in turn
        log.exception("the 500 page could not be rendered")
        return HttpResponseServerError("<h1>500</h1><p>Server error / 服务器错误</p>")
