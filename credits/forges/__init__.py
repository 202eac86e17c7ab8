"""Forge clients behind one interface, chosen by platform; the only code that talks to a forge."""
from __future__ import annotations

from importlib import import_module

from .base import (
    ForgeAuthError,
    ForgeBadAnswer,
    ForgeBadSpec,
    ForgeClient,
    ForgeError,
    ForgeNotFound,
    ForgeRateLimited,
    ForgeRepo,
    ForgeUnavailable,
    ForgeUser,
    Pull,
    PullPage,
    RepoRef,
)

# platform -> "module:factory"; each factory builds a client from Django settings.
_FACTORIES = {
    "github": "credits.forges.github:client_from_settings",
    "gitee": "credits.forges.gitee:client_from_settings",
    "gitlab": "credits.forges.gitlab:client_from_settings",
}


def client_for(platform: str, *, token: str | None = None, pool_tokens: list[str] | None = None) -> ForgeClient:
    """A client for `platform`, using the service-token pool (`pool_tokens`, else the environment's) unless a
    user token is given."""
    try:
        module_name, factory_name = _FACTORIES[platform].split(":")
    except KeyError:
        raise ForgeError(f"unknown platform {platform!r}", status=None) from None
    return getattr(import_module(module_name), factory_name)(token=token, pool_tokens=pool_tokens)


__all__ = [
    "ForgeAuthError", "ForgeBadAnswer", "ForgeBadSpec", "ForgeClient", "ForgeError", "ForgeNotFound",
    "ForgeRateLimited", "ForgeRepo",
    "ForgeUnavailable", "ForgeUser", "Pull", "PullPage", "RepoRef", "client_for",
]
