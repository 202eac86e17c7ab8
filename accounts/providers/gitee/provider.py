"""The Gitee provider: id "gitee", numeric uid, login as the username."""
from __future__ import annotations

from allauth.socialaccount.providers.base import ProviderAccount
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider

from .views import GiteeOAuth2Adapter


class GiteeAccount(ProviderAccount):
    def get_profile_url(self) -> str | None:
        return self.account.extra_data.get("html_url")

    def get_avatar_url(self) -> str | None:
        return self.account.extra_data.get("avatar_url")

    def to_str(self) -> str:
        return self.account.extra_data.get("login") or super().to_str()


class GiteeProvider(OAuth2Provider):
    id = "gitee"
    name = "Gitee"
    account_class = GiteeAccount
    oauth2_adapter_class = GiteeOAuth2Adapter

    def get_default_scope(self) -> list[str]:
        return ["user_info"]

    def extract_uid(self, data: dict) -> str:
        return str(data["id"])

    def extract_common_fields(self, data: dict) -> dict:
        return {"email": data.get("email"), "username": data.get("login"), "name": data.get("name")}


provider_classes = [GiteeProvider]
