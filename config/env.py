"""Typed readers for environment variables; the only place settings touch os.environ."""
from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """Return a string variable, or the default when unset."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; refuse values that are not clearly true or false."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def env_list(name: str, default: str = "") -> list[str]:
    """Return a comma-separated variable as a list without blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name: str) -> str:
    """Return a variable that production must set; fail loudly when it is missing."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is false")
    return value


def env_email(name: str, default: str) -> dict[str, object]:
    """Django's EMAIL_* settings from one URL in django-environ's forms (smtp+tls://, consolemail://, filemail://)."""
    import environ

    return environ.Env.email_url_config(os.environ.get(name) or default)
