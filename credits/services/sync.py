"""Repository sync and identity backfill: walk the forge, keep linked students' merged PRs, store, advance."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import ForgeIdentity
from credits.forges import ForgeClient, ForgeError, Pull, RepoRef
from credits.models import Contribution, IdentitySyncState, Repository, SyncState
from credits.services.forge_tokens import forge_client, token_rejected

from .contributions import contribution_from_pull, contributions_upsert

STORE_BATCH = 100


@dataclass
class SyncReport:
    """What one sync run did; printed by `sync --wait` and the demo, kept in the sync state."""

    subject: str
    pulls_seen: int = 0
    stored: int = 0
    requests_spent: int = 0
    not_modified: bool = False
    rate_remaining: int | None = None
    contribution_ids: list[int] = field(default_factory=list)

    def merge(self, other: SyncReport) -> None:
        """Add another run's counts to this one (for command totals)."""
        self.pulls_seen += other.pulls_seen
        self.stored += other.stored
        self.requests_spent += other.requests_spent
        self.not_modified = self.not_modified and other.not_modified
        if other.rate_remaining is not None:
            self.rate_remaining = other.rate_remaining


def _ref(repository: Repository) -> RepoRef:
    return RepoRef(platform=repository.platform, path=repository.path, external_id=repository.external_id)


def _linked_identities(platform: str) -> dict[int, int]:
    """Forge user id -> identity id for every active link on `platform` (matched by numeric id, not login)."""
    return dict(
        ForgeIdentity.objects.filter(platform=platform, unlinked_at__isnull=True).values_list("external_id", "id")
    )


def _store(client: ForgeClient, repository: Repository, pulls: list[tuple[Pull, int]], report: SyncReport) -> None:
    """Fetch details for kept pulls and upsert them in batches; renames follow the forge's current login."""
    from accounts.services.identities import identity_rename

    logins: dict[int, str] = {}
    for start in range(0, len(pulls), STORE_BATCH):
        rows = []
        for pull, identity_id in pulls[start:start + STORE_BATCH]:
            detail = pull if pull.detailed else client.pull_detail(_ref(repository), pull.number)
            rows.append(contribution_from_pull(detail, repository=repository, identity_id=identity_id))
            logins[identity_id] = detail.author.login
        ids = contributions_upsert(rows=rows)
        report.stored += len(ids)
        report.contribution_ids.extend(ids)
    for identity_id, login in logins.items():
        identity_rename(identity_id=identity_id, login=login)


def _mark_mirrors(contribution_ids: list[int]) -> None:
    """Let the mirror service flag copies of work already counted on another forge."""
    try:
        from credits.services.mirrors import duplicates_mark
    except ImportError:  # the mirror service ships with the Gitee/GitLab work
        return
    if contribution_ids:
        duplicates_mark(contribution_ids=contribution_ids)


def _finish(model, pk: int, report: SyncReport, status: str, error: str = "", **extra) -> None:
    """Record a run's outcome with counters added atomically (two workers may finish together)."""
    model.objects.filter(pk=pk).update(
        last_finished_at=timezone.now(), last_status=status, last_error=error,
        pulls_seen=F("pulls_seen") + report.pulls_seen, contributions_stored=F("contributions_stored") + report.stored,
        requests_spent=F("requests_spent") + report.requests_spent, **extra,
    )


def repository_sync(*, repository_id: int, client: ForgeClient | None = None) -> SyncReport:
    """Walk one repository's closed PRs newest-updated first down to the watermark, store, then advance.

    The ETag and watermark move only after every page down to the old watermark is stored, so a crash
    mid-walk repeats the walk and never skips a PR; upserts make the repeat harmless.
    """
    repository = Repository.objects.get(pk=repository_id)
    state, _ = SyncState.objects.get_or_create(repository=repository)
    SyncState.objects.filter(pk=state.pk).update(last_started_at=timezone.now(), runs=F("runs") + 1)
    client = client or forge_client(repository.platform)
    report = SyncReport(subject=repository.spec)
    try:
        _walk(client, repository, state, report)
    except ForgeError as exc:
        report.requests_spent = client.requests_spent
        _finish(SyncState, state.pk, report, "error" if exc.permanent else "retrying", error=exc.message)
        token_rejected(platform=repository.platform, client=client, error=exc)
        raise
    return report


def _walk(client: ForgeClient, repository: Repository, state: SyncState, report: SyncReport) -> None:
    linked = _linked_identities(repository.platform)
    watermark = state.watermark
    # PRs updated exactly at the watermark may be new (same second) or already stored: skip only the latter.
    at_watermark = set(Contribution.objects.filter(repository=repository, updated_at=watermark)
                       .values_list("external_id", flat=True)) if watermark else set()
    kept: list[tuple[Pull, int]] = []
    newest, first_etag = watermark, ""
    # Without a watermark there is nothing the ETag could vouch for: walk everything.
    for page in client.pull_pages(_ref(repository), etag=state.etag if watermark else "", since=watermark):
        if page.not_modified:
            report.not_modified = True
            break
        first_etag = first_etag or page.etag
        reached = False
        for pull in page.pulls:
            report.pulls_seen += 1
            if watermark is not None and pull.updated_at < watermark:
                reached = True  # older than anything new: the previous walk stored the rest
                break
            newest = pull.updated_at if newest is None else max(newest, pull.updated_at)
            if pull.updated_at == watermark and pull.external_id in at_watermark:
                continue
            if pull.merged_at is not None and pull.author.external_id in linked:
                kept.append((pull, linked[pull.author.external_id]))
        if reached:
            break
    _store(client, repository, kept, report)
    _mark_mirrors(report.contribution_ids)
    report.requests_spent = client.requests_spent
    report.rate_remaining = client.rate_status().remaining
    if report.not_modified:
        _finish(SyncState, state.pk, report, "not_modified", not_modified=F("not_modified") + 1)
        return
    # Advance only forward: two overlapping walks each stored everything down to the old watermark.
    # No closed PR at all (newest is None) leaves nothing to advance to.
    if newest is not None:
        SyncState.objects.filter(pk=state.pk).filter(Q(watermark__isnull=True) | Q(watermark__lte=newest)).update(
            watermark=newest, etag=first_etag
        )
    _finish(SyncState, state.pk, report, "ok")


