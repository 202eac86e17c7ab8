"""Turning GitHub's error answers into typed forge errors with permanence and a retry time."""
from __future__ import annotations

import re
import time

from github import GithubException

from .base import ForgeAuthError, ForgeError, ForgeNotFound, ForgeRateLimited, ForgeUnavailable

_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')


def parse_next_link(headers: dict) -> str | None:
    """The rel="next" URL of a Link header, or None on the last page."""
    link = {k.lower(): v for k, v in (headers or {}).items()}.get("link", "")
    match = _NEXT.search(link)
    return match.group(1) if match else None


def retry_after_seconds(headers: dict, now: float | None = None) -> float:
    """GitHub's advice: retry-after if given, else until x-ratelimit-reset, else one minute."""
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if lower.get("retry-after"):
        return max(1.0, float(lower["retry-after"]))
    if lower.get("x-ratelimit-reset"):
        return max(1.0, float(lower["x-ratelimit-reset"]) - (now or time.time()) + 1)
    return 60.0


def _is_rate_limit(status: int, headers: dict, message: str) -> bool:
    lower = {k.lower(): v for k, v in (headers or {}).items()}
    if status == 429:
        return True
    return status == 403 and (
        lower.get("x-ratelimit-remaining") == "0" or "retry-after" in lower or "rate limit" in message.lower()
    )


def error_from_response(status: int, headers: dict, data, *, what: str) -> ForgeError:
    """A typed error for a GitHub answer with status >= 400."""
    message = data.get("message", "") if isinstance(data, dict) else str(data or "")
    if _is_rate_limit(status, headers, message):
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        primary = lower.get("x-ratelimit-remaining") == "0" and "secondary" not in message.lower()
        return ForgeRateLimited(f"GitHub rate limit for {what}: {message}", status=status,
                                retry_after=retry_after_seconds(headers), primary=primary)
    if status == 401:
        return ForgeAuthError(f"GitHub rejected the token (401 {message}) for {what}", status=status)
    if status == 404:
        return ForgeNotFound(f"GitHub does not know {what} (404)", status=status)
    if status >= 500:
        return ForgeUnavailable(f"GitHub answered {status} for {what}", status=status)
    error = ForgeError(f"GitHub answered {status} for {what}: {message}", status=status)
    error.permanent = True
    return error


def error_from_exception(exc: GithubException, *, what: str) -> ForgeError:
    """The same mapping for PyGithub's exceptions (RateLimitExceeded, BadCredentials, UnknownObject...)."""
    return error_from_response(exc.status or 0, exc.headers or {}, exc.data, what=what)
