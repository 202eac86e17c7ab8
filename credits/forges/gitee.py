"""Gitee API v5 client on requests: merged pull requests as plain dataclasses, failures as typed errors."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

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

PER_PAGE = 100  # Gitee's maximum (its default is 20)
DEFAULT_RETRY_AFTER = 60.0  # Gitee documents no limit headers; a 429 without Retry-After waits a minute


def parse_time(text: str | None) -> datetime | None:
    """Gitee's ISO 8601 with offset (`2026-03-01T20:00:00+08:00`) as an aware datetime."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ForgeUnavailable(f"gitee: unreadable timestamp {text!r}") from exc
    if value.tzinfo is None:
        raise ForgeUnavailable(f"gitee: timestamp without offset {text!r}")
    return value


def _retry_after(response: requests.Response) -> float:
    """Seconds from Retry-After (Gitee sends seconds), else a conservative default."""
    try:
        return max(1.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_RETRY_AFTER


def _message(response: requests.Response) -> str:
    """The error message from Gitee's `{"message": ...}` body, or the start of the raw body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("message") or body) if isinstance(body, dict) else str(body)[:200]


class GiteeClient(BudgetTracking):
    """One requests.Session against one Gitee API root; each request costs one unit of the token's budget."""
    # Gitee sends no limit headers: only a 429 tells us the budget is gone (and until when).

    platform = "gitee"

    def __init__(self, api_url: str, *, token: str | None = None, pool: TokenPool | None = None,
                 timeout: float = 30.0, session: requests.Session | None = None, retry: RetryPolicy | None = None):
        self.api_url = api_url.rstrip("/")
        self.pool = pool
        self.retry = retry or policy_from_settings()
        self._fixed_token = token is not None
        # A user token (OAuth link) is used as is; otherwise the pool picks the richest service token.
        self.token = token if token is not None else (pool.choose() if pool else None)
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", "xuefen-credits")
        self._spent = 0
        self._rate = RateStatus(remaining=None, limit=None, reset_at=None)

    # ---- transport -------------------------------------------------------------------------------
    def _other_token(self) -> bool:
        return not self._fixed_token and self.pool is not None and self.pool.available()

    def _fetch(self, path: str, params: dict[str, Any] | None, kind: type, *,
               etag: str = "") -> tuple[requests.Response, Any]:
        """GET and decode with the retry rule: (response, body as `kind`; None for a 304)."""
        def attempt() -> tuple[requests.Response, Any]:
            if not self._fixed_token and self.pool is not None and self.pool.tokens:
                self.token = self.pool.choose()  # the richest token now (another if this one just ran out)
            response = self._get(path, params, etag=etag)
            return response, None if response.status_code == 304 else self._json(response, kind)

        return with_retries(self.retry, attempt, other_token=self._other_token)

    def _get(self, path: str, params: dict[str, Any] | None = None, *, etag: str = "") -> requests.Response:
        """One GET under the API root; returns a 2xx or 304 response, raises a typed ForgeError otherwise."""
        query = dict(params or {})
        if self.token:
            query["access_token"] = self.token
        headers = {"Accept": "application/json"}
        if etag:
            headers["If-None-Match"] = etag
        url = f"{self.api_url}{path}"
        try:
            response = self.session.get(url, params=query, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            self._spent += 1  # every attempt counts, answered or not
            raise ForgeUnavailable(f"gitee: timeout on {path}") from None
        except requests.RequestException as exc:
            self._spent += 1
            # requests puts the URL (with access_token) in its message: never let it reach last_error.
            detail = str(exc).replace(self.token, "***") if self.token else str(exc)
            raise ForgeUnavailable(f"gitee: connection failed on {path}: {detail}") from None
        if response.status_code != 304:
            self._spent += 1
        self._check(response, path)
        return response

    def _check(self, response: requests.Response, path: str) -> None:
        """Map a non-2xx answer to the protocol's errors."""
        status = response.status_code
        if status < 300 or status == 304:
            return
        message = f"gitee {status} on {path}: {_message(response)}"
        if status == 429 or (status == 403 and "rate limit" in message.lower()):
            wait = _retry_after(response)
            self._rate = RateStatus(remaining=0, limit=self._rate.limit, reset_at=time.time() + wait)
            if self.pool is not None:
                self.pool.record(self.token, 0, time.time() + wait)
            raise ForgeRateLimited(message, status=status, retry_after=wait)
        if status == 401 or status == 403:
            raise ForgeAuthError(message, status=status)
        if status == 404:
            raise ForgeNotFound(message, status=status)
        if status >= 500:
            raise ForgeUnavailable(message, status=status, retry_after=30.0)
        error = ForgeError(message, status=status)
        error.permanent = True  # any other 4xx is a request we must not repeat unchanged
        raise error

    def _json(self, response: requests.Response, kind: type) -> Any:
        """The body as `kind` (dict or list); a cut-off or wrong-shaped body is transient, not data."""
        try:
            body = response.json()
        except ValueError as exc:
            raise ForgeUnavailable(f"gitee: malformed JSON from {response.url.split('?')[0]}") from exc
        if not isinstance(body, kind):
            raise ForgeUnavailable(f"gitee: expected a {kind.__name__} from {response.url.split('?')[0]}")
        return body

    # ---- shapes ----------------------------------------------------------------------------------
    def _user(self, data: dict[str, Any] | None) -> ForgeUser:
        if not data or data.get("id") is None:
            raise ForgeUnavailable("gitee: pull request without an author")
        login = data.get("login") or ""
        return ForgeUser(platform="gitee", external_id=int(data["id"]), login=login,
                         name=data.get("name") or "", is_bot=(data.get("type") or "").lower() == "bot")

    def _pull(self, data: dict[str, Any], repo_path: str, *, detailed: bool) -> Pull:
        head, base = data.get("head") or {}, data.get("base") or {}
        merged_at = parse_time(data.get("merged_at"))
        pull = Pull(
            platform="gitee", external_id=int(data["id"]), number=int(data["number"]), repo_path=repo_path,
            title=data.get("title") or "", url=data.get("html_url") or "",
            state="merged" if merged_at else (data.get("state") or ""),
            created_at=parse_time(data.get("created_at")), updated_at=parse_time(data.get("updated_at")),
            merged_at=merged_at, author=self._user(data.get("user")),
            labels=tuple(label["name"] for label in data.get("labels") or () if label.get("name")),
            # Gitee has no merged_by and (in v5) no merge commit SHA; the head SHA still matches mirrors.
            merge_commit_sha=data.get("merge_commit_sha") or "", head_sha=head.get("sha") or "",
            raw={k: v for k, v in data.items() if k not in ("head", "base", "user", "labels", "_links")}
            | {"head": {"ref": head.get("ref"), "sha": head.get("sha")},
               "base": {"ref": base.get("ref"), "sha": base.get("sha")}},
            detailed=detailed,
        )
        if detailed:
            pull.additions, pull.deletions = data.get("additions"), data.get("deletions")
            pull.changed_files = data.get("changed_files")
        return pull

    # ---- protocol --------------------------------------------------------------------------------
    def get_repository(self, path_or_id: str) -> ForgeRepo:
        """A repository by `owner/name` (Gitee v5 has no lookup by numeric id)."""
        try:
            path = parse_repository(f"gitee:{path_or_id}").path  # before any request: no ../user, no %2F
        except SpecError as exc:
            raise ForgeBadSpec(f"gitee: {exc}") from None
        data = self._fetch(f"/repos/{path}", None, dict)[1]
        namespace = data.get("namespace")
        try:
            # The answer must be a repository: a user profile (what /repos/../user reaches) has no namespace.
            if not isinstance(namespace, dict) or "full_name" not in data:
                raise SpecError("no namespace or full_name")
            full_name = repository_path_check("gitee", data["full_name"])
            external_id = forge_id_check(data.get("id"))
        except SpecError as exc:
            raise ForgeBadAnswer(f"gitee answered {path!r} with something that is not a repository ({exc})") from None
        return ForgeRepo(
            platform="gitee", path=full_name, external_id=external_id,
            owner_login=str(namespace.get("path") or full_name.split("/")[0]),
            html_url=str(data.get("html_url") or "").removesuffix(".git"), fork=bool(data.get("fork")),
        )

    def get_user(self, login: str) -> ForgeUser:
        """A user by current login: refused before the request unless it is a Gitee login, checked after."""
        try:
            login_check("gitee", login)
        except SpecError as exc:
            raise ForgeBadSpec(f"gitee: {exc}") from None
        data = self._fetch(f"/users/{login}", None, dict)[1]
        answered = data.get("login")
        if "full_name" in data or not isinstance(answered, str) or answered.casefold() != login.casefold():
            raise ForgeBadAnswer(f"gitee answered user {login!r} with something that is not that account")
        try:
            forge_id_check(data.get("id"))
        except SpecError as exc:
            raise ForgeBadAnswer(f"gitee answered user {login!r} without a valid id ({exc})") from None
        return self._user(data)

    def get_user_by_id(self, external_id: int) -> ForgeUser:
        """The user keyed by numeric id, with an empty login: Gitee v5 has no lookup by id (no request is sent).

        Everything downstream matches authors by numeric id, and the current login arrives with each pull
        payload (the sync renames the identity from there), so an empty login here loses nothing.
        """
        return ForgeUser(platform="gitee", external_id=int(external_id), login="")

    def authenticated_user(self) -> ForgeUser:
        """The token's own account (`/user`), for OAuth linking."""
        return self._user(self._fetch("/user", None, dict)[1])

    def pull_pages(self, repo: RepoRef, *, etag: str = "", since: datetime | None = None,
                   start_page: int = 1) -> Iterator[PullPage]:
        """Merged pulls, most recently updated first, fetched one page per iteration step from `start_page`."""
        # Gitee's list has no updated-after filter; the caller stops at its watermark, so `since` is unused.
        page = start_page
        while True:
            params = {"state": "merged", "sort": "updated", "direction": "desc", "per_page": PER_PAGE, "page": page}
            response, items = self._fetch(f"/repos/{repo.path}/pulls", params, list, etag=etag if page == 1 else "")
            if response.status_code == 304:
                yield PullPage(pulls=[], etag=etag, not_modified=True, is_last=True, page=page)
                return
            try:
                total_pages = int(response.headers.get("total_page", ""))
            except ValueError:
                total_pages = None
            is_last = page >= total_pages if total_pages is not None else len(items) < PER_PAGE
            pulls = [self._pull(item, repo.path, detailed=False) for item in items]
            yield PullPage(pulls=pulls, etag=response.headers.get("ETag", "") if page == 1 else "",
                           is_last=is_last or not items, page=page)
            if is_last or not items:
                return
            page += 1

    def pull_detail(self, repo: RepoRef, number: int) -> Pull:
        """One pull with additions, deletions and changed_files."""
        return self._pull(self._fetch(f"/repos/{repo.path}/pulls/{number}", None, dict)[1], repo.path,
                          detailed=True)

    def user_merged_pulls(self, user: ForgeUser, *, repos: list[RepoRef], since: datetime | None) -> Iterator[Pull]:
        """Backfill without search: walk each registry repository's merged pulls, keep the user's by numeric id."""
        for repo in repos:
            for page in self.pull_pages(repo):
                stop = False
                for pull in page.pulls:
                    # Newest update first: once updates fall before `since`, no older merge can qualify.
                    if since is not None and pull.updated_at < since:
                        stop = True
                        break
                    if pull.author.external_id != user.external_id or pull.merged_at is None:
                        continue
                    if since is None or pull.merged_at >= since:
                        yield pull
                if stop:
                    break


def client_from_settings(*, token: str | None = None, pool_tokens: list[str] | None = None) -> GiteeClient:
    """A client on GITEE_API_URL with the GITEE_TOKENS pool (shared per process, so budgets are remembered)."""
    from django.conf import settings

    pool = shared_pool("gitee", settings.GITEE_API_URL, settings.FORGE_TOKENS.get("gitee") or ()
                       if pool_tokens is None else pool_tokens)
    return GiteeClient(settings.GITEE_API_URL, token=token, pool=pool, timeout=timeout_from_settings(),
                       retry=policy_from_settings())
