"""Which stored contributions are one change: pure matching over plain rows (no ORM, no clock)."""
from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# A copy on a mirror carries no shared SHA when the mirror re-applied the patch; then the same person,
# the same title and merges this close together identify it.
MIRROR_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class CopyRow:
    """One contribution as matching sees it; `family` is the root repository of its mirror family."""

    id: int
    repository_id: int
    family: int
    is_mirror: bool
    user_id: int
    platform: str
    external_id: int
    number: int
    title: str
    merged_at: datetime | None
    shas: frozenset[str]


@dataclass(frozen=True, slots=True)
class Link:
    """Why `row` is the same change as `other`: a shared commit, or the same title and author close in time."""

    signal: str  # "commit" or "title"
    other: int
    sha: str = ""
    gap: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    """For one row: the row it is a copy of (None: it counts), and the link that shows it."""

    row: int
    counted_as: int | None = None
    link: Link | None = None


def title_key(text: str) -> str:
    """Titles compare case-blind with runs of whitespace folded."""
    return " ".join(text.casefold().split())


def _stable(row: CopyRow) -> tuple:
    # Forge identity, not database id: the same data gives the same answer whatever order it was stored in.
    return (row.number, row.platform, row.external_id)


def _credit_order(row: CopyRow) -> tuple:
    """The copy that earns the credit: earliest merge; then the source over a mirror; then platform and id."""
    merged = row.merged_at.timestamp() if row.merged_at else 0.0
    return (row.merged_at is None, merged, row.is_mirror, row.platform, row.external_id)


class _Groups:
    """Union-find that also tracks each group's repositories outside commit-linked units."""

    def __init__(self, rows: dict[int, CopyRow]) -> None:
        self.parent = {rid: rid for rid in rows}
        self.repos: dict[int, frozenset[int]] = {rid: frozenset({row.repository_id}) for rid, row in rows.items()}

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb
            self.repos[rb] = self.repos[rb] | self.repos.pop(ra)

    def disjoint(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        return ra != rb and not (self.repos[ra] & self.repos[rb])


def _sha_links(rows: dict[int, CopyRow], groups: _Groups) -> dict[int, list[Link]]:
    """Shared commits group unconditionally, within one repository too (a PR re-opened with the same head)."""
    by_sha: dict[str, list[int]] = defaultdict(list)
    for row in sorted(rows.values(), key=_stable):
        for sha in row.shas:
            by_sha[sha].append(row.id)
    links: dict[int, list[Link]] = defaultdict(list)
    for sha in sorted(by_sha):
        ids = by_sha[sha]
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                links[a].append(Link("commit", b, sha=sha))
                links[b].append(Link("commit", a, sha=sha))
            groups.union(ids[0], a)
    return links


def _title_candidates(rows: dict[int, CopyRow], window: timedelta) -> list[tuple]:
    """Pairs in different repositories of one family, same person and title, merged within the window."""
    buckets: dict[tuple, list[CopyRow]] = defaultdict(list)
    for row in rows.values():
        if row.merged_at is not None:
            buckets[(row.family, row.user_id, title_key(row.title))].append(row)
    pairs = []
    for bucket in buckets.values():
        bucket.sort(key=lambda r: r.merged_at)
        for i, a in enumerate(bucket):
            for b in bucket[i + 1:]:
                gap = b.merged_at - a.merged_at
                if gap > window:
                    break  # sorted by merge time: every later row is further away
                if a.repository_id != b.repository_id:
                    first, second = sorted((a, b), key=_stable)
                    pairs.append((gap, _stable(first), _stable(second), first.id, second.id))
    pairs.sort()  # nearest merge first, ties by number order, then forge identity
    return pairs


def match_copies(rows: Iterable[CopyRow], *, window: timedelta = MIRROR_WINDOW) -> dict[int, Decision]:
    """One decision per row: exactly one row per group counts, the others point at it with their evidence.

    Shared commits group first. A title match then joins two groups only when they hold no repository in
    common, so each copy has at most one counterpart per repository and two changes of one repository are
    never joined through a third; a candidate that would break this is skipped, and the next nearest tried.
    """
    by_id = {row.id: row for row in rows}
    groups = _Groups(by_id)
    links = _sha_links(by_id, groups)
    for gap, _, _, a, b in _title_candidates(by_id, window):
        if groups.disjoint(a, b):
            groups.union(a, b)
            links[a].append(Link("title", b, gap=gap))
            links[b].append(Link("title", a, gap=gap))
    members: dict[int, list[CopyRow]] = defaultdict(list)
    for row in by_id.values():
        members[groups.find(row.id)].append(row)
    decisions: dict[int, Decision] = {}
    for group in members.values():
        decisions.update(_decide(group, links, by_id))
    return decisions


def _decide(group: list[CopyRow], links: dict[int, list[Link]], rows: dict[int, CopyRow]) -> dict[int, Decision]:
    """The earliest copy counts; each other copy cites its first link on a shortest path to it."""
    first = min(group, key=_credit_order)
    decisions = {first.id: Decision(first.id)}
    order = {"commit": 0, "title": 1}  # the strong signal is cited when both lead to the same copy
    # Breadth-first from the counted copy: each row's parent link is one step nearer to it.
    queue = deque([first.id])
    while queue:
        current = queue.popleft()
        for link in sorted(links.get(current, ()), key=lambda lk: (order[lk.signal], _stable(rows[lk.other]))):
            if link.other not in decisions:
                back = Link(link.signal, current, sha=link.sha, gap=link.gap)
                decisions[link.other] = Decision(link.other, counted_as=first.id, link=back)
                queue.append(link.other)
    return decisions
