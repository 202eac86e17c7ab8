"""Storing forge pulls as contributions: one upsert per batch on the (platform, external id) key."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from credits.forges.base import Pull
from credits.models import Contribution, ContributionKind, Repository

# Fields a re-sync refreshes. Ours are never overwritten (duplicate_*/first_seen_at), and
# neither is `identity`: a contribution stays with the person who held the account when it was stored, even
# after they unlink and someone else links that forge account.
FORGE_FIELDS = [
    "repository", "kind", "number", "title", "url", "created_at", "merged_at", "updated_at",
    "author_login", "author_external_id", "author_is_bot", "merged_by_login", "merged_by_external_id",
    "additions", "deletions", "changed_files", "labels", "merge_commit_sha", "head_sha", "raw",
]


def contribution_from_pull(pull: Pull, *, repository: Repository, identity_id: int) -> Contribution:
    """An unsaved Contribution carrying everything the forge told us about `pull`."""
    return Contribution(
        platform=pull.platform, external_id=pull.external_id, repository=repository, identity_id=identity_id,
        kind=ContributionKind.PULL_REQUEST, number=pull.number, title=pull.title[:500], url=pull.url[:500],
        created_at=pull.created_at, merged_at=pull.merged_at, updated_at=pull.updated_at,
        author_login=pull.author.login, author_external_id=pull.author.external_id,
        author_is_bot=pull.author.is_bot, merged_by_login=pull.merged_by_login,
        merged_by_external_id=pull.merged_by_external_id, additions=pull.additions, deletions=pull.deletions,
        changed_files=pull.changed_files, labels=list(pull.labels), merge_commit_sha=pull.merge_commit_sha,
        head_sha=pull.head_sha, raw=pull.raw,
    )


@transaction.atomic
def contributions_upsert(*, rows: Iterable[Contribution]) -> list[int]:
    """Insert or refresh contributions in one statement; concurrent writers of the same PR converge on one row."""
    # A fixed row order: two writers upserting overlapping batches then lock rows in the same order (no deadlock).
    objs = sorted(rows, key=lambda o: (o.platform, o.external_id))
    if not objs:
        return []
    Contribution.objects.bulk_create(
        objs, update_conflicts=True, unique_fields=["platform", "external_id"],
        update_fields=FORGE_FIELDS + ["synced_at"], batch_size=500,
    )
    if all(o.pk is not None for o in objs):  # PostgreSQL and SQLite >= 3.35 return ids from the upsert
        return [o.pk for o in objs]
    return list(
        Contribution.objects.filter(platform=objs[0].platform, external_id__in=[o.external_id for o in objs])
        .values_list("id", flat=True)
    )
