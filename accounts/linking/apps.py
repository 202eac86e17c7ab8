"""App config for forge-account linking (its own templates and translations)."""
from __future__ import annotations

from django.apps import AppConfig


class LinkingConfig(AppConfig):
    name = "accounts.linking"
    label = "linking"
    verbose_name = "Forge account linking"
