"""Mirrors counted once: the same change stored from two forges is credited at its earliest merge only."""
from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from credits.models import Contribution, Repository
from credits.services.audit import audit_record

# A copy on a mirror carries no shared SHA when the mirror re-applied the patch; then the same person,
# the same title and merges this close together identify it.
MIRROR_WINDOW = timedelta(days=30)
CHUNK = 500  # ids/SHAs per IN (...) clause, well under SQLite's variable limit
MAX_ROUNDS = 5  # closure rounds: copies of copies are rare, a chain longer than this is not followed
# Every marking run takes this PostgreSQL advisory lock, so two syncs finishing together (one per forge)
# cannot each miss the other's freshly stored copy.
LOCK_KEY = zlib.crc32(b"xuefen.credits.mirrors")
FIELDS = ("id", "platform", "external_id", "number", "repository_id", "identity__user_id", "merged_at", "title",
          "merge_commit_sha", "head_sha", "duplicate_of_id", "duplicate_reason")


@dataclass(slots=True)
class _Row:
    id: int
    platform: str
    external_id: int
    number: int
    repository_id: int
    user_id: int
    merged_at: datetime | None
    title: str
    shas: frozenset[str]
    duplicate_of_id: int | None
    duplicate_reason: str


def _row(values: dict) -> _Row:
    shas = frozenset(s for s in (values["merge_commit_sha"], values["head_sha"]) if s)
    return _Row(values["id"], values["platform"], values["external_id"], values["number"],
                values["repository_id"], values["identity__user_id"], values["merged_at"], values["title"], shas,
                values["duplicate_of_id"], values["duplicate_reason"])


def _title(text: str) -> str:
    return " ".join(text.casefold().split())


def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class _Registry:
    """Repositories with their mirror family (the root reached by following mirror_of)."""

    def __init__(self) -> None:
        rows = Repository.objects.values_list("id", "mirror_of_id", "platform", "path")
        self.parent = {rid: parent for rid, parent, _, _ in rows}
        self.spec = {rid: f"{platform}:{path}" for rid, _, platform, path in rows}
        self.members: dict[int, list[int]] = defaultdict(list)
        for rid in self.parent:
            self.members[self.root(rid)].append(rid)

    def root(self, rid: int) -> int:
        seen = {rid}
        while self.parent.get(rid) is not None and self.parent[rid] not in seen:  # a cycle stops the walk
            rid = self.parent[rid]
            seen.add(rid)
        return rid

    def family(self, rid: int) -> list[int]:
        return self.members[self.root(rid)]

    def is_mirror(self, rid: int) -> bool:
        return self.parent.get(rid) is not None


def _related(seeds: dict[int, _Row], registry: _Registry) -> dict[int, _Row]:
    """The seeds plus every stored contribution sharing a SHA or mirror-family work with them, transitively."""
    known = dict(seeds)
    frontier = list(seeds.values())
    for _ in range(MAX_ROUNDS):
        if not frontier:
            break
        shas = sorted({sha for row in frontier for sha in row.shas})
        queries = [Q(merge_commit_sha__in=chunk) | Q(head_sha__in=chunk) for chunk in _chunks(shas)]
        pairs = sorted({(repo, row.user_id) for row in frontier if len(registry.family(row.repository_id)) > 1
                        for repo in registry.family(row.repository_id)})
        for chunk in _chunks(pairs):
            users = {user for _, user in chunk}
            queries.append(Q(repository_id__in={repo for repo, _ in chunk}, identity__user_id__in=users))
        found: list[_Row] = []
        for query in queries:
            for values in Contribution.objects.filter(query).values(*FIELDS):
                if values["id"] not in known:
                    known[values["id"]] = row = _row(values)
                    found.append(row)
        frontier = found
    return known


def _same_mirrored_change(a: _Row, b: _Row, registry: _Registry) -> bool:
    return (
        a.repository_id != b.repository_id
        and registry.root(a.repository_id) == registry.root(b.repository_id)
        and a.user_id == b.user_id
        and _title(a.title) == _title(b.title)
        and a.merged_at is not None and b.merged_at is not None
        and abs(a.merged_at - b.merged_at) <= MIRROR_WINDOW
    )


def _components(rows: dict[int, _Row], registry: _Registry) -> list[list[_Row]]:
    """Groups of contributions that are one change (union-find over shared SHAs and mirror matches)."""
    parent = {rid: rid for rid in rows}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    by_sha: dict[str, list[int]] = defaultdict(list)
    by_work: dict[tuple, list[_Row]] = defaultdict(list)
    for row in rows.values():
        for sha in row.shas:
            by_sha[sha].append(row.id)
        by_work[(registry.root(row.repository_id), row.user_id, _title(row.title))].append(row)
    for ids in by_sha.values():
        for other in ids[1:]:
            union(ids[0], other)
    for group in by_work.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                if _same_mirrored_change(a, b, registry):
                    union(a.id, b.id)
    groups: dict[int, list[_Row]] = defaultdict(list)
    for row in rows.values():
        groups[find(row.id)].append(row)
    return list(groups.values())


def _first(group: list[_Row], registry: _Registry) -> _Row:
    """The copy that earns the credit: earliest merge; then the source over a mirror; then platform and id."""
    return min(group, key=lambda r: (r.merged_at is None, r.merged_at.timestamp() if r.merged_at else 0.0,
                                     registry.is_mirror(r.repository_id), r.platform, r.external_id))


def _reason(copy: _Row, first: _Row, registry: _Registry) -> str:
    target = f"{registry.spec.get(first.repository_id, '?')}#{first.number}"
    shared = sorted(copy.shas & first.shas)
    if shared:
        return f"same commit {shared[0][:12]} as {target}"[:255]
    if registry.root(copy.repository_id) == registry.root(first.repository_id):
        return f"mirror of {target}: same change by the same person"[:255]
    return f"same change as {target} (through another copy)"[:255]


@transaction.atomic
def duplicates_mark(*, contribution_ids: list[int]) -> int:
    """Mark copies among these contributions and their stored matches; returns how many rows changed.

    Per group of copies, the earliest merged is credited (duplicate_of cleared) and every other copy points at
    it with a reason. Re-running is harmless; an earlier copy arriving later takes the credit over.
    """
    if not contribution_ids:
        return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    seeds = {v["id"]: _row(v) for chunk in _chunks(sorted(set(contribution_ids)))
             for v in Contribution.objects.filter(id__in=chunk).values(*FIELDS)}
    if not seeds:
        return 0
    registry = _Registry()
    changed = 0
    for group in _components(_related(seeds, registry), registry):
        first = _first(group, registry)
        for row in group:
            target, reason = (None, "") if row is first else (first.id, _reason(row, first, registry))
            if (row.duplicate_of_id, row.duplicate_reason) == (target, reason):
                continue
            Contribution.objects.filter(id=row.id).update(duplicate_of_id=target, duplicate_reason=reason)
            audit_record(
                action="contribution_duplicate" if target else "contribution_counted",
                subject_type="contribution", subject_id=str(row.id), reason=reason or "counted (no earlier copy)",
                data={"duplicate_of": target, "previous_duplicate_of": row.duplicate_of_id},
            )
            changed += 1
    return changed
