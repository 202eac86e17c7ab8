"""allauth's GitHub provider, pointed at our request-time adapter (selected by `provider_class` in settings)."""
from __future__ import annotations

from allauth.socialaccount.providers.github.provider import GitHubProvider as _AllauthGitHubProvider

from .views import GitHubOAuth2Adapter


class GitHubProvider(_AllauthGitHubProvider):
    """GitHub (or GitHub Enterprise, or forgesim) at whatever GITHUB_URL says now."""

    oauth2_adapter_class = GitHubOAuth2Adapter


# Not listed in provider_classes: allauth's own app registers id "github" and settings swap in this class.
provider_classes: list[type] = []
