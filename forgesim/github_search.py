"""GitHub `/search/issues` over the simulated pulls: the qualifiers Xuefen uses, the 1,000-result cap."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from forgesim.model import SimPull
from forgesim.routing import HttpError, Request, Response, link_header, parse_time

if TYPE_CHECKING:
    from forgesim.github import GitHubFace

MAX_RESULTS = 1000
Pred = Callable[[SimPull], bool]


def _bound(text: str) -> tuple[datetime | date | None, bool]:
    """A date or datetime bound; the flag says whether it is a whole day."""
    if text == "*":
        return None, False
    if "T" in text:
        return parse_time(text), False
    return date.fromisoformat(text), True


def _cmp(value: datetime | None, op: str, bound: datetime | date | None, day: bool) -> bool:
    if bound is None:
        return True
    if value is None:
        return False
    left: datetime | date = value.astimezone(UTC).date() if day else value
    return {">=": left >= bound, ">": left > bound, "<=": left <= bound, "<": left < bound,
            "=": left == bound}[op]


def date_predicate(attr: str, spec: str) -> Pred:
    """`merged:>=2026-01-01`, `merged:<2026-02-01T00:00:00Z`, `merged:A..B`, `merged:2026-01-05`."""
    if ".." in spec:
        lo_text, hi_text = spec.split("..", 1)
        lo, lo_day = _bound(lo_text)
        hi, hi_day = _bound(hi_text)
        return lambda p: _cmp(getattr(p, attr), ">=", lo, lo_day) and _cmp(getattr(p, attr), "<=", hi, hi_day)
    m = re.fullmatch(r"(>=|<=|>|<)?(.+)", spec)
    assert m is not None
    op, bound_text = m.group(1) or "=", m.group(2)
    bound, day = _bound(bound_text)
    if op == "=" and not day:
        return lambda p: getattr(p, attr) == bound
    return lambda p: _cmp(getattr(p, attr), op, bound, day)


def parse_query(q: str) -> tuple[dict[str, list[str]], list[Pred], list[str]]:
    """Split q into (selectors used for indexing, predicates, free words); raises ValueError."""
    selectors: dict[str, list[str]] = {"author": [], "repo": [], "owner": []}
    preds: list[Pred] = []
    words: list[str] = []
    for term in shlex.split(q):
        negate = term.startswith("-") and ":" in term
        key, sep, value = term.lstrip("-").partition(":")
        key = key.lower()
        if not sep:
            words.append(term.lower())
            continue
        pred: Pred | None = None
        if key in ("is", "type", "state"):
            value = value.lower()
            pred = {
                "pr": lambda p: True, "pull-request": lambda p: True, "issue": lambda p: False,
                "merged": lambda p: p.state == "merged", "unmerged": lambda p: p.state != "merged",
                "open": lambda p: p.state == "open", "closed": lambda p: p.state != "open",
                "public": lambda p: True, "private": lambda p: False, "draft": lambda p: False,
            }.get(value)
            if pred is None:
                raise ValueError(f"unknown {key}:{value}")
        elif key in ("author", "repo") and not negate:
            selectors[key].append(value.lower())
        elif key in ("user", "org") and not negate:
            selectors["owner"].append(value.lower())
        elif key in ("created", "updated", "closed", "merged"):
            pred = date_predicate(f"{key}_at", value)
        elif key == "label":
            names = {v.lower() for v in value.split(",")}
            pred = lambda p, names=names: any(label.lower() in names for label in p.labels)  # noqa: E731
        elif key in ("in", "archived", "sort"):
            continue
        else:
            raise ValueError(f"unknown qualifier {key}")
        if pred is not None:
            preds.append((lambda p, f=pred: not f(p)) if negate else pred)
    return selectors, preds, words


def _candidates(req: Request, selectors: dict[str, list[str]]) -> Iterable[SimPull]:
    """Narrow by the indexed selectors (author, repo); otherwise every GitHub pull."""
    world = req.world
    if selectors["author"]:
        users = [world.user_by_login("github", login) for login in selectors["author"]]
        if None in users:
            raise ValueError("The listed users cannot be searched either because the users do not exist "
                             "or you do not have permission to view the users.")
        pulls: Iterable[SimPull] = [p for u in users if u for p in world.pulls_by_author(u.key)
                                    if p.platform == "github"]
    elif selectors["repo"]:
        pulls = [p for path in selectors["repo"] for p in world.pulls_of("github", path).values()]
    else:
        pulls = (p for p in world.all_pulls() if p.platform == "github")
    if selectors["repo"] and selectors["author"]:
        repos = set(selectors["repo"])
        pulls = (p for p in pulls if p.repo_path.lower() in repos)
    if selectors["owner"]:
        owners = set(selectors["owner"])
        pulls = (p for p in pulls if p.repo_path.split("/", 1)[0].lower() in owners)
    return pulls


def run_query(req: Request, q: str, sort: str | None, order: str) -> list[SimPull]:
    """All pulls matching q, sorted; cached until the world changes."""
    selectors, preds, words = parse_query(q)

    def build() -> list[SimPull]:
        hits = [p for p in _candidates(req, selectors)
                if all(f(p) for f in preds) and all(w in p.title.lower() for w in words)]
        key = {"created": lambda p: (p.created_at, p.id), "updated": lambda p: (p.updated_at, p.id)}.get(
            sort or "", lambda p: (p.id,))  # "best match": newest first stands in for relevance
        hits.sort(key=key, reverse=order != "asc")
        return hits

    return req.world.cached(("search", q, sort, order), build)


def search_issues(face: GitHubFace, req: Request) -> Response:
    """GET /search/issues: total_count, incomplete_results, items; only the first 1,000 reachable."""
    q = req.arg("q")
    if not q:
        raise HttpError(422, {**face.error(422).body, "errors": [
            {"resource": "Search", "field": "q", "code": "missing"}]})
    try:
        hits = run_query(req, q, req.arg("sort"), req.arg("order", "desc") or "desc")
    except ValueError as exc:
        raise HttpError(422, {**face.error(422).body, "errors": [
            {"message": str(exc), "resource": "Search", "field": "q", "code": "invalid"}]}) from exc
    per_page, page = req.int_arg("per_page", 30, 1, 100), req.int_arg("page", 1)
    start = (page - 1) * per_page
    if start >= MAX_RESULTS:
        raise HttpError(422, face.error(422, "Cannot access beyond the first 1000 results, or the endpoint "
                                             "may not exist. Please check your request and try again.").body)
    reachable = min(len(hits), MAX_RESULTS)
    last = max(1, -(-reachable // per_page))
    chunk = hits[start:min(start + per_page, reachable)]
    items: list[dict[str, Any]] = []
    for pull in chunk:
        repo = req.world.repo("github", pull.repo_path)
        assert repo is not None
        items.append(face.issue_json(req, pull, repo))
    headers = {}
    if last > 1:
        headers["Link"] = link_header(req, page, last, None, ("prev", "next", "last", "first"))
    body = {"total_count": len(hits), "incomplete_results": False, "items": items}
    return Response(200, body, headers, resource="search")
