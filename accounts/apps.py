"""Accounts app: people, roles, departments, forge identities."""
from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts 账户"

    def ready(self) -> None:
        """Keep the role groups in step with the permissions every migrate creates."""
        from . import checks  # noqa: F401  (registers the account checks)
        from .roles import setup_roles_after_migrate

        post_migrate.connect(setup_roles_after_migrate, dispatch_uid="accounts.setup_roles")
