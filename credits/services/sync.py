"""Repository sync and identity backfill: walk the forge, keep linked students' merged PRs, store, advance."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import ForgeIdentity
from credits.forges import ForgeClient, ForgeError, ForgeRateLimited, Pull, RepoRef
from credits.models import Contribution, IdentitySyncState, Repository, SyncState
from credits.services.forge_tokens import forge_client, token_budget_note, token_rejected

from .contributions import contribution_from_pull, contributions_upsert
from .sync_sweep import overdue_work  # noqa: F401  (the sweep's selection; callers import it from here)

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
    complete: bool = True  # False: the unit stopped at its bound and its continuation is due
    superseded: bool = False  # another worker moved the same walk on; this unit stopped

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
    """Record a unit's outcome with counters added atomically (two workers may finish together)."""
    now = timezone.now()
    model.objects.filter(pk=pk).update(
        last_finished_at=now, heartbeat_at=now, last_status=status, last_error=error,
        pulls_seen=F("pulls_seen") + report.pulls_seen, contributions_stored=F("contributions_stored") + report.stored,
        requests_spent=F("requests_spent") + report.requests_spent, **extra,
    )


def _start(model, pk: int) -> None:
    """A unit begins: running, with a heartbeat."""
    now = timezone.now()
    model.objects.filter(pk=pk).update(last_started_at=now, heartbeat_at=now, last_status="running",
                                       next_attempt_at=None, runs=F("runs") + 1)


def _failed(model, state, report: SyncReport, exc: ForgeError) -> None:
    """Record a failed unit: `retrying` with the expected next attempt, or `error` once retries are exhausted.

    Rate limits are waits, not failures. Transient faults count; after SYNC_MAX_TRANSIENT_RETRIES in a row the
    error becomes permanent (the task stops) and the reason stays on the state for the dashboard.
    """
    now = timezone.now()
    if exc.permanent:
        _finish(model, state.pk, report, "error", error=exc.message)
        return
    if isinstance(exc, ForgeRateLimited):
        wait = exc.retry_after or 60.0
        _finish(model, state.pk, report, "retrying", error=exc.message, next_attempt_at=now + timedelta(seconds=wait))
        return
    failures = state.failures + 1
    if failures >= settings.SYNC_MAX_TRANSIENT_RETRIES:
        reason = f"gave up after {failures} failed attempts: {exc.message}"
        _finish(model, state.pk, report, "error", error=reason, failures=failures)
        exc.message, exc.args, exc.permanent = reason, (reason,), True
        return
    backoff = min(3600.0, settings.SYNC_RETRY_BACKOFF_SECONDS * 2 ** (failures - 1))
    exc.retry_after = backoff  # the task's countdown and `sync --wait` use the same wait
    _finish(model, state.pk, report, "retrying", error=exc.message, failures=failures,
            next_attempt_at=now + timedelta(seconds=exc.retry_after))


def repository_sync(*, repository_id: int, client: ForgeClient | None = None, max_pages: int | None = None,
                    max_seconds: float | None = None) -> SyncReport:
    """Walk one repository's closed PRs newest-updated first down to the watermark, storing page by page.

    Progress (next page, newest update seen, what is stored) is recorded after every page, so a retried or
    redelivered unit resumes there; the ETag and watermark move only when the walk is complete, so a PR is
    never skipped. `max_pages`/`max_seconds` bound one unit: the report says `complete=False` and the
    caller continues it.
    """
    repository = Repository.objects.get(pk=repository_id)
    state, _ = SyncState.objects.get_or_create(repository=repository)
    _start(SyncState, state.pk)
    client = client or forge_client(repository.platform)
    report = SyncReport(subject=repository.spec)
    try:
        _walk(client, repository, state, report, max_pages=max_pages, max_seconds=max_seconds)
    except ForgeError as exc:
        report.requests_spent = client.requests_spent
        _failed(SyncState, state, report, exc)
        token_rejected(platform=repository.platform, client=client, error=exc)
        raise
    finally:
        token_budget_note(platform=repository.platform, client=client)
    return report


