"""allauth adapters: forge logins only ever link (never sign in or sign up); university SSO signs known people in."""
from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.urls import reverse

from accounts.platforms import Platform

from . import views


class AccountAdapter(DefaultAccountAdapter):
    """People come from the roster; nobody signs themselves up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Routes each finished OAuth dance to our pages; allauth stores no forge SocialAccount and no token."""

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        """Forge: link through the identity service and answer with our page. SSO: attach to a rostered person."""
        if sociallogin.account.provider in Platform.values:
            raise ImmediateHttpResponse(views.complete_forge_link(request, sociallogin))
        if not sociallogin.is_existing:
            response = views.attach_sso_login(request, sociallogin)
            if response is not None:
                raise ImmediateHttpResponse(response)

    def on_authentication_error(self, request: HttpRequest, provider, error=None, exception=None,
                                extra_context=None) -> None:
        """Denied, failed, replayed or expired: one clear page instead of allauth's generic one."""
        raise ImmediateHttpResponse(
            views.link_failed(request, provider=provider, error=error, exception=exception,
                              state_found="state" in (extra_context or {}))
        )

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        return False

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount) -> str:
        return reverse("forge_accounts")
