"""One retry rule for every forge request: a few quick attempts with jittered backoff, then the task's turn."""
from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from .base import ForgeError, ForgeRateLimited

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long one request is retried in place (settings FORGE_RETRY_*)."""

    attempts: int = 4  # attempts per request, the first included
    backoff: float = 0.5  # seconds before the second attempt; doubles each time
    max_backoff: float = 8.0
    max_wait: float = 5.0  # the longest retry-after honoured in place; longer waits reschedule the task

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """Jittered exponential backoff before retry number `retry` (0-based): half to all of the step."""
        step = min(self.max_backoff, self.backoff * 2 ** retry)
        return step * (0.5 + 0.5 * (rng or random).random())


def policy_from_settings() -> RetryPolicy:
    """The policy configured in settings (FORGE_RETRY_ATTEMPTS, _BACKOFF_SECONDS, _MAX_BACKOFF, _MAX_WAIT)."""
    from django.conf import settings

    return RetryPolicy(
        attempts=max(1, int(getattr(settings, "FORGE_RETRY_ATTEMPTS", 4))),
        backoff=float(getattr(settings, "FORGE_RETRY_BACKOFF_SECONDS", 0.5)),
        max_backoff=float(getattr(settings, "FORGE_RETRY_MAX_BACKOFF_SECONDS", 8.0)),
        max_wait=float(getattr(settings, "FORGE_RETRY_MAX_WAIT_SECONDS", 5.0)),
    )


def timeout_from_settings() -> float:
    """Seconds a client waits for one answer (FORGE_TIMEOUT_SECONDS)."""
    from django.conf import settings

    return float(getattr(settings, "FORGE_TIMEOUT_SECONDS", 30.0))


def retry_wait(policy: RetryPolicy, exc: ForgeError, retry: int, other_token: Callable[[], bool]) -> float | None:
    """Seconds to wait before trying again in place, or None when the error belongs to the task."""
    if exc.permanent or retry + 1 >= policy.attempts:
        return None
    if isinstance(exc, ForgeRateLimited):
        if getattr(exc, "primary", False) or (exc.retry_after or 0) > policy.max_wait:
            # A spent token: another one in the pool may carry on now; otherwise the task waits for the reset.
            return 0.0 if other_token() else None
        return max(exc.retry_after or 0.0, policy.delay(retry))
    return policy.delay(retry)


def with_retries(policy: RetryPolicy, call: Callable[[], T], *, other_token: Callable[[], bool] = lambda: False,
                 sleep: Callable[[float], None] = time.sleep) -> T:
    """Run `call` (one forge request), retrying transient errors and short limits as the policy says."""
    retry = 0
    while True:
        try:
            return call()
        except ForgeError as exc:
            wait = retry_wait(policy, exc, retry, other_token)
            if wait is None:
                if retry and not exc.permanent:
                    exc.message = f"{exc.message} (after {retry + 1} attempts)"
                    exc.args = (exc.message,)
                raise
            log.info("forge: %s; attempt %d again in %.2f s", exc.message, retry + 2, wait)
            retry += 1
            if wait:
                sleep(wait)
