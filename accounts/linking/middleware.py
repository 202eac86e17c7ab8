"""A forge without an OAuth app answers a clear page, not allauth's SocialApp.DoesNotExist (a 500)."""
from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class OAuthNotConfiguredMiddleware:
    """Turns a missing OAuth app into a 404 page that names the settings an operator must set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SocialApp.DoesNotExist):
            return None
        # The provider id is the path segment after /oauth/ (github, gitee, gitlab, openid_connect).
        parts = request.path.strip("/").split("/")
        provider = parts[parts.index("oauth") + 1] if "oauth" in parts[:-1] else ""
        return render(request, "linking/not_configured.html",
                      {"provider": provider, "variable": provider.upper()}, status=404)
