"""Faults as rates: a seeded share of a forge's answers fails in one of the ways real forges fail."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

# What a flaky forge does to a share of its answers (github.com under load, a proxy in between).
RATE_KINDS = ("500", "502", "503", "secondary", "429", "primary", "slow", "reset", "truncated")
DEFAULT_MIX = {"500": 2, "502": 3, "503": 2, "secondary": 1, "429": 1, "primary": 0, "slow": 0, "reset": 1,
               "truncated": 1}


@dataclass
class FaultRate:
    """One forge's fault rate for a run: `rate` of its API answers fail, kinds drawn from `mix`, seeded."""

    platform: str
    rate: float = 0.0
    mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    seed: int = 0
    retry_after: int = 1  # seconds a 403 secondary limit or a 429 asks for
    primary_reset: int = 2  # seconds until a token's exhausted primary budget refills
    slow_seconds: float = 3.0  # how long a slow answer takes (set it past the client's timeout)
    arrival_rate: float = 0.0  # share of list-page requests before which a new merged PR arrives
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0 or not 0.0 <= self.arrival_rate <= 1.0:
            raise ValueError("rate and arrival_rate are shares between 0 and 1")
        unknown = set(self.mix) - set(RATE_KINDS)
        if unknown:
            raise ValueError(f"unknown fault kinds {sorted(unknown)}; known: {RATE_KINDS}")
        if sum(self.mix.values()) <= 0 and self.rate > 0:
            raise ValueError("a fault rate needs at least one kind with a positive weight")
        self.rng = random.Random(f"{self.platform}:{self.seed}")

    def draw(self) -> str | None:
        """The kind of fault for the next answer, or None for a normal answer."""
        if self.rate <= 0 or self.rng.random() >= self.rate:
            return None
        kinds = [k for k, w in self.mix.items() if w > 0]
        return self.rng.choices(kinds, weights=[self.mix[k] for k in kinds])[0]

    def arrival(self) -> bool:
        """Whether a new PR arrives before this list page is answered."""
        return self.arrival_rate > 0 and self.rng.random() < self.arrival_rate

    def as_json(self) -> dict[str, Any]:
        """The configuration as given (for /_sim/stats)."""
        return {"platform": self.platform, "rate": self.rate, "mix": dict(self.mix), "seed": self.seed,
                "retry_after": self.retry_after, "primary_reset": self.primary_reset,
                "slow_seconds": self.slow_seconds, "arrival_rate": self.arrival_rate}


class FaultRates:
    """The per-forge rates of the current run; drawing is locked so a seed gives one sequence of draws."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.rates: dict[str, FaultRate] = {}
        self.arrivals: list[dict[str, Any]] = []

    def set(self, rate: FaultRate) -> None:
        """Install (or replace) one forge's rate."""
        with self._lock:
            self.rates[rate.platform] = rate

    def clear(self) -> None:
        """No rate faults on any forge."""
        with self._lock:
            self.rates.clear()

    def draw(self, platform: str) -> str | None:
        """The fault for this answer on `platform`, if any."""
        with self._lock:
            rate = self.rates.get(platform)
            return rate.draw() if rate else None

    def get(self, platform: str) -> FaultRate | None:
        """The rate configured for a forge."""
        return self.rates.get(platform)

    def arrival(self, platform: str) -> bool:
        """Whether a new PR arrives before this list page."""
        with self._lock:
            rate = self.rates.get(platform)
            return rate.arrival() if rate else False

    def snapshot(self) -> dict[str, Any]:
        """Rates and the PRs that arrived, as JSON."""
        with self._lock:
            return {"rates": {p: r.as_json() for p, r in self.rates.items()}, "arrivals": list(self.arrivals)}


def add_arrival(world: Any, platform: str, repo_path: str, rng: random.Random) -> dict[str, Any] | None:
    """A merged PR by an existing non-bot contributor of the repository, updated now (it lands on page 1)."""
    with world.lock:
        pulls = list(world.pulls_of(platform, repo_path).values())
        authors = sorted({p.author for p in pulls if not world.users[p.author].is_bot})
        if not authors:
            return None
        repo = world.repo(platform, repo_path)
        pull = world.add_pull(repo.spec, author=rng.choice(authors), title="Arrived while the walk ran",
                              state="merged", additions=12, deletions=3, changed_files=1)
        return {"repo": repo.spec, "number": pull.number, "author": pull.author}
