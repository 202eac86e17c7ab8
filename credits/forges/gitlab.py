"""GitLab v4 client on python-gitlab (any instance): merge requests as plain dataclasses, failures as typed errors."""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import gitlab
import gitlab.exceptions as gle
import requests

from .base import (
    BudgetTracking,
    ForgeAuthError,
    ForgeBadAnswer,
    ForgeBadSpec,
    ForgeError,
    ForgeNotFound,
    ForgeRateLimited,
    ForgeRepo,
    ForgeUnavailable,
    ForgeUser,
    Pull,
    PullPage,
    RateStatus,
    RepoRef,
)
from .retry import RetryPolicy, policy_from_settings, timeout_from_settings, with_retries
from .specs import SpecError, forge_id_check, login_check, parse_repository, repository_path_check
from .tokens import TokenPool, shared_pool

PER_PAGE = 100
DEFAULT_RETRY_AFTER = 60.0
LISTED_CACHE = 10_000  # list items kept for pull_detail, so a kept MR costs one request (its diffs), not two
BOT_USERNAME = re.compile(r"^(project|group)_\d+_bot(_[0-9a-f]+)?$")
T = TypeVar("T")


class _Gitlab(gitlab.Gitlab):
    """python-gitlab that never sleeps on a 429 and leaves retries to our one rule (credits.forges.retry).

    Its own retry_transient_errors loop is set to zero retries: it has no jitter, does not cover cut-off
    bodies, and its list iterator moves to the next page before parsing the body, so a retried `next()`
    would skip the page that failed.
    """

    def http_request(self, verb: str, path: str, *args: Any, obey_rate_limit: bool = False,
                     max_retries: int = 0, **kwargs: Any) -> requests.Response:
        return super().http_request(verb, path, *args, obey_rate_limit=obey_rate_limit, max_retries=max_retries,
                                    **kwargs)


def parse_time(text: str | None) -> datetime | None:
    """GitLab's `2026-03-01T12:00:00.000Z` (or with an offset) as an aware datetime."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ForgeUnavailable(f"gitlab: unreadable timestamp {text!r}") from exc


def _count(value: Any) -> int | None:
    """`changes_count` is a string, and "1000+" past GitLab's diff limit: keep the number we know."""
    if value is None:
        return None
    digits = "".join(ch for ch in str(value) if ch.isdigit())
    return int(digits) if digits else None


def diff_line_counts(diffs: list[dict[str, Any]]) -> tuple[int, int, bool]:
    """(additions, deletions, complete) from GitLab's per-file unified diffs (hunks only, no ---/+++ headers)."""
    additions = deletions = 0
    complete = True
    for item in diffs:
        if item.get("too_large") or item.get("collapsed") and not item.get("diff"):
            complete = False  # GitLab withheld this file's diff; its lines are not counted
        for line in (item.get("diff") or "").splitlines():
            if line.startswith("+") and not line.startswith("+++ "):
                additions += 1
            elif line.startswith("-") and not line.startswith("--- "):
                deletions += 1
    return additions, deletions, complete


