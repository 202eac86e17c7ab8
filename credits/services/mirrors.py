"""Mirrors counted once: the same change stored from two forges is credited at its earliest merge only."""
from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation

from credits.models import Contribution, Repository
from credits.models.contributions import duplicate_reason_text
from credits.services.audit import audit_record
from credits.services.mirror_matching import CopyRow, Decision, match_copies

CHUNK = 500  # ids/SHAs per IN (...) clause, well under SQLite's variable limit
MAX_ROUNDS = 5  # closure rounds: copies of copies are rare, a chain longer than this is not followed
# Every marking run takes this PostgreSQL advisory lock, so two syncs finishing together (one per forge)
# cannot each miss the other's freshly stored copy.
LOCK_KEY = zlib.crc32(b"xuefen.credits.mirrors")
FIELDS = ("id", "platform", "external_id", "number", "repository_id", "identity__user_id", "merged_at", "title",
          "merge_commit_sha", "head_sha", "duplicate_of_id", "duplicate_reason", "duplicate_evidence")


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
    duplicate_evidence: dict


def _row(values: dict) -> _Row:
    shas = frozenset(s for s in (values["merge_commit_sha"], values["head_sha"]) if s)
    return _Row(values["id"], values["platform"], values["external_id"], values["number"],
                values["repository_id"], values["identity__user_id"], values["merged_at"], values["title"], shas,
                values["duplicate_of_id"], values["duplicate_reason"], values["duplicate_evidence"] or {})


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
    """The seeds plus every stored contribution sharing a SHA or mirror-family work with them, transitively.

    Rows pointing at a known row, and the rows known rows point at, come too: a re-mark that moves a group's
    credit must also re-decide every copy that cited the old holder, or it would point at a copy.
    """
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
        ids = sorted({row.id for row in frontier})
        queries += [Q(duplicate_of_id__in=chunk) for chunk in _chunks(ids)]
        targets = sorted({row.duplicate_of_id for row in frontier if row.duplicate_of_id} - known.keys())
        queries += [Q(id__in=chunk) for chunk in _chunks(targets)]
        found: list[_Row] = []
        for query in queries:
            for values in Contribution.objects.filter(query).values(*FIELDS):
                if values["id"] not in known:
                    known[values["id"]] = row = _row(values)
                    found.append(row)
        frontier = found
    return known


def _copy_row(row: _Row, registry: _Registry) -> CopyRow:
    return CopyRow(row.id, row.repository_id, registry.root(row.repository_id), registry.is_mirror(row.repository_id),
                   row.user_id, row.platform, row.external_id, row.number, row.title, row.merged_at, row.shas)


def _evidence(decision: Decision, rows: dict[int, _Row], registry: _Registry) -> dict:
    """What the page and the audit log say about a copy: the signal, and the copy it matched."""
    def spec(rid: int) -> str:
        return f"{registry.spec.get(rows[rid].repository_id, '?')}#{rows[rid].number}"

    link = decision.link
    evidence = {"signal": link.signal, "as": spec(decision.counted_as),
                "via": "" if link.other == decision.counted_as else spec(link.other)}
    if link.signal == "commit":
        evidence["sha"] = link.sha
    else:
        evidence["seconds"] = int(link.gap.total_seconds())
    return evidence


@transaction.atomic
def duplicates_mark(*, contribution_ids: list[int]) -> int:
    """Mark copies among these contributions and their stored matches; returns how many rows changed.

    Per group of copies (mirror_matching.match_copies), the earliest merged is credited (duplicate_of cleared)
    and every other copy points at it with the signal that matched. Re-running is harmless; a row changes, with
    one audit row, only where the matching changed (an earlier copy arriving later takes the credit over).
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
    rows = _related(seeds, registry)
    decisions = match_copies(_copy_row(row, registry) for row in rows.values())
    changed = 0
    for rid in sorted(decisions):
        decision, row = decisions[rid], rows[rid]
        evidence = _evidence(decision, rows, registry) if decision.counted_as else {}
        with translation.override("en"):
            reason = duplicate_reason_text(evidence)[:255] if evidence else ""
        if (row.duplicate_of_id, row.duplicate_reason, row.duplicate_evidence) == (decision.counted_as, reason,
                                                                                   evidence):
            continue
        Contribution.objects.filter(id=rid).update(duplicate_of_id=decision.counted_as, duplicate_reason=reason,
                                                   duplicate_evidence=evidence)
        audit_record(
            action="contribution_duplicate" if decision.counted_as else "contribution_counted",
            subject_type="contribution", subject_id=str(rid), reason=reason or "counted (no earlier copy)",
            before="copy" if row.duplicate_of_id else "counted", after="copy" if decision.counted_as else "counted",
            data={"duplicate_of": decision.counted_as, "previous_duplicate_of": row.duplicate_of_id,
                  "evidence": evidence},
        )
        changed += 1
    return changed
