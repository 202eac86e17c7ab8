"""Plain input and output records of the rules engine (no ORM objects ever cross this line)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ContributionFacts:
    """What the engine may know about one contribution; built by the service from the database."""

    key: str  # stable unique id, e.g. "github:123456" (platform + external id)
    platform: str
    repository: str  # path: "owner/name" or "group/sub/name"
    repository_tier: str
    kind: str  # "pull_request", "review" or "issue"
    merged_at: dt.datetime | None
    author_login: str
    author_external_id: str = ""
    author_is_bot: bool = False
    merged_by_login: str = ""
    merged_by_external_id: str | None = None
    additions: int | None = None
    deletions: int | None = None
    labels: tuple[str, ...] = ()
    duplicate_of: str | None = None  # key of the copy already counted, when this is a mirror
    number: int | None = None
    contribution_id: int | None = None  # database id, carried through untouched

    @property
    def repository_ref(self) -> str:
        """PLATFORM:PATH, the guide's way of writing a repository."""
        return f"{self.platform}:{self.repository}"

    @property
    def changed_lines(self) -> int | None:
        """Additions plus deletions, or None while the detail is not fetched yet."""
        if self.additions is None or self.deletions is None:
            return None
        return self.additions + self.deletions


@dataclass(frozen=True, slots=True)
class TermWindow:
    """The term being evaluated: contributions merged in [starts_at, ends_at) belong to it."""

    code: str
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CreditLine:
    """A contribution that earns points, with the rule that decided its value and why."""

    key: str
    contribution_id: int | None
    rule: str
    base_points: Decimal
    points: Decimal
    reason: str
    reason_zh: str


@dataclass(frozen=True, slots=True)
class Refusal:
    """A contribution that earns nothing now, the rule that refused it and why."""

    key: str
    contribution_id: int | None
    rule: str
    reason: str
    reason_zh: str
    pending: bool = False  # True when it may still count later (maturing, size unknown)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The engine's answer for one student and term."""

    term: str
    policy_version: str
    lines: tuple[CreditLine, ...]
    refusals: tuple[Refusal, ...]
    points: Decimal
    credits: Decimal
    caps_applied: tuple[str, ...] = field(default=())

    def fingerprint(self) -> str:
        """A digest of everything a record shows; equal fingerprints mean nothing to rewrite."""
        digest = hashlib.sha256()
        digest.update(f"{self.term}|{self.policy_version}|{self.points}|{self.credits}".encode())
        for line in self.lines:
            digest.update(f"L|{line.key}|{line.rule}|{line.base_points}|{line.points}|{line.reason}".encode())
        for refusal in self.refusals:
            digest.update(f"R|{refusal.key}|{refusal.rule}|{refusal.reason}".encode())
        return digest.hexdigest()
