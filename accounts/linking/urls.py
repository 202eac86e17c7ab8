"""Routes: the student's forge-account page, unlinking, and allauth's OAuth endpoints (linking only).

Only allauth's provider login/callback routes are mounted; every failure is answered by our adapter, and
sign-in stays on Django's `login`/`logout` views, so allauth's password, sign-up and e-mail pages never exist.
"""
from __future__ import annotations

from allauth.urls import build_provider_urlpatterns
from django.urls import include, path

from . import views

urlpatterns = [
    path("forges/", views.forge_accounts, name="forge_accounts"),
    path("forges/<int:identity_id>/unlink/", views.forge_unlink, name="forge_unlink"),
    path("oauth/", include(build_provider_urlpatterns())),
]
