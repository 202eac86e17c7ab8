"""Credits app: registry, contributions, sync, policies, credit records, audit."""
from django.apps import AppConfig


class CreditsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "credits"
    verbose_name = "Credits 学分"
