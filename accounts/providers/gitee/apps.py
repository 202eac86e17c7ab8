"""App config: installing this app is what registers the Gitee provider with allauth."""
from __future__ import annotations

from django.apps import AppConfig


class GiteeProviderConfig(AppConfig):
    name = "accounts.providers.gitee"
    label = "gitee_provider"
    verbose_name = "Gitee OAuth"
