"""Load a scenario file (YAML or JSON) into a World.

Format (every section optional)::

    users:
      - key: alice                       # scenario-wide key, used by repos/pulls/tokens
        name: 王小明
        email: alice@example.edu.cn
        github: {id: 1001, login: alice-w}
        gitee: {id: 2001, login: alicew}
        gitlab: {id: 3001, username: alice}
        student: {student_id: "202600001", name: 王小明, department: 计算机学院, email: ...}
      - {key: dependabot, bot: true, github: {id: 49699333, login: "dependabot[bot]"}}
    repos:
      - {spec: "github:deepseek-ai/DeepSeek-V3", id: 1000}      # owner: first path segment (org)
      - {spec: "github:alice-w/notes", owner: alice}             # owned by a user key
      - {spec: "gitee:deepseek-ai/DeepSeek-V3", mirror_of: "github:deepseek-ai/DeepSeek-V3"}
    pulls:
      - repo: "github:deepseek-ai/DeepSeek-V3"
        author: alice
        number: 1                          # default: next free number
        title: Fix rope scaling
        state: merged                      # open | closed | merged
        created_at: 2026-02-01T10:00:00Z
        merged_at: 2026-02-03T10:00:00Z    # updated_at defaults to the last of the timestamps
        merged_by: bob
        additions: 10
        deletions: 2
        changed_files: 1
        labels: [bug]
        merge_commit_sha: 0123...          # default: random; head_sha likewise
    renames:                             # applied after loading: the old login stops resolving
      - {platform: github, user: carol, new_login: carol-new}
    tokens:
      github: {ghp_demo1: {user: alice, limit: 5000}, ghp_app: {user: null}}
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from forgesim.model import PLATFORMS, SimRepo, SimUser, World
from forgesim.routing import parse_time


def _time(value: Any) -> datetime | None:
    """YAML gives datetimes (maybe naive) or strings; JSON gives strings."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    return parse_time(str(value)).astimezone(UTC)


def _user(data: dict[str, Any]) -> SimUser:
    user = SimUser(key=str(data["key"]), name=data.get("name", ""), email=data.get("email", ""),
                   is_bot=bool(data.get("bot", False)), student=data.get("student"))
    for platform in PLATFORMS:
        account = data.get(platform)
        if not account:
            continue
        login = account.get("username" if platform == "gitlab" else "login") or account.get("login")
        if not login:
            raise ValueError(f"user {user.key}: {platform} account needs a login")
        setattr(user, f"{platform}_id", account.get("id"))
        setattr(user, "gitlab_username" if platform == "gitlab" else f"{platform}_login", str(login))
    if user.student is not None:
        user.student = {k: str(v) for k, v in user.student.items()}
    return user


def _repo(world: World, data: dict[str, Any]) -> SimRepo:
    platform, sep, path = str(data["spec"]).partition(":")
    if not sep or platform not in PLATFORMS or "/" not in path:
        raise ValueError(f"bad repository spec {data['spec']!r} (want PLATFORM:OWNER/NAME)")
    owner = data.get("owner")
    owner_is_user = owner is not None and owner in world.users
    if owner is None:
        owner = path.rsplit("/", 1)[0]
        account = world.user_by_login(platform, owner)
        if account is not None and "/" not in owner:
            owner, owner_is_user = account.key, True
    return SimRepo(
        platform=platform, path=path, id=int(data.get("id") or world.next_id("repo")), owner=str(owner),
        owner_is_user=owner_is_user, fork_of=data.get("fork_of"), mirror_of=data.get("mirror_of"),
        default_branch=data.get("default_branch", "main"), description=data.get("description", ""),
    )


def _pull(world: World, data: dict[str, Any]) -> None:
    times = {name: _time(data.get(name)) for name in ("created_at", "merged_at", "closed_at", "updated_at")}
    if times["updated_at"] is None:
        times["updated_at"] = max((t for t in times.values() if t is not None), default=None)
    world.add_pull(
        str(data["repo"]), author=str(data["author"]), title=str(data.get("title", "Improve things")),
        state=str(data.get("state", "merged")), number=data.get("number"), id=data.get("id"),
        merged_by=data.get("merged_by"), additions=int(data.get("additions", 10)),
        deletions=int(data.get("deletions", 2)), changed_files=int(data.get("changed_files", 1)),
        labels=[str(x) for x in data.get("labels", [])], merge_commit_sha=data.get("merge_commit_sha"),
        head_sha=data.get("head_sha"), head_ref=data.get("head_ref"), base_ref=data.get("base_ref"), **times,
    )


def build_world(data: dict[str, Any], world: World | None = None) -> World:
    """Populate a World from an already-parsed scenario mapping."""
    world = world or World()
    for item in data.get("users", []):
        world.add_user(_user(item))
    for item in data.get("repos", []):
        world.add_repo(_repo(world, item))
    for item in data.get("pulls", []):
        _pull(world, item)
    for item in data.get("renames", []):
        user = world.users[item["user"]]
        uid = user.uid(item["platform"])
        if uid is None:
            raise ValueError(f"rename: {item['user']} has no {item['platform']} account")
        world.rename_user(item["platform"], uid, str(item["new_login"]))
    for platform, tokens in (data.get("tokens") or {}).items():
        for token, spec in (tokens or {}).items():
            spec = spec or {}
            if spec.get("user") is not None and spec["user"] not in world.users:
                raise ValueError(f"token {token}: unknown user {spec['user']}")
            world.add_token(platform, str(token), user=spec.get("user"), limit=spec.get("limit"))
    return world


def load_scenario(path: str | Path) -> World:
    """Read a .yaml/.yml/.json scenario file into a new World."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return build_world(data or {})
