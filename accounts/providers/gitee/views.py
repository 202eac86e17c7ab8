"""Gitee's OAuth2 endpoints (GITEE_URL/oauth/*) and profile (GITEE_API_URL/user), read per request."""
from __future__ import annotations

from allauth.socialaccount import app_settings
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter, OAuth2CallbackView, OAuth2LoginView
from django.http import HttpRequest


def _setting(name: str, default: str) -> str:
    return app_settings.PROVIDERS.get("gitee", {}).get(name, default).rstrip("/")


class GiteeOAuth2Adapter(OAuth2Adapter):
    """Authorization-code flow against Gitee; the profile call passes the token as `access_token`, as v5 wants."""

    provider_id = "gitee"

    @property
    def access_token_url(self) -> str:
        return f"{_setting('GITEE_URL', 'https://gitee.com')}/oauth/token"

    @property
    def authorize_url(self) -> str:
        return f"{_setting('GITEE_URL', 'https://gitee.com')}/oauth/authorize"

    @property
    def profile_url(self) -> str:
        return f"{_setting('GITEE_API_URL', 'https://gitee.com/api/v5')}/user"

    def complete_login(self, request: HttpRequest, app, token, **kwargs):
        """Fetch the authorising user's profile; its numeric `id` becomes the account uid."""
        with get_adapter().get_requests_session() as sess:
            resp = sess.get(self.profile_url, params={"access_token": token.token})
            resp.raise_for_status()
            data = resp.json()
        if not isinstance(data, dict) or "id" not in data:
            raise OAuth2Error(f"Gitee returned no user id: {data!r}")
        return self.get_provider().sociallogin_from_response(request, data)


oauth2_login = OAuth2LoginView.adapter_view(GiteeOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(GiteeOAuth2Adapter)
