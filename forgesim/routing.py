"""Requests, responses, the route table, and helpers shared by the forge faces."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.message import Message
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode

if TYPE_CHECKING:
    from forgesim.model import SimUser, World

CST = timezone(timedelta(hours=8))


class HttpError(Exception):
    """Raised by a handler to answer with an error body in the face's format."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass
class Request:
    """One parsed HTTP request as a handler sees it."""

    method: str
    path: str  # raw (still percent-encoded) path without the query
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base: str  # scheme://host[:port] taken from the Host header
    world: World
    platform: str | None = None
    prefix: str = ""  # e.g. "/github/api/v3"
    token: str | None = None
    user: SimUser | None = None
    params: dict[str, str] = field(default_factory=dict)
    raw_query: str = ""
    sim: Any = None  # the server state, for handlers that read budgets (GitHub /rate_limit)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else default

    def int_arg(self, name: str, default: int, lo: int = 1, hi: int | None = None) -> int:
        """An integer query parameter clamped to [lo, hi]; junk falls back to the default, like the forges."""
        try:
            value = int(self.arg(name, str(default)) or default)
        except ValueError:
            value = default
        value = max(lo, value)
        return min(hi, value) if hi is not None else value

    @property
    def api_root(self) -> str:
        """Absolute API root the client used (echoed in every URL we return)."""
        return self.base + self.prefix

    @property
    def web_root(self) -> str:
        """Absolute web root of the platform (html_url / web_url)."""
        return f"{self.base}/{self.platform}"

    def page_url(self, page: int, per_page: int | None = None) -> str:
        """This request's URL with another page number (all other parameters kept)."""
        query = {k: v[-1] for k, v in self.query.items()}
        query["page"] = str(page)
        if per_page is not None:
            query["per_page"] = str(per_page)
        return f"{self.base}{self.path}?{urlencode(query)}"


@dataclass
class Response:
    """What a handler returns; `body` is JSON-able or bytes."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=utf-8"
    resource: str = "core"
    free: bool = False  # costs no rate budget (e.g. GitHub /rate_limit)
    drop: bool = False  # close the connection without answering (a reset)
    truncate: bool = False  # send only the first half of the body (a proxy cut it off)


Handler = Callable[[Request], Response]


@dataclass
class Route:
    """A method + path template bound to a handler."""

    method: str
    template: str  # full path template including the platform prefix
    pattern: re.Pattern[str]
    handler: Handler
    platform: str | None
    api: bool  # api routes go through auth, faults, budgets, ETags and counters
    resource: str = "core"


class Router:
    """Route table; faces and the OAuth module register into the same one."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(
        self, method: str, template: str, handler: Handler, *, platform: str | None = None,
        api: bool = True, resource: str = "core",
    ) -> Route:
        """Register `handler` for `method template`; `{name}` matches one path segment."""
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        route = Route(method, template, re.compile(regex + r"/?"), handler, platform, api, resource)
        self.routes.append(route)
        return route

    def match(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, decoded params, path_exists_for_other_method)."""
        path_seen = False
        method = "GET" if method == "HEAD" else method  # HEAD is GET without the body
        for route in self.routes:
            m = route.pattern.fullmatch(path)
            if m is None:
                continue
            if route.method != method:
                path_seen = True
                continue
            return route, {k: unquote(v) for k, v in m.groupdict().items()}, True
        return None, {}, path_seen


# ---- time formats ---------------------------------------------------------------------------------
def github_time(dt: datetime | None) -> str | None:
    """GitHub: `2026-03-01T12:00:00Z`."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def gitee_time(dt: datetime | None) -> str | None:
    """Gitee: Beijing time with offset, `2026-03-01T20:00:00+08:00`."""
    return dt.astimezone(CST).isoformat(timespec="seconds") if dt else None


def gitlab_time(dt: datetime | None) -> str | None:
    """GitLab: UTC with milliseconds, `2026-03-01T12:00:00.000Z`."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z") if dt else None


def parse_time(text: str) -> datetime:
    """Parse an ISO date or datetime; a naive value is taken as UTC."""
    text = text.strip().replace(" ", "+") if "T" in text else text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ---- pagination ----------------------------------------------------------------------------------
def paginate(items: Sequence[Any], page: int, per_page: int) -> tuple[Sequence[Any], int]:
    """The slice for a 1-based page and the number of the last page (at least 1)."""
    last = max(1, -(-len(items) // per_page))
    start = (page - 1) * per_page
    return items[start:start + per_page], last


def link_header(req: Request, page: int, last: int, per_page: int | None, order: Iterable[str],
                *, always_ends: bool = False) -> str:
    """An RFC 8288 `Link` header with the rels in `order` that apply to this page.

    GitHub omits `first` on the first page and `last` on the last; GitLab always sends both.
    """
    targets = {
        "prev": page - 1 if page > 1 else None,
        "next": page + 1 if page < last else None,
        "first": 1 if always_ends or page > 1 else None,
        "last": last if always_ends or page < last else None,
    }
    parts = [f'<{req.page_url(targets[rel], per_page)}>; rel="{rel}"' for rel in order if targets[rel]]
    return ", ".join(parts)


def filter_states(kind: str) -> frozenset[str]:
    """Map a forge `state=` value to the internal states it selects."""
    return {
        "open": frozenset({"open"}), "opened": frozenset({"open"}),
        "closed_or_merged": frozenset({"closed", "merged"}), "closed": frozenset({"closed"}),
        "merged": frozenset({"merged"}), "all": frozenset({"open", "closed", "merged"}),
    }[kind]


def sort_key(sort: str) -> Callable[[Any], Any]:
    """Sort key for a pull listing; ties break on id so pages are stable."""
    if sort in ("updated", "updated_at"):
        return lambda p: (p.updated_at, p.id)
    if sort == "popularity":
        return lambda p: ((p.id * 2654435761) % 97, p.id)  # a stable stand-in for comment counts
    if sort == "long-running":
        return lambda p: (p.updated_at - p.created_at, p.id)
    return lambda p: (p.created_at, p.id)


def listing(world: World, platform: str, path: str, states: frozenset[str], sort: str, desc: bool) -> list[Any]:
    """Filtered, sorted pulls of a repository, cached until the world changes."""
    key = ("listing", platform, path.lower(), states, sort, desc)

    def build() -> list[Any]:
        pulls = [p for p in world.pulls_of(platform, path).values() if p.state in states]
        pulls.sort(key=sort_key(sort), reverse=desc)
        return pulls

    return world.cached(key, build)
