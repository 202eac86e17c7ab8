"""In-memory data of the simulated forges: users, repositories, pull/merge requests."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

PLATFORMS = ("github", "gitee", "gitlab")
STATES = ("open", "closed", "merged")
# Search results expose an issue id distinct from the PR id (GitHub's issues and PRs share numbering, not ids).
ISSUE_ID_OFFSET = 1_000_000_000


def utcnow() -> datetime:
    """Aware current time in UTC, at whole seconds (forges return whole seconds)."""
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(slots=True)
class SimUser:
    """A person (or bot) with optional accounts on each forge."""

    key: str
    name: str = ""
    email: str = ""
    is_bot: bool = False
    github_id: int | None = None
    github_login: str | None = None
    gitee_id: int | None = None
    gitee_login: str | None = None
    gitlab_id: int | None = None
    gitlab_username: str | None = None
    student: dict[str, str] | None = None

    def login(self, platform: str) -> str | None:
        """The user's current login on a platform (None without an account there)."""
        return getattr(self, "gitlab_username" if platform == "gitlab" else f"{platform}_login")

    def uid(self, platform: str) -> int | None:
        """The user's numeric id on a platform."""
        return getattr(self, f"{platform}_id")


@dataclass(slots=True)
class SimRepo:
    """A repository (GitLab: project) on one platform."""

    platform: str
    path: str
    id: int
    owner: str  # a user key, or an organisation/group name
    owner_is_user: bool = False
    fork_of: str | None = None  # "platform:path"
    mirror_of: str | None = None  # "platform:path"
    default_branch: str = "main"
    description: str = ""
    created_at: datetime = field(default_factory=lambda: datetime(2023, 1, 1, tzinfo=UTC))

    @property
    def spec(self) -> str:
        """`PLATFORM:PATH` as used throughout Xuefen."""
        return f"{self.platform}:{self.path}"

    @property
    def name(self) -> str:
        """Last path segment."""
        return self.path.rsplit("/", 1)[-1]

    @property
    def namespace(self) -> str:
        """Everything before the last path segment (GitLab groups may nest)."""
        return self.path.rsplit("/", 1)[0]


@dataclass(slots=True)
class SimPull:
    """A pull request (GitLab: merge request; `number` is the iid)."""

    platform: str
    repo_path: str
    number: int
    id: int
    author: str  # user key
    title: str
    state: str  # open | closed | merged
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    merged_by: str | None = None  # user key
    additions: int = 0
    deletions: int = 0
    changed_files: int = 0
    labels: tuple[str, ...] = ()
    merge_commit_sha: str | None = None
    head_sha: str = ""
    head_ref: str = "patch-1"
    base_ref: str = "main"


def _sha() -> str:
    return secrets.token_hex(20)


