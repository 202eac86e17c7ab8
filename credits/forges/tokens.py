"""A pool of service tokens per forge that hands out the one with the most budget left."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from .base import ForgeRateLimited


@dataclass(slots=True)
class _Budget:
    remaining: int | None = None
    reset_at: float = 0.0


class TokenPool:
    """Tracks what each token has left (from response headers) and picks the richest one."""

    def __init__(self, platform: str, tokens: list[str], clock=time.time):
        self.platform = platform
        self.tokens = list(tokens)
        self._budgets = {t: _Budget() for t in self.tokens}
        self._lock = threading.Lock()
        self._clock = clock
        self._rejected: set[str] = set()

    def choose(self) -> str | None:
        """The token with the most budget left; unknown budgets count as full. None means anonymous."""
        if not self.tokens:
            return None
        now = self._clock()
        with self._lock:
            usable = []
            for token in self.tokens:
                budget = self._budgets[token]
                if budget.remaining is None or budget.remaining > 0 or budget.reset_at <= now:
                    usable.append((budget.remaining if budget.reset_at > now else None, token))
            if not usable:
                wait = min(b.reset_at for b in self._budgets.values()) - now
                raise ForgeRateLimited(
                    f"every {self.platform} token is out of budget", retry_after=max(1.0, wait)
                )
            # None (unknown or reset) sorts as the largest budget.
            return max(usable, key=lambda item: float("inf") if item[0] is None else item[0])[1]

    def set_tokens(self, tokens: list[str] | tuple[str, ...]) -> None:
        """Replace the token list (operators add and disable tokens); budgets of kept tokens are remembered."""
        with self._lock:
            self.tokens = [t for t in dict.fromkeys(tokens) if t not in self._rejected]
            self._budgets = {t: self._budgets.get(t, _Budget()) for t in self.tokens}

    def reject(self, token: str | None) -> None:
        """Stop handing out a token the forge refused (401), until the process restarts."""
        with self._lock:
            if token is not None:
                self._rejected.add(token)
                self.tokens = [t for t in self.tokens if t != token]
                self._budgets.pop(token, None)

    def available(self) -> bool:
        """Whether some token has budget now (a spent one was just recorded, so this means another)."""
        try:
            return self.choose() is not None
        except ForgeRateLimited:
            return False

    def record(self, token: str | None, remaining: int | None, reset_at: float | None) -> None:
        """Remember what the forge said is left for this token."""
        if token is None or token not in self._budgets or remaining is None:
            return
        with self._lock:
            self._budgets[token] = _Budget(remaining=remaining, reset_at=reset_at or 0.0)


_SHARED: dict[tuple[str, str], TokenPool] = {}
_SHARED_LOCK = threading.Lock()


def shared_pool(platform: str, base_url: str, tokens: list[str] | tuple[str, ...]) -> TokenPool:
    """One pool per forge root in this process, so budgets one client learns serve the next; `tokens` is current."""
    key = (platform, base_url)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = TokenPool(platform, [])
        pool = _SHARED[key]
    if pool.tokens != list(tokens):
        pool.set_tokens(tokens)
    return pool
