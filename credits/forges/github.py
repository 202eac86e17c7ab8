"""GitHub client on PyGithub: lists with ETags, details for kept PRs, search backfill; plain dataclasses out."""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.conf import settings
from github import Auth, Github, GithubException
from github.PullRequest import PullRequest
from requests import RequestException

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
from .github_errors import error_from_exception, error_from_response, parse_next_link
from .retry import RetryPolicy, policy_from_settings, timeout_from_settings, with_retries
from .specs import SpecError, forge_id_check, login_check, parse_repository, repository_path_check
from .tokens import TokenPool, shared_pool

PER_PAGE = 100
SEARCH_CAP = 1000  # GitHub returns at most 1,000 results per search query.


def _ts(value: str | None) -> datetime | None:
    """Parse GitHub's ISO-8601 timestamps ('2026-03-01T12:00:00Z') to aware datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _user(data: dict | None) -> ForgeUser:
    data = data or {}
    login = data.get("login") or ""
    return ForgeUser(
        platform="github", external_id=int(data.get("id") or 0), login=login, name=data.get("name") or "",
        is_bot=data.get("type") == "Bot" or login.endswith("[bot]"),
    )


def pull_from_json(data: dict, repo_path: str) -> Pull:
    """A Pull from a list item or a detail body; sizes only when the body is a detail."""
    detailed = "additions" in data
    merged_by = data.get("merged_by") or {}
    return Pull(
        platform="github", external_id=int(data["id"]), number=int(data["number"]), repo_path=repo_path,
        title=data.get("title") or "", url=data.get("html_url") or "", state=data.get("state") or "",
        created_at=_ts(data["created_at"]), updated_at=_ts(data["updated_at"]), merged_at=_ts(data.get("merged_at")),
        author=_user(data.get("user")), merged_by_login=merged_by.get("login") or "",
        merged_by_external_id=merged_by.get("id"), additions=data.get("additions"),
        deletions=data.get("deletions"), changed_files=data.get("changed_files"),
        labels=tuple(label["name"] for label in data.get("labels") or ()),
        merge_commit_sha=data.get("merge_commit_sha") or "", head_sha=(data.get("head") or {}).get("sha") or "",
        raw=data, detailed=detailed,
    )


class GitHubClient(BudgetTracking):
    """One door to GitHub (or any GitHub-compatible API root, such as Enterprise or forgesim)."""

    platform = "github"

    def __init__(self, *, base_url: str, pool: TokenPool, token: str | None = None,
                 seconds_between_requests: float | None = None, timeout: float = 30,
                 retry: RetryPolicy | None = None):
        self._retry = retry or policy_from_settings()
        self._pool = pool
        self._fixed_token = token
        self._base_url = base_url
        self._pacing = seconds_between_requests or None
        self._timeout = timeout
        self._clients: dict[str | None, Github] = {}
        self._spent = 0
        self._token: str | None = None
        self._rate = RateStatus(None, None, None)

    # -- plumbing -----------------------------------------------------------------------------------
    def _gh(self) -> Github:
        """A PyGithub client for the token with the most budget left (or the caller's user token)."""
        token = self._fixed_token or self._pool.choose()
        self._token = token
        if token not in self._clients:
            # retry=None: our one retry rule (credits.forges.retry) wraps every request instead, because it sees
            # what PyGithub's GithubRetry cannot (cut-off bodies, connection resets) and counts every attempt.
            self._clients[token] = Github(
                base_url=self._base_url, auth=Auth.Token(token) if token else None, per_page=PER_PAGE,
                retry=None, seconds_between_requests=self._pacing, timeout=max(1, int(self._timeout)), lazy=True,
            )
        return self._clients[token]

    def _note(self, headers: dict, *, cost: int = 1) -> None:
        """Count a request and remember the budget the forge reports for this token."""
        self._spent += cost
        lower = {k.lower(): v for k, v in (headers or {}).items()}
        remaining, limit, reset = (lower.get(f"x-ratelimit-{k}") for k in ("remaining", "limit", "reset"))
        # A garbled header is ignored (the budget stays unknown), not a crash halfway through a walk.
        if remaining and remaining.isdigit() and lower.get("x-ratelimit-resource", "core") == "core":
            reset_at = float(reset) if reset and reset.isdigit() else None
            self._rate = RateStatus(int(remaining), int(limit) if limit and limit.isdigit() else None, reset_at)
            self._pool.record(self._token, int(remaining), reset_at)

    def _other_token(self) -> bool:
        """Whether the pool has another token with budget (a user's own token has no alternative)."""
        return self._fixed_token is None and self._pool.available()

    def _retrying(self, call):
        return with_retries(self._retry, call, other_token=self._other_token)

    def _get_json(self, url: str, params: dict | None = None, etag: str = "") -> tuple[int, dict, object]:
        """GET with the retry rule; 304 returns (304, headers, None) and costs nothing."""
        return self._retrying(lambda: self._get_json_once(url, params, etag))

    def _get_json_once(self, url: str, params: dict | None, etag: str) -> tuple[int, dict, object]:
        """One GET through PyGithub's requester."""
        gh = self._gh()
        headers = {"If-None-Match": etag} if etag else None
        try:
            status, resp_headers, body = gh.requester.requestJson("GET", url, params, headers)
        except RequestException as exc:
            self._spent += 1  # the attempt reached (or may have reached) the forge: it counts
            raise ForgeUnavailable(f"GitHub unreachable: {exc}") from exc
        if status == 304:
            self._note(resp_headers, cost=0)
            return status, resp_headers, None
        self._note(resp_headers)
        try:
            data = json.loads(body) if body else None
        except ValueError:
            raise ForgeUnavailable(f"GitHub sent a body that is not JSON for {url} (status {status})",
                                   status=status) from None
        if status >= 400:
            raise error_from_response(status, resp_headers, data, what=url)
        return status, resp_headers, data

    def _call(self, what: str, fn):
        """Run a PyGithub object call, counting it and mapping its exceptions to forge errors."""
        try:
            result = fn()
        except GithubException as exc:
            self._note(exc.headers or {})
            raise error_from_exception(exc, what=what) from exc
        except RequestException as exc:
            self._spent += 1
            raise ForgeUnavailable(f"GitHub unreachable for {what}: {exc}") from exc
        except ValueError as exc:  # PyGithub lets a malformed JSON body escape as a decode error.
            self._spent += 1  # answered (and charged), just unreadable
            raise ForgeUnavailable(f"GitHub sent a malformed body for {what}: {exc}") from exc
        return result

    # -- protocol -----------------------------------------------------------------------------------
    def get_repository(self, path_or_id: str) -> ForgeRepo:
        ref = _checked(lambda: parse_repository(f"github:{path_or_id}"))
        url = f"/repositories/{ref.external_id}" if ref.external_id is not None else f"/repos/{ref.path}"
        _, _, data = self._get_json(url)
        return _repo_answer(data, asked=ref.key)

    def get_user(self, login: str) -> ForgeUser:
        _checked(lambda: login_check("github", login))
        _, _, data = self._get_json(f"/users/{login}")
        return _user_answer(data, asked=login)

    def get_user_by_id(self, external_id: int) -> ForgeUser:
        _, _, data = self._get_json(f"/user/{int(external_id)}")
        return _user_answer(data, asked_id=int(external_id))

    def pull_pages(self, repo: RepoRef, *, etag: str = "", since: datetime | None = None,
                   start_page: int = 1) -> Iterator[PullPage]:
        # Pages by number (not by following Link), so a resumed walk can start where the last one stopped.
        page = start_page
        while True:
            params = {"state": "closed", "sort": "updated", "direction": "desc", "per_page": PER_PAGE, "page": page}
            status, headers, data = self._get_json(f"/repos/{repo.path}/pulls", params,
                                                   etag=etag if page == 1 else "")
            if status == 304:
                yield PullPage(pulls=[], etag=etag, not_modified=True, page=page)
                return
            page_etag = {k.lower(): v for k, v in headers.items()}.get("etag", "") if page == 1 else ""
            is_last = parse_next_link(headers) is None or not data
            yield PullPage(pulls=[pull_from_json(item, repo.path) for item in data or ()], etag=page_etag,
                           is_last=is_last, page=page)
            if is_last:
                return
            page += 1

    def pull_detail(self, repo: RepoRef, number: int) -> Pull:
        def fetch() -> dict:
            pull: PullRequest = self._gh().get_repo(repo.path).get_pull(number)
            data = pull.raw_data  # a lazy object: this one access is the one detail request
            self._note(pull.raw_headers)
            return data

        return pull_from_json(self._retrying(lambda: self._call(f"github:{repo.path}#{number}", fetch)), repo.path)

    def user_merged_pulls(self, user: ForgeUser, *, repos: list[RepoRef], since: datetime | None) -> Iterator[Pull]:
        wanted = {r.path.lower(): r for r in repos}
        start = (since or datetime(2008, 1, 1, tzinfo=UTC)).date()
        end = (datetime.now(UTC) + timedelta(days=1)).date()
        for item in self._search_merged(user.login, start, end):
            path = item["repository_url"].split("/repos/", 1)[1]
            if path.lower() in wanted:
                yield _pull_from_search(item, wanted[path.lower()].path)

    def _search_merged(self, login: str, start, end) -> Iterator[dict]:
        """Every merged PR by `login` merged in [start, end]; ranges past the 1,000 cap are split first."""
        query = f"is:pr is:merged author:{login} merged:{start.isoformat()}..{end.isoformat()}"
        page, seen = 1, 0
        while True:
            _, _, data = self._get_json("/search/issues", {"q": query, "sort": "created", "order": "asc",
                                                           "per_page": PER_PAGE, "page": page})
            total = int(data.get("total_count", 0))
            if total > SEARCH_CAP and start < end:
                # Split into enough slices that each should fit under the cap (search costs 30/min).
                slices = min(-(-total // (SEARCH_CAP * 9 // 10)), (end - start).days + 1)
                step = (end - start) / slices
                bounds = [start + step * i for i in range(slices)] + [end + timedelta(days=1)]
                for low, high in zip(bounds, bounds[1:], strict=False):
                    if low <= high - timedelta(days=1):
                        yield from self._search_merged(login, low, high - timedelta(days=1))
                return
            items = data.get("items") or []
            yield from items
            seen += len(items)
            if not items or seen >= min(total, SEARCH_CAP):
                return
            page += 1


def _pull_from_search(item: dict, repo_path: str) -> Pull:
    """A not-yet-detailed Pull from a search hit: its `id` is the issue's, so external_id waits for the detail."""
    return Pull(
        platform="github", external_id=0, number=int(item["number"]), repo_path=repo_path,
        title=item.get("title") or "", url=item.get("html_url") or "", state=item.get("state") or "",
        created_at=_ts(item["created_at"]), updated_at=_ts(item["updated_at"]),
        merged_at=_ts((item.get("pull_request") or {}).get("merged_at")), author=_user(item.get("user")),
        labels=tuple(label["name"] for label in item.get("labels") or ()), raw=item, detailed=False,
    )


def _checked(check):
    """Run a spec check; a bad spec is a permanent error, raised before any request."""
    try:
        return check()
    except SpecError as exc:
        raise ForgeBadSpec(str(exc)) from None


def _repo_answer(data: object, *, asked: str) -> ForgeRepo:
    """A repository from GitHub's answer, only if the answer is a repository (not a user, not a rate limit)."""
    try:
        if not isinstance(data, dict) or not isinstance(data.get("owner"), dict):
            raise SpecError("no owner")
        path = repository_path_check("github", data.get("full_name"))
        external_id = forge_id_check(data.get("id"))
    except SpecError as exc:
        raise ForgeBadAnswer(f"GitHub answered {asked!r} with something that is not a repository ({exc})") from None
    return ForgeRepo(platform="github", path=path, external_id=external_id,
                     owner_login=str(data["owner"].get("login") or ""), html_url=str(data.get("html_url") or ""),
                     fork=bool(data.get("fork")))


def _user_answer(data: object, *, asked: str = "", asked_id: int | None = None) -> ForgeUser:
    """A user from GitHub's answer, only if it is the account asked for (a user, with that login or id)."""
    try:
        if not isinstance(data, dict) or data.get("type") not in ("User", "Bot", "Organization"):
            raise SpecError("no account type")
        login = data.get("login")
        if not isinstance(login, str) or not login:
            raise SpecError("no login")
        external_id = forge_id_check(data.get("id"))
        if asked and login.casefold() != asked.casefold():
            raise SpecError(f"login {data.get('login')!r}")
        if asked_id is not None and external_id != asked_id:
            raise SpecError(f"id {external_id}")
    except SpecError as exc:
        what = asked or asked_id
        raise ForgeBadAnswer(f"GitHub answered {what!r} with something that is not that account ({exc})") from None
    return _user(data)


def client_from_settings(*, token: str | None = None, pool_tokens: list[str] | None = None) -> GitHubClient:
    """A GitHubClient configured from GITHUB_API_URL, GITHUB_TOKENS and the pacing setting."""
    pool = shared_pool("github", settings.GITHUB_API_URL, settings.FORGE_TOKENS.get("github") or ()
                       if pool_tokens is None else pool_tokens)
    return GitHubClient(base_url=settings.GITHUB_API_URL, pool=pool, token=token,
                        seconds_between_requests=settings.GITHUB_SECONDS_BETWEEN_REQUESTS,
                        timeout=timeout_from_settings(), retry=policy_from_settings())


__all__ = ["ForgeAuthError", "ForgeError", "ForgeNotFound", "ForgeRateLimited", "GitHubClient",
           "client_from_settings", "pull_from_json"]
