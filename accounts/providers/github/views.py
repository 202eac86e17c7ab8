"""allauth's GitHub adapter with the GitHub URL read per request instead of once at import."""
from __future__ import annotations

from allauth.socialaccount import app_settings
from allauth.socialaccount.providers.github.views import GitHubOAuth2Adapter as _AllauthGitHubAdapter
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView


class GitHubOAuth2Adapter(_AllauthGitHubAdapter):
    """Same endpoints as allauth's, derived from SOCIALACCOUNT_PROVIDERS["github"]["GITHUB_URL"] at call time."""

    @property
    def web_url(self) -> str:
        return app_settings.PROVIDERS.get("github", {}).get("GITHUB_URL", "https://github.com").rstrip("/")

    @property
    def api_url(self) -> str:
        # github.com serves its API from another host; Enterprise (and forgesim) under /api/v3.
        web = self.web_url
        return "https://api.github.com" if web == "https://github.com" else f"{web}/api/v3"

    @property
    def access_token_url(self) -> str:
        return f"{self.web_url}/login/oauth/access_token"

    @property
    def authorize_url(self) -> str:
        return f"{self.web_url}/login/oauth/authorize"

    @property
    def profile_url(self) -> str:
        return f"{self.api_url}/user"

    @property
    def emails_url(self) -> str:
        return f"{self.api_url}/user/emails"


oauth2_login = OAuth2LoginView.adapter_view(GitHubOAuth2Adapter)
oauth2_callback = OAuth2CallbackView.adapter_view(GitHubOAuth2Adapter)
