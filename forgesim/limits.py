"""Rate budgets per token, request counters, and injected faults."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

ANONYMOUS = "anonymous"

# (limit, window seconds) per platform and resource. GitHub: 5,000/h core, 30/min search for a token,
# 60/h and 10/min anonymous. GitLab.com: 2,000/min authenticated API, 500/min unauthenticated.
# Gitee publishes no numbers; 5,000/h and 60/h anonymous are our choice.
DEFAULT_LIMITS: dict[tuple[str, str, bool], tuple[int, int]] = {
    ("github", "core", True): (5000, 3600),
    ("github", "core", False): (60, 3600),
    ("github", "search", True): (30, 60),
    ("github", "search", False): (10, 60),
    ("gitee", "core", True): (5000, 3600),
    ("gitee", "core", False): (60, 3600),
    ("gitlab", "core", True): (2000, 60),
    ("gitlab", "core", False): (500, 60),
}


@dataclass
class Budget:
    """A refilling request budget (one per platform, token and resource)."""

    limit: int
    window: int
    remaining: int
    reset_at: float
    used: int = 0

    def refresh(self, now: float) -> None:
        """Refill when the window has passed."""
        if now >= self.reset_at:
            self.remaining, self.used, self.reset_at = self.limit, 0, now + self.window

    def spend(self) -> None:
        """Charge one request."""
        self.remaining = max(0, self.remaining - 1)
        self.used += 1

    def reset_in(self, now: float) -> int:
        """Whole seconds until the refill (at least 1)."""
        return max(1, int(self.reset_at - now + 0.999))


class Budgets:
    """All budgets, created lazily with per-token limits from the world's token table."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._budgets: dict[tuple[str, str, str], Budget] = {}

    def get(self, platform: str, token: str, resource: str, declared_limit: int | None) -> Budget:
        """The budget of a token for a resource, refilled if its window passed."""
        now = time.time()
        with self._lock:
            key = (platform, token, resource)
            budget = self._budgets.get(key)
            if budget is None:
                limit, window = DEFAULT_LIMITS.get(
                    (platform, resource, token != ANONYMOUS), DEFAULT_LIMITS[(platform, "core", token != ANONYMOUS)]
                )
                if declared_limit is not None and resource == "core":
                    limit = declared_limit
                budget = self._budgets[key] = Budget(limit, window, limit, now + window)
            budget.refresh(now)
            return budget

    def set(self, platform: str, token: str, resource: str, remaining: int, reset_in: float,
            declared_limit: int | None) -> Budget:
        """Force a budget's remaining count and reset time (tests use this to reach a limit quickly)."""
        budget = self.get(platform, token, resource, declared_limit)
        with self._lock:
            budget.remaining = remaining
            budget.used = max(0, budget.limit - remaining)
            budget.reset_at = time.time() + reset_in
        return budget

    def snapshot(self) -> dict[str, dict[str, dict[str, int]]]:
        """{"platform:token": {resource: {limit, remaining, used, reset}}} for the stats endpoint."""
        now = time.time()
        out: dict[str, dict[str, dict[str, int]]] = {}
        with self._lock:
            for (platform, token, resource), b in self._budgets.items():
                b.refresh(now)
                out.setdefault(f"{platform}:{token}", {})[resource] = {
                    "limit": b.limit, "remaining": b.remaining, "used": b.used, "reset": int(b.reset_at),
                }
        return out


def _counter() -> dict[str, Any]:
    return {"requests": 0, "not_modified": 0, "budget_spent": 0, "faults": 0, "statuses": {}}


class Stats:
    """Request counters per endpoint (route template), per token and per platform."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Zero every counter."""
        with self._lock:
            self.total = _counter()
            self.endpoints: dict[str, dict[str, Any]] = {}
            self.tokens: dict[str, dict[str, Any]] = {}
            self.platforms: dict[str, dict[str, Any]] = {}

    def record(self, *, platform: str, endpoint: str, token: str, status: int, spent: bool, fault: bool) -> None:
        """Count one answered request."""
        with self._lock:
            for bucket in (
                self.total,
                self.endpoints.setdefault(endpoint, _counter()),
                self.tokens.setdefault(f"{platform}:{token}", _counter()),
                self.platforms.setdefault(platform, _counter()),
            ):
                bucket["requests"] += 1
                bucket["not_modified"] += status == 304
                bucket["budget_spent"] += spent
                bucket["faults"] += fault
                bucket["statuses"][str(status)] = bucket["statuses"].get(str(status), 0) + 1

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy of every counter."""
        with self._lock:
            copy = lambda c: {**c, "statuses": dict(c["statuses"])}  # noqa: E731
            return {
                **copy(self.total),
                "endpoints": {k: copy(v) for k, v in self.endpoints.items()},
                "tokens": {k: copy(v) for k, v in self.tokens.items()},
                "platforms": {k: copy(v) for k, v in self.platforms.items()},
            }


FAULT_KINDS = ("status", "malformed", "rate_limit", "secondary_rate_limit")


@dataclass
class Fault:
    """An injected failure for requests whose path (after the API prefix, with query) matches."""

    platform: str
    path_regex: str
    kind: str
    times: int | None = 1  # None: until cleared
    status: int | None = None
    retry_after: int | None = None
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}")
        if self.kind == "status" and not self.status:
            raise ValueError("a status fault needs status=")
        self.pattern = re.compile(self.path_regex)


class Faults:
    """Pending faults; each matching request consumes one use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.pending: list[Fault] = []

    def add(self, fault: Fault) -> None:
        """Queue a fault."""
        with self._lock:
            self.pending.append(fault)

    def clear(self) -> None:
        """Drop every pending fault."""
        with self._lock:
            self.pending.clear()

    def take(self, platform: str, path: str) -> Fault | None:
        """The first pending fault matching this request, consuming one use."""
        with self._lock:
            for fault in self.pending:
                if fault.platform == platform and fault.pattern.search(path):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.pending.remove(fault)
                    return fault
        return None

    def snapshot(self) -> list[dict[str, Any]]:
        """Pending faults as JSON."""
        with self._lock:
            return [
                {"platform": f.platform, "path_regex": f.path_regex, "kind": f.kind, "times": f.times,
                 "status": f.status, "retry_after": f.retry_after}
                for f in self.pending
            ]
