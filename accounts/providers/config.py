"""Builds SOCIALACCOUNT_PROVIDERS from plain values, so settings and tests describe OAuth apps the same way."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

# allauth's own GitHub adapter reads GITHUB_URL once at import; ours reads it per request (see providers/github).
GITHUB_PROVIDER_CLASS = "accounts.providers.github.provider.GitHubProvider"
OIDC_PROVIDER_ID = "university"


def _apps(platform: str, client: tuple[str, str] | None) -> list[dict]:
    """One settings-backed OAuth app, or none when its client id is unset (the forge then offers no link)."""
    client_id, secret = client or ("", "")
    if not client_id:
        return []
    if not secret:
        raise ImproperlyConfigured(f"{platform.upper()}_CLIENT_ID is set but {platform.upper()}_CLIENT_SECRET is not")
    return [{"client_id": client_id, "secret": secret}]


def socialaccount_providers(
    *,
    github_url: str,
    gitee_url: str,
    gitee_api_url: str,
    gitlab_url: str,
    clients: dict[str, tuple[str, str]],
    oidc: dict[str, str] | None = None,
) -> dict[str, dict]:
    """allauth's SOCIALACCOUNT_PROVIDERS for the three forges (+ university OIDC when `oidc` has a server URL)."""
    providers: dict[str, dict] = {
        "github": {
            "GITHUB_URL": github_url.rstrip("/"),
            "provider_class": GITHUB_PROVIDER_CLASS,
            "SCOPE": [],  # the public profile is all a link needs
            "APPS": _apps("github", clients.get("github")),
        },
        "gitee": {
            "GITEE_URL": gitee_url.rstrip("/"),
            "GITEE_API_URL": gitee_api_url.rstrip("/"),
            "APPS": _apps("gitee", clients.get("gitee")),
        },
        "gitlab": {
            "GITLAB_URL": gitlab_url.rstrip("/"),
            "APPS": _apps("gitlab", clients.get("gitlab")),
        },
    }
    if oidc and oidc.get("server_url"):
        if not oidc.get("client_id") or not oidc.get("secret"):
            raise ImproperlyConfigured("OIDC_SERVER_URL is set but OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is not")
        providers["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [{
                "provider_id": OIDC_PROVIDER_ID,
                "name": oidc.get("name") or "University SSO",
                "client_id": oidc["client_id"],
                "secret": oidc["secret"],
                "settings": {
                    "server_url": oidc["server_url"],
                    # The claim that carries the student id / staff username at the university's IdP.
                    "username_claim": oidc.get("username_claim") or "preferred_username",
                },
            }],
        }
    return providers