class World:
    """Indexes users, repositories and pulls; every mutation bumps `version` (caches key on it)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.version = 0
        self.users: dict[str, SimUser] = {}
        self._user_by_id: dict[str, dict[int, SimUser]] = {p: {} for p in PLATFORMS}
        self._user_by_login: dict[str, dict[str, SimUser]] = {p: {} for p in PLATFORMS}
        self.former_logins: dict[tuple[str, str], str] = {}  # (platform, old login lower) -> user key
        self.repos: dict[tuple[str, str], SimRepo] = {}  # (platform, path lower)
        self._repo_by_id: dict[tuple[str, int], SimRepo] = {}
        self._pulls: dict[tuple[str, str], dict[int, SimPull]] = {}  # (platform, path lower) -> number -> pull
        self._by_author: dict[str, list[SimPull]] = {}
        self.org_ids: dict[tuple[str, str], int] = {}
        # tokens[platform][token] = {"user": key or None, "limit": int}
        self.tokens: dict[str, dict[str, dict[str, Any]]] = {p: {} for p in PLATFORMS}
        self._next_id = {"user": 5_000_000, "repo": 700_000_000, "pull": 2_000_000_000, "org": 90_000_000}
        self._cache: dict[Any, Any] = {}
        self._cache_version = -1

    def cached(self, key: Any, build: Callable[[], Any]) -> Any:
        """Memoise `build()` under `key` until the next mutation (listings and searches are re-read a lot)."""
        with self.lock:
            if self._cache_version != self.version:
                self._cache.clear()
                self._cache_version = self.version
            if key not in self._cache:
                if len(self._cache) > 2048:  # many distinct queries: bound memory, recompute on demand
                    self._cache.clear()
                self._cache[key] = build()
            return self._cache[key]

    # ---- ids -------------------------------------------------------------------------------------
    def next_id(self, kind: str) -> int:
        """A fresh id of a kind (user, repo, pull, org)."""
        self._next_id[kind] += 1
        return self._next_id[kind]

    def _bump_floor(self, kind: str, used: int) -> None:
        if used >= self._next_id[kind]:
            self._next_id[kind] = used

    def org_id(self, platform: str, name: str) -> int:
        """A stable numeric id for an organisation / group name."""
        key = (platform, name.lower())
        if key not in self.org_ids:
            self.org_ids[key] = self.next_id("org")
        return self.org_ids[key]

    # ---- users -----------------------------------------------------------------------------------
    def add_user(self, user: SimUser) -> SimUser:
        """Register a user and index its forge accounts."""
        with self.lock:
            if user.key in self.users:
                raise ValueError(f"duplicate user key {user.key!r}")
            for platform in PLATFORMS:
                uid, login = user.uid(platform), user.login(platform)
                if login is not None and uid is None:
                    uid = self.next_id("user")
                    setattr(user, f"{platform}_id", uid)
                if uid is None:
                    continue
                self._bump_floor("user", uid)
                if uid in self._user_by_id[platform] or (login or "").lower() in self._user_by_login[platform]:
                    raise ValueError(f"duplicate {platform} account for {user.key!r}")
                self._user_by_id[platform][uid] = user
                self._user_by_login[platform][(login or "").lower()] = user
            self.users[user.key] = user
            self.version += 1
            return user

    def user_by_login(self, platform: str, login: str) -> SimUser | None:
        """Current-login lookup (case-insensitive, like the forges)."""
        return self._user_by_login[platform].get(login.lower())

    def user_by_id(self, platform: str, uid: int) -> SimUser | None:
        """Numeric-id lookup."""
        return self._user_by_id[platform].get(uid)

    def users_on(self, platform: str) -> list[SimUser]:
        """All users with an account on a platform."""
        return list(self._user_by_id[platform].values())

    def rename_user(self, platform: str, user_id: int, new_login: str) -> SimUser:
        """Change a login; the numeric id stays, the old login stops resolving (as on GitHub)."""
        with self.lock:
            user = self._user_by_id[platform][user_id]
            old = user.login(platform) or ""
            if new_login.lower() in self._user_by_login[platform] and new_login.lower() != old.lower():
                raise ValueError(f"{platform} login {new_login!r} is taken")
            self._user_by_login[platform].pop(old.lower(), None)
            self.former_logins[(platform, old.lower())] = user.key
            setattr(user, "gitlab_username" if platform == "gitlab" else f"{platform}_login", new_login)
            self._user_by_login[platform][new_login.lower()] = user
            # updated_at of the user's pulls does not move (as on GitHub), but their bodies and ETags change.
            self.version += 1
            return user

    # ---- repositories ----------------------------------------------------------------------------
    def add_repo(self, repo: SimRepo) -> SimRepo:
        """Register a repository (its id must be unique on its platform)."""
        with self.lock:
            key = (repo.platform, repo.path.lower())
            if key in self.repos:
                raise ValueError(f"duplicate repository {repo.spec}")
            if (repo.platform, repo.id) in self._repo_by_id:
                raise ValueError(f"duplicate repository id {repo.id} on {repo.platform}")
            self._bump_floor("repo", repo.id)
            self.repos[key] = repo
            self._repo_by_id[(repo.platform, repo.id)] = repo
            self._pulls[key] = {}
            self.version += 1
            return repo

    def repo(self, platform: str, path: str) -> SimRepo | None:
        """Repository by path (case-insensitive)."""
        return self.repos.get((platform, path.lower()))

    def repo_by_id(self, platform: str, rid: int) -> SimRepo | None:
        """Repository by numeric id."""
        return self._repo_by_id.get((platform, rid))

    def repo_by_spec(self, spec: str) -> SimRepo | None:
        """Repository by `PLATFORM:PATH`."""
        platform, _, path = spec.partition(":")
        return self.repo(platform, path)

    def repos_on(self, platform: str) -> list[SimRepo]:
        """All repositories on a platform."""
        return [r for (p, _), r in self.repos.items() if p == platform]

    # ---- pulls -----------------------------------------------------------------------------------
    def pulls_of(self, platform: str, path: str) -> dict[int, SimPull]:
        """number -> pull for one repository (empty if unknown)."""
        return self._pulls.get((platform, path.lower()), {})

    def pulls_by_author(self, user_key: str) -> list[SimPull]:
        """Every pull authored by a user, all platforms."""
        return self._by_author.get(user_key, [])

    def all_pulls(self) -> Iterator[SimPull]:
        """Iterate every pull of every repository."""
        for pulls in self._pulls.values():
            yield from pulls.values()

    def pull_count(self) -> int:
        """Total number of pulls."""
        return sum(len(p) for p in self._pulls.values())

    def pull_by_id(self, platform: str, pull_id: int) -> SimPull | None:
        """One pull by its global id (index built on first use after each change)."""
        index = self.cached(("pull_by_id", platform), lambda: {
            p.id: p for (plat, _), pulls in self._pulls.items() if plat == platform for p in pulls.values()})
        return index.get(pull_id)

    def pull(self, platform: str, path: str, number: int) -> SimPull | None:
        """One pull by repository and number (GitLab: iid)."""
        return self.pulls_of(platform, path).get(number)

    def insert_pull(self, pull: SimPull) -> SimPull:
        """Index a fully built pull (used by the loader and the generator; no defaults applied)."""
        with self.lock:
            numbered = self._pulls[(pull.platform, pull.repo_path.lower())]
            if pull.number in numbered:
                raise ValueError(f"duplicate pull {pull.platform}:{pull.repo_path}#{pull.number}")
            numbered[pull.number] = pull
            self._by_author.setdefault(pull.author, []).append(pull)
            self._bump_floor("pull", pull.id)
            self.version += 1
            return pull

    def add_pull(
        self,
        repo: str,
        *,
        author: str,
        title: str = "Improve things",
        state: str = "merged",
        number: int | None = None,
        id: int | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        merged_at: datetime | None = None,
        closed_at: datetime | None = None,
        merged_by: str | None = None,
        additions: int = 10,
        deletions: int = 2,
        changed_files: int = 1,
        labels: list[str] | tuple[str, ...] = (),
        merge_commit_sha: str | None = None,
        head_sha: str | None = None,
        head_ref: str | None = None,
        base_ref: str | None = None,
    ) -> SimPull:
        """Add a pull to `repo` ("platform:path"), filling ids, number, SHAs and timestamps (updated=now)."""
        with self.lock:
            sim_repo = self.repo_by_spec(repo)
            if sim_repo is None:
                raise KeyError(f"unknown repository {repo}")
            if author not in self.users:
                raise KeyError(f"unknown user {author}")
            if state not in STATES:
                raise ValueError(f"state must be one of {STATES}")
            now = utcnow()
            numbered = self.pulls_of(sim_repo.platform, sim_repo.path)
            if number is None:
                number = max(numbered, default=0) + 1
            created_at = created_at or now
            if state == "merged":
                merged_at = merged_at or now
                closed_at = closed_at or merged_at
                merge_commit_sha = merge_commit_sha or _sha()
                merged_by = merged_by or self._default_merger(sim_repo, author)
            elif state == "closed":
                closed_at = closed_at or now
            pull = SimPull(
                platform=sim_repo.platform, repo_path=sim_repo.path, number=number,
                id=id if id is not None else self.next_id("pull"), author=author, title=title, state=state,
                created_at=created_at, updated_at=updated_at or now, merged_at=merged_at, closed_at=closed_at,
                merged_by=merged_by, additions=additions, deletions=deletions, changed_files=changed_files,
                labels=tuple(labels), merge_commit_sha=merge_commit_sha, head_sha=head_sha or _sha(),
                head_ref=head_ref or f"patch-{number}", base_ref=base_ref or sim_repo.default_branch,
            )
            return self.insert_pull(pull)

    def _default_merger(self, repo: SimRepo, author: str) -> str:
        if repo.owner_is_user:
            return repo.owner
        return author

    def update_pull(self, repo: str, number: int, *, touch: bool = True, **changes: Any) -> SimPull:
        """Change fields of a pull; bumps updated_at to now unless given or touch=False."""
        with self.lock:
            sim_repo = self.repo_by_spec(repo)
            if sim_repo is None:
                raise KeyError(f"unknown repository {repo}")
            pull = self.pulls_of(sim_repo.platform, sim_repo.path)[number]
            now = utcnow()
            state = changes.get("state")
            if state == "merged" and pull.state != "merged":
                changes.setdefault("merged_at", now)
                changes.setdefault("closed_at", changes["merged_at"])
                changes.setdefault("merge_commit_sha", pull.merge_commit_sha or _sha())
                changes.setdefault("merged_by", pull.merged_by or self._default_merger(sim_repo, pull.author))
            elif state == "closed" and pull.state == "open":
                changes.setdefault("closed_at", now)
            elif state == "open":
                changes.setdefault("closed_at", None)
                changes.setdefault("merged_at", None)
            if "labels" in changes:
                changes["labels"] = tuple(changes["labels"])
            for name, value in changes.items():
                if name in ("platform", "repo_path", "number", "author") or not hasattr(pull, name):
                    raise AttributeError(f"cannot update {name}")
                setattr(pull, name, value)
            if touch and "updated_at" not in changes:
                pull.updated_at = now
            self.version += 1
            return pull

    # ---- tokens ----------------------------------------------------------------------------------
    def add_token(self, platform: str, token: str, *, user: str | None, limit: int | None = None) -> str:
        """Declare a token for a user (None: an app token with no user)."""
        with self.lock:
            self.tokens[platform][token] = {"user": user, "limit": limit}
            return token

    def issue_token(self, platform: str, user_key: str, *, limit: int | None = None) -> str:
        """Mint a fresh token for a user (the OAuth face uses this)."""
        prefix = {"github": "gho_", "gitee": "", "gitlab": "glpat-"}[platform]
        return self.add_token(platform, prefix + secrets.token_hex(16), user=user_key, limit=limit)

    def token_info(self, platform: str, token: str) -> dict[str, Any] | None:
        """The token's declaration, or None if the forge would reject it."""
        return self.tokens[platform].get(token)