def identity_backfill(*, identity_id: int, client: ForgeClient | None = None) -> SyncReport:
    """Fetch everything a newly linked identity merged into registry repositories (search or repo walk).

    Stores in batches and skips PRs already stored unchanged, so a run cut short by a rate limit
    resumes on retry without re-fetching details it already has.
    """
    identity = ForgeIdentity.objects.get(pk=identity_id)
    state, _ = IdentitySyncState.objects.get_or_create(identity=identity)
    IdentitySyncState.objects.filter(pk=state.pk).update(last_started_at=timezone.now(), runs=F("runs") + 1)
    repositories = {r.path.lower(): r for r in Repository.objects.filter(platform=identity.platform, active=True)}
    client = client or forge_client(identity.platform)
    report = SyncReport(subject=str(identity))
    if identity.unlinked_at is not None:  # unlinked while its backfill waited in the queue
        _finish(IdentitySyncState, state.pk, report, "unlinked")
        return report
    started = timezone.now()
    since = state.backfilled_until or started - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    have = {(repo_id, number): updated for repo_id, number, updated in Contribution.objects.filter(
        identity__platform=identity.platform, identity__external_id=identity.external_id,
    ).values_list("repository_id", "number", "updated_at")}
    try:
        user = client.get_user_by_id(identity.external_id)
        pending: list[tuple[Repository, Pull]] = []
        for pull in client.user_merged_pulls(user, repos=[_ref(r) for r in repositories.values()], since=since):
            report.pulls_seen += 1
            repository = repositories.get(pull.repo_path.lower())
            if repository is None or pull.merged_at is None or pull.author.external_id != user.external_id:
                continue
            known = have.get((repository.pk, pull.number))
            if known is not None and known >= pull.updated_at:
                continue
            pending.append((repository, pull))
            if len(pending) >= STORE_BATCH:
                _store_grouped(client, pending, identity.pk, report)
                pending = []
        _store_grouped(client, pending, identity.pk, report)
        if user.login and user.login != identity.login:
            from accounts.services.identities import identity_rename

            identity_rename(identity_id=identity.pk, login=user.login)
    except ForgeError as exc:
        report.requests_spent = client.requests_spent
        _finish(IdentitySyncState, state.pk, report, "error" if exc.permanent else "retrying", error=exc.message)
        token_rejected(platform=identity.platform, client=client, error=exc)
        raise
    report.requests_spent = client.requests_spent
    report.rate_remaining = client.rate_status().remaining
    _finish(IdentitySyncState, state.pk, report, "ok", backfilled_until=_day_before(started))
    return report


def _store_grouped(client: ForgeClient, pending: list[tuple[Repository, Pull]], identity_id: int,
                   report: SyncReport) -> None:
    """Store a backfill batch repository by repository, then flag mirror copies among what was stored."""
    before = len(report.contribution_ids)
    for repository in {r.pk: r for r, _ in pending}.values():
        _store(client, repository, [(p, identity_id) for r, p in pending if r.pk == repository.pk], report)
    _mark_mirrors(report.contribution_ids[before:])


def _day_before(moment: datetime) -> datetime:
    """Backfills resume a day early: search indexes lag, and re-storing is idempotent."""
    return moment - timedelta(days=1)


def overdue_work(*, max_age_minutes: int = 180) -> tuple[list[int], list[int]]:
    """Work a lost task left undone: stale repositories, and backfills that never ran or stalled.

    Skips what is still moving (started recently, e.g. waiting for a rate-limit reset) and backfills that
    ended for good (done, a permanent error, or unlinked), so the sweep never spends budget in a loop.
    """
    cutoff = timezone.now() - timedelta(minutes=max_age_minutes)
    repositories = list(
        SyncState.objects.filter(repository__active=True)
        .exclude(last_finished_at__gte=cutoff)
        .exclude(last_started_at__gte=cutoff)
        .values_list("repository_id", flat=True)
    )
    identities = list(
        ForgeIdentity.objects.filter(unlinked_at__isnull=True, created_at__lt=cutoff)
        .filter(Q(sync_state__isnull=True) | Q(sync_state__last_started_at__lt=cutoff)
                | Q(sync_state__last_started_at__isnull=True))
        .exclude(sync_state__last_status__in=["ok", "error", "unlinked"])
        .values_list("id", flat=True)
    )
    return repositories, identities


def backfill_needed(*, identity_id: int) -> bool:
    """True while a linked identity's backfill has not finished (never run, or cut short)."""
    done = IdentitySyncState.objects.filter(identity_id=identity_id, last_status__in=["ok", "unlinked"]).exists()
    return not done and ForgeIdentity.objects.filter(id=identity_id, unlinked_at__isnull=True).exists()
