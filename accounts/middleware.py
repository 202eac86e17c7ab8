"""Remember each signed-in person's portal language, so email to them is written in it."""
from __future__ import annotations

from accounts.services.preferences import user_language_remember


class RememberLanguageMiddleware:
    """After LocaleMiddleware and authentication: note the request's language on the user when it changed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(request, "LANGUAGE_CODE", ""):
            user_language_remember(user=user, language=request.LANGUAGE_CODE)
        return self.get_response(request)