def _walk(client: ForgeClient, repository: Repository, state: SyncState, report: SyncReport, *,
          max_pages: int | None, max_seconds: float | None) -> None:
    linked = _linked_identities(repository.platform)
    watermark = state.watermark
    # PRs updated exactly at the watermark may be new (same second) or already stored: skip only the latter.
    at_watermark = set(Contribution.objects.filter(repository=repository, updated_at=watermark)
                       .values_list("external_id", flat=True)) if watermark else set()
    resuming = state.walk_page > 1
    expected = state.walk_page  # the progress we continue from; another worker moving it means it owns the walk
    newest = max(filter(None, (state.walk_newest, watermark)), default=None) if resuming else watermark
    first_etag = state.walk_etag if resuming else ""
    deadline = time.monotonic() + max_seconds if max_seconds else None
    pages, complete = 0, False
    # Without a watermark there is nothing the ETag could vouch for: walk everything.
    for page in client.pull_pages(_ref(repository), etag=state.etag if watermark and not resuming else "",
                                  since=watermark, start_page=state.walk_page or 1):
        if page.not_modified:
            report.not_modified = complete = True
            break
        if page.page == 1:
            first_etag = page.etag
        kept, reached = [], False
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
        before = len(report.contribution_ids)
        _store(client, repository, kept, report)
        _mark_mirrors(report.contribution_ids[before:])
        pages += 1
        complete = reached or page.is_last
        moved = SyncState.objects.filter(pk=state.pk, walk_page=expected).update(
            walk_page=0 if complete else page.page + 1, walk_newest=None if complete else newest,
            walk_etag="" if complete else first_etag, heartbeat_at=timezone.now(),
            walk_stored=0 if complete else F("walk_stored") + len(report.contribution_ids) - before)
        if not moved:  # a second worker on the same repository took the walk further: it finishes it
            report.superseded = True
            break
        expected = 0 if complete else page.page + 1
        if complete or (max_pages and pages >= max_pages) or (deadline and time.monotonic() >= deadline):
            break
    report.requests_spent = client.requests_spent
    report.rate_remaining = client.rate_status().remaining
    report.complete = complete
    if report.not_modified:
        SyncState.objects.filter(pk=state.pk).update(walk_page=0, walk_newest=None, walk_etag="", walk_stored=0)
        _finish(SyncState, state.pk, report, "not_modified", not_modified=F("not_modified") + 1, failures=0)
        return
    if not complete:
        _finish(SyncState, state.pk, report, "running" if report.superseded else "queued", failures=0)
        return
    # Advance only forward: two overlapping walks each stored everything down to the old watermark.
    # No closed PR at all (newest is None) leaves nothing to advance to.
    if newest is not None:
        SyncState.objects.filter(pk=state.pk).filter(Q(watermark__isnull=True) | Q(watermark__lte=newest)).update(
            watermark=newest, etag=first_etag
        )
    _finish(SyncState, state.pk, report, "ok", failures=0)


def identity_backfill(*, identity_id: int, client: ForgeClient | None = None,
                      max_stored: int | None = None) -> SyncReport:
    """Fetch everything a newly linked identity merged into registry repositories (search or repo walk).

    Stores in batches and skips PRs already stored unchanged, so a retried or continued unit resumes without
    re-fetching details it already has; `max_stored` bounds one unit (`complete=False`: continue it).
    """
    identity = ForgeIdentity.objects.get(pk=identity_id)
    state, _ = IdentitySyncState.objects.get_or_create(identity=identity)
    _start(IdentitySyncState, state.pk)
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
            if report.pulls_seen % STORE_BATCH == 0:  # a long walk with little to store still shows it is alive
                IdentitySyncState.objects.filter(pk=state.pk).update(heartbeat_at=timezone.now())
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
                IdentitySyncState.objects.filter(pk=state.pk).update(heartbeat_at=timezone.now())
                if max_stored and report.stored >= max_stored:
                    report.complete = False
                    break
        _store_grouped(client, pending, identity.pk, report)
        if report.complete and user.login and user.login != identity.login:
            from accounts.services.identities import identity_rename

            identity_rename(identity_id=identity.pk, login=user.login)
    except ForgeError as exc:
        report.requests_spent = client.requests_spent
        _failed(IdentitySyncState, state, report, exc)
        token_rejected(platform=identity.platform, client=client, error=exc)
        raise
    finally:
        token_budget_note(platform=identity.platform, client=client)
    report.requests_spent = client.requests_spent
    report.rate_remaining = client.rate_status().remaining
    if not report.complete:
        _finish(IdentitySyncState, state.pk, report, "queued", failures=0)
        return report
    _finish(IdentitySyncState, state.pk, report, "ok", backfilled_until=_day_before(started), failures=0)
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


def backfill_needed(*, identity_id: int) -> bool:
    """True while a linked identity's backfill has not finished (never run, or cut short)."""
    done = IdentitySyncState.objects.filter(identity_id=identity_id, last_status__in=["ok", "unlinked"]).exists()
    return not done and ForgeIdentity.objects.filter(id=identity_id, unlinked_at__isnull=True).exists()