class GitLabClient(BudgetTracking):
    """One door to a GitLab instance; the Repository external id is the numeric project id."""
    # requests_spent counts each attempt python-gitlab makes on a 5xx; the budget comes from RateLimit-*.

    platform = "gitlab"

    def __init__(self, url: str, *, token: str | None = None, pool: TokenPool | None = None, timeout: float = 30.0,
                 retry: RetryPolicy | None = None):
        self.url = url.rstrip("/")
        self.retry = retry or policy_from_settings()
        self.pool = pool
        self.token = token if token is not None else (pool.choose() if pool else None)
        # Service tokens are access tokens (PRIVATE-TOKEN); a person's token comes from OAuth (Bearer).
        auth = {"oauth_token": token} if token is not None else {"private_token": self.token}
        self.gl = _Gitlab(self.url, retry_transient_errors=True, per_page=PER_PAGE, timeout=timeout,
                          user_agent="xuefen-credits", **auth)
        self.gl.session.hooks["response"].append(self._on_response)
        self._spent = 0
        self._rate = RateStatus(remaining=None, limit=None, reset_at=None)
        self._listed: OrderedDict[tuple[str, int], dict[str, Any]] = OrderedDict()
        self._last_headers: dict[str, str] = {}

    # ---- plumbing --------------------------------------------------------------------------------
    def _on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Count every answer, remember its headers and the budget GitLab reports for our token."""
        if response.status_code != 304:
            self._spent += 1
        self._last_headers = dict(response.headers)
        remaining, limit = response.headers.get("RateLimit-Remaining"), response.headers.get("RateLimit-Limit")
        reset = response.headers.get("RateLimit-Reset")
        if remaining is not None and remaining.isdigit():
            reset_at = float(reset) if reset and reset.isdigit() else None
            self._rate = RateStatus(int(remaining), int(limit) if limit and limit.isdigit() else None, reset_at)
            if self.pool is not None:
                self.pool.record(self.token, int(remaining), reset_at)
        if response.status_code >= 500:
            # python-gitlab would sleep until RateLimit-Reset (sent on every answer) before retrying a 5xx;
            # drop the hint so its own short backoff applies.
            response.headers.pop("RateLimit-Reset", None)
            response.headers.pop("Retry-After", None)
        return response

    def _retry_after(self) -> float:
        """Seconds to wait after a 429: Retry-After, else RateLimit-Reset, else a minute."""
        headers = {k.lower(): v for k, v in self._last_headers.items()}
        try:
            return max(1.0, float(headers["retry-after"]))
        except (KeyError, ValueError):
            pass
        try:
            return max(1.0, float(headers["ratelimit-reset"]) - time.time())
        except (KeyError, ValueError):
            return DEFAULT_RETRY_AFTER

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Map python-gitlab and requests exceptions to the protocol's errors."""
        try:
            yield
        except gle.GitlabAuthenticationError as exc:
            raise ForgeAuthError(f"gitlab rejected the token ({what}): {exc.error_message}", status=401) from exc
        except gle.GitlabParsingError as exc:
            raise ForgeUnavailable(f"gitlab sent a malformed body ({what})") from exc
        except gle.GitlabError as exc:
            raise self._error(exc, what) from exc
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            self._spent += 1  # an attempt without an answer still counts
            raise ForgeUnavailable(f"gitlab unreachable ({what}): {exc}") from exc

    def _error(self, exc: gle.GitlabError, what: str) -> ForgeError:
        status = exc.response_code
        message = f"gitlab {status} ({what}): {exc.error_message}"
        if status == 401:
            return ForgeAuthError(message, status=status)
        if status == 403:
            return ForgeAuthError(message, status=status)
        if status == 404:
            return ForgeNotFound(message, status=status)
        if status == 429:
            wait = self._retry_after()
            if self.pool is not None:
                self.pool.record(self.token, 0, time.time() + wait)
            return ForgeRateLimited(message, status=status, retry_after=wait)
        if status is None or status >= 500:
            return ForgeUnavailable(message, status=status, retry_after=30.0)
        error = ForgeError(message, status=status)
        error.permanent = True
        return error

    def _remember(self, repo_path: str, data: dict[str, Any]) -> None:
        """Keep a list item: it has everything the single MR has that we use except the diff sizes."""
        self._listed[(repo_path.lower(), int(data["iid"]))] = data
        if len(self._listed) > LISTED_CACHE:
            self._listed.popitem(last=False)

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """One request (fn) under the retry rule, its failures mapped to forge errors."""
        def attempt() -> T:
            with self._errors(what):
                return fn()

        return with_retries(self.retry, attempt)

    def _page(self, path: str, query: dict[str, Any], page: int, what: str, *,
              etag: str = "") -> tuple[list[dict[str, Any]], bool, str]:
        """One list page by number: (items, is_last, ETag); a 304 raises ForgeError(status=304)."""
        def fetch() -> tuple[list[dict[str, Any]], bool, str]:
            response = self.gl.http_request("get", path, query_data={**query, "page": page, "per_page": PER_PAGE},
                                            extra_headers={"If-None-Match": etag} if etag else None)
            try:
                items = response.json()
            except ValueError as exc:
                raise gle.GitlabParsingError(error_message="Failed to parse the server message") from exc
            if not isinstance(items, list):
                raise gle.GitlabParsingError(error_message="expected a list")
            is_last = not response.headers.get("X-Next-Page") or not items
            return items, is_last, response.headers.get("ETag", "")

        return self._call(what, fetch)

    @staticmethod
    def _project_id(repo: RepoRef) -> int | str:
        # The numeric id survives project renames and transfers; the path is the fallback before registration.
        return repo.external_id if repo.external_id is not None else repo.path

    # ---- shapes ----------------------------------------------------------------------------------
    @staticmethod
    def _user(data: dict[str, Any] | None) -> ForgeUser:
        if not data or data.get("id") is None:
            raise ForgeUnavailable("gitlab: merge request or user without an id")
        username = data.get("username") or ""
        # Embedded users carry no `bot` flag; project/group access-token bots are recognisable by name.
        is_bot = bool(data.get("bot")) or bool(BOT_USERNAME.match(username))
        return ForgeUser(platform="gitlab", external_id=int(data["id"]), login=username,
                         name=data.get("name") or "", is_bot=is_bot)

    def _pull(self, data: dict[str, Any], repo_path: str, *, detailed: bool = False) -> Pull:
        merger = data.get("merge_user") or data.get("merged_by") or {}  # merged_by is deprecated
        state = data.get("state") or ""
        merged_at = parse_time(data.get("merged_at"))
        if merged_at is None and state == "merged":
            # MRs merged before GitLab recorded merged_at carry only their last update.
            merged_at = parse_time(data.get("updated_at"))
        return Pull(
            platform="gitlab", external_id=int(data["id"]), number=int(data["iid"]), repo_path=repo_path,
            title=data.get("title") or "", url=data.get("web_url") or "", state=state,
            created_at=parse_time(data.get("created_at")), updated_at=parse_time(data.get("updated_at")),
            merged_at=merged_at, author=self._user(data.get("author")),
            merged_by_login=merger.get("username") or "", merged_by_external_id=merger.get("id"),
            changed_files=_count(data.get("changes_count")) if detailed else None,
            labels=tuple(lab if isinstance(lab, str) else lab.get("name", "") for lab in data.get("labels") or ()),
            merge_commit_sha=data.get("merge_commit_sha") or data.get("squash_commit_sha") or "",
            head_sha=data.get("sha") or "", raw=dict(data), detailed=detailed,
        )

    # ---- protocol --------------------------------------------------------------------------------
    def get_repository(self, path_or_id: str) -> ForgeRepo:
        """A project by numeric id or by path with subgroups (python-gitlab URL-encodes it)."""
        try:
            ref = parse_repository(f"gitlab:{path_or_id}")  # before any request
        except SpecError as exc:
            raise ForgeBadSpec(f"gitlab: {exc}") from None
        key = ref.external_id if ref.external_id is not None else ref.path
        project = self._call(f"project {ref.key}", lambda: self.gl.projects.get(key))
        attrs = project.attributes
        namespace = attrs.get("namespace") or {}
        try:
            path = repository_path_check("gitlab", attrs.get("path_with_namespace"))
            external_id = forge_id_check(attrs.get("id"))
        except SpecError as exc:
            raise ForgeBadAnswer(f"gitlab answered {ref.key!r} with something that is not a project ({exc})") from None
        return ForgeRepo(
            platform="gitlab", path=path, external_id=external_id,
            owner_login=namespace.get("full_path") or path.rsplit("/", 1)[0],
            html_url=attrs.get("web_url") or "", fork=bool(attrs.get("forked_from_project")),
        )

    def get_user(self, login: str) -> ForgeUser:
        """A user by current username (`/users?username=`), checked before the request and after."""
        try:
            login_check("gitlab", login)
        except SpecError as exc:
            raise ForgeBadSpec(f"gitlab: {exc}") from None
        users = self._call(f"user {login}", lambda: self.gl.users.list(username=login, get_all=False))
        if not users:
            raise ForgeNotFound(f"gitlab: no user {login!r}", status=404)
        attrs = users[0].attributes
        if str(attrs.get("username") or "").casefold() != login.casefold():
            raise ForgeBadAnswer(f"gitlab answered user {login!r} with another account")
        return self._user(attrs)

    def get_user_by_id(self, external_id: int) -> ForgeUser:
        """A user by numeric id (the key that survives a username change)."""
        return self._user(self._call(f"user {external_id}", lambda: self.gl.users.get(int(external_id))).attributes)

    def authenticated_user(self) -> ForgeUser:
        """The token's own account (`/user`), for OAuth linking."""
        def fetch() -> Any:
            self.gl.auth()
            return self.gl.user
        return self._user(self._call("current user", fetch).attributes)

    def pull_pages(self, repo: RepoRef, *, etag: str = "", since: datetime | None = None,
                   start_page: int = 1) -> Iterator[PullPage]:
        """Merged MRs, most recently updated first, one page per step from `start_page`.

        With an ETag the unfiltered first page is asked for conditionally (a 304 is free, and the URL must stay
        the same for the tag to match); without one, `since` becomes updated_after so GitLab filters.
        The caller stops at its watermark either way, so both walks cost the same number of pages.
        """
        query: dict[str, Any] = {"state": "merged", "order_by": "updated_at", "sort": "desc"}
        if not etag and since is not None:
            query["updated_after"] = since.isoformat()
        path = f"/projects/{requests.utils.quote(str(self._project_id(repo)), safe='')}/merge_requests"
        page = start_page
        while True:
            try:
                items, is_last, page_etag = self._page(path, query, page, f"merge requests of {repo.path}",
                                                       etag=etag if page == 1 else "")
            except ForgeError as exc:
                if exc.status == 304:
                    yield PullPage(pulls=[], etag=etag, not_modified=True, is_last=True, page=page)
                    return
                raise
            pulls = []
            for data in items:
                self._remember(repo.path, data)
                pulls.append(self._pull(data, repo.path))
            yield PullPage(pulls=pulls, etag=page_etag if page == 1 else "", is_last=is_last, page=page)
            if is_last:
                return
            page += 1

    def pull_detail(self, repo: RepoRef, number: int) -> Pull:
        """One MR with additions/deletions counted from its diffs; the MR itself comes from the walk if listed."""
        pid = self._project_id(repo)
        data = self._listed.pop((repo.path.lower(), int(number)), None)
        if data is None:  # not seen in this client's walks: the single MR (with changes_count as a string)
            data = self._call(f"{repo.path}!{number}",
                              lambda: self.gl.projects.get(pid, lazy=True).mergerequests.get(int(number))).attributes
        pull = self._pull(data, repo.path, detailed=True)
        # GitLab's MR has no additions/deletions: count them from /diffs (GitLab 15.7+), 100 files a request.
        encoded = requests.utils.quote(str(pid), safe="")
        diffs = self._call(f"{repo.path}!{number} diffs", lambda: list(self.gl.http_list(
            f"/projects/{encoded}/merge_requests/{int(number)}/diffs", iterator=True, per_page=PER_PAGE)))
        additions, deletions, complete = diff_line_counts(diffs)
        pull.additions, pull.deletions = additions, deletions
        if pull.changed_files is None:
            pull.changed_files = len(diffs)
        pull.raw["xuefen_diff_complete"] = complete
        return pull

    def user_merged_pulls(self, user: ForgeUser, *, repos: list[RepoRef], since: datetime | None) -> Iterator[Pull]:
        """Backfill: `/merge_requests?scope=all&author_id=N&state=merged`, kept only in registry projects."""
        by_id = {r.external_id: r for r in repos if r.external_id is not None}
        if not by_id:
            return
        params: dict[str, Any] = {"scope": "all", "author_id": int(user.external_id), "state": "merged",
                                  "order_by": "updated_at", "sort": "desc"}
        if since is not None:
            params["updated_after"] = since.isoformat()
        page = 1
        while True:
            items, is_last, _ = self._page("/merge_requests", params, page, f"merge requests of {user.login}")
            for data in items:
                repo = by_id.get(data.get("project_id"))
                if repo is None:
                    continue
                self._remember(repo.path, data)
                pull = self._pull(data, repo.path)
                if pull.merged_at is not None and (since is None or pull.merged_at >= since):
                    yield pull
            if is_last:
                return
            page += 1


def client_from_settings(*, token: str | None = None, pool_tokens: list[str] | None = None) -> GitLabClient:
    """A client on GITLAB_URL with the GITLAB_TOKENS pool (shared per process, so budgets are remembered)."""
    from django.conf import settings

    pool = shared_pool("gitlab", settings.GITLAB_URL, settings.FORGE_TOKENS.get("gitlab") or ()
                       if pool_tokens is None else pool_tokens)
    return GitLabClient(settings.GITLAB_URL, token=token, pool=pool, timeout=timeout_from_settings(),
                        retry=policy_from_settings())
