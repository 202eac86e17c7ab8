"""The one door to the forges: plain dataclasses out, typed errors, and the client protocol."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RepoRef:
    """A repository as the registry knows it."""

    platform: str
    path: str
    external_id: int | None = None


@dataclass(frozen=True, slots=True)
class ForgeUser:
    """A forge account: the numeric id is the key, the login may change."""

    platform: str
    external_id: int
    login: str
    name: str = ""
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class ForgeRepo:
    """A repository as the forge describes it."""

    platform: str
    path: str
    external_id: int
    owner_login: str
    html_url: str = ""
    fork: bool = False


@dataclass(slots=True)
class Pull:
    """A pull/merge request; size fields are None until the detail is fetched."""

    platform: str
    external_id: int
    number: int
    repo_path: str
    title: str
    url: str
    state: str
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    author: ForgeUser
    merged_by_login: str = ""
    merged_by_external_id: int | None = None
    additions: int | None = None
    deletions: int | None = None
    changed_files: int | None = None
    labels: tuple[str, ...] = ()
    merge_commit_sha: str = ""
    head_sha: str = ""
    raw: dict = field(default_factory=dict)
    detailed: bool = False


@dataclass(slots=True)
class PullPage:
    """One list page, newest update first; not_modified means the forge answered 304 to our ETag."""

    pulls: list[Pull]
    etag: str = ""
    not_modified: bool = False
    is_last: bool = True
    page: int = 1  # its number, so a walk can record where to resume


@dataclass(frozen=True, slots=True)
class RateStatus:
    """What the forge says is left of the current token's budget."""

    remaining: int | None
    limit: int | None
    reset_at: float | None


class BudgetTracking:
    """What every client reports about cost: requests that spent budget (304s are free) and what is left."""

    _spent: int = 0
    _rate: RateStatus = RateStatus(remaining=None, limit=None, reset_at=None)

    @property
    def requests_spent(self) -> int:
        """Requests answered that cost rate-limit budget; a 304 to an ETag costs none."""
        return self._spent

    def rate_status(self) -> RateStatus:
        """The budget the forge last reported for the token in use (unknown until it sends one)."""
        return self._rate

    def token_in_use(self) -> str | None:
        """The token of the last request (None: anonymous), so a 401 can be pinned on it."""
        return getattr(self, "_token", None) or getattr(self, "token", None)


class ForgeError(Exception):
    """A forge call failed; `permanent` errors are not retried, others may be after `retry_after` seconds."""

    permanent = False

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after


class ForgeNotFound(ForgeError):
    """The repository or user does not exist (404)."""

    permanent = True


class ForgeBadSpec(ForgeError):
    """A login or repository path the forge would not accept; refused before any request."""

    permanent = True


class ForgeBadAnswer(ForgeError):
    """The forge answered with another kind of object than the one asked for (a user for a repository...)."""

    permanent = True


class ForgeAuthError(ForgeError):
    """The forge rejected the token (401)."""

    permanent = True


class ForgeRateLimited(ForgeError):
    """A primary or secondary rate limit; retry after `retry_after` seconds, never sleep in a worker."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 primary: bool = False):
        super().__init__(message, status=status, retry_after=retry_after)
        self.primary = primary  # the token's budget is spent until its reset (not a short secondary limit)


class ForgeUnavailable(ForgeError):
    """A 5xx, a timeout or a malformed body: transient, retry with backoff."""


class ForgeClient(Protocol):
    """What every forge client offers the sync services."""

    platform: str

    def get_repository(self, path_or_id: str) -> ForgeRepo: ...

    def get_user(self, login: str) -> ForgeUser: ...

    def get_user_by_id(self, external_id: int) -> ForgeUser: ...

    def pull_pages(self, repo: RepoRef, *, etag: str = "", since: datetime | None = None,
                   start_page: int = 1) -> Iterator[PullPage]:
        """Closed/merged pulls, most recently updated first, page by page from `start_page`.

        The first page honours `etag` (a 304 yields one page with not_modified=True); `since` is a hint a
        forge may use to filter server-side (GitLab's updated_after). The caller stops iterating at its
        watermark, so clients fetch pages lazily.
        """
        ...

    def pull_detail(self, repo: RepoRef, number: int) -> Pull: ...

    def user_merged_pulls(
        self, user: ForgeUser, *, repos: list[RepoRef], since: datetime | None
    ) -> Iterator[Pull]:
        """Backfill: merged pulls authored by `user` in any of `repos`, merged at or after `since`."""
        ...

    @property
    def requests_spent(self) -> int:
        """Requests sent that cost rate-limit budget (304s excluded)."""
        ...

    def rate_status(self) -> RateStatus: ...
