"""PLATFORM:VALUE specs and each forge's owner, repository and login syntax: checked before any request.

The one parser every caller uses (commands, the registry, identity linking, roster handles, the clients
themselves). Pure: no Django, no I/O. A value passes only when it is what the forge itself would accept as
a login or a repository path, so nothing like `../user`, `a%2Fb` or `owner/name?x` ever reaches a URL.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

PLATFORMS = ("github", "gitee", "gitlab")

# GitHub: logins of 1-39 alphanumerics with single inner hyphens; repository names of ., _, - and alphanumerics.
_GITHUB_LOGIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
_GITHUB_REPO = re.compile(r"[A-Za-z0-9._-]{1,100}")
# Gitee: personal and organisation paths start with a letter or digit; repository paths allow . _ -.
_GITEE_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")
_GITEE_REPO = re.compile(r"[A-Za-z0-9_.-]{1,191}")
# GitLab: namespace and project path segments may not start with - or . (GitLab's own path rule), up to 20 levels.
_GITLAB_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}")
GITLAB_MAX_DEPTH = 21  # 20 nested groups plus the project
MAX_ID = 2**63 - 1  # numeric forge ids are stored in BigIntegerField columns

LOGINS = {"github": _GITHUB_LOGIN, "gitee": _GITEE_LOGIN, "gitlab": _GITLAB_SEGMENT}


def gettext_noop(text: str) -> str:
    """Marks an English sentence for the catalogue (makemessages extracts this name); no Django here."""
    return text


class SpecError(ValueError):
    """A spec, login or repository path that is not valid for its forge; nothing was sent anywhere.

    `str()` is the English sentence. `template` and `params` let a caller that has the catalogues say it in the
    run's language (accounts.platforms.spec_message); a param may itself be a SpecError (the reason inside a spec).
    """

    def __init__(self, template: str, **params: object):
        self.template, self.params = template, params
        super().__init__(template % params if params else template)


@dataclass(frozen=True)
class RepoSpec:
    """A checked repository spec: a path (`owner/name`, GitLab `group/sub/name`) or a numeric forge id."""

    platform: str
    path: str = ""
    external_id: int | None = None

    @property
    def key(self) -> str:
        """What the forge is asked for: the path, or the id as text."""
        return str(self.external_id) if self.external_id is not None else self.path


def split_spec(spec: str, *, what: str = "spec") -> tuple[str, str]:
    """Split 'github:owner/name' into ('github', 'owner/name'); the platform must be known, the value present."""
    if not isinstance(spec, str):
        raise SpecError(gettext_noop("%(what)s must be text, like PLATFORM:VALUE"), what=what)
    platform, sep, value = spec.strip().partition(":")
    platform = platform.lower()
    if not sep or not value.strip():
        raise SpecError(gettext_noop("%(what)s %(spec)r must look like PLATFORM:VALUE, e.g. github:owner/name"),
                        what=what, spec=spec)
    if platform not in PLATFORMS:
        raise SpecError(gettext_noop("%(what)s %(spec)r: unknown platform %(platform)r (use github, gitee or "
                                     "gitlab)"), what=what, spec=spec, platform=platform)
    return platform, value.strip()


def _printable(value: str) -> str:
    return ascii(value) if len(value) <= 80 else ascii(value[:80]) + "..."


def login_check(platform: str, login: str) -> str:
    """`login` when it is a valid login on `platform`, else SpecError (no URL, path, encoding or dot tricks)."""
    rule = LOGINS.get(platform)
    if rule is None:
        raise SpecError(gettext_noop("unknown platform %(platform)r (use github, gitee or gitlab)"), platform=platform)
    if not isinstance(login, str) or not rule.fullmatch(login) or login.endswith((".", ".git", ".atom")):
        raise SpecError(gettext_noop("%(platform)s login %(login)s is not a valid %(platform)s login (give the login "
                                     "only, not a URL or a path)"), platform=platform, login=_printable(str(login)))
    return login


def _segments_ok(segments: list[str], pattern: re.Pattern[str]) -> bool:
    return all(pattern.fullmatch(s) and s not in (".", "..") and not s.endswith((".git", ".atom")) for s in segments)


def repository_path_check(platform: str, path: str) -> str:
    """`path` when it is a valid repository path on `platform`, else SpecError."""
    if not isinstance(path, str):
        raise SpecError(gettext_noop("a repository path must be text"))
    segments = path.split("/")
    if platform in ("github", "gitee"):
        owner_rule, repo_rule = (_GITHUB_LOGIN, _GITHUB_REPO) if platform == "github" else (_GITEE_LOGIN, _GITEE_REPO)
        ok = (len(segments) == 2 and bool(owner_rule.fullmatch(segments[0]))
              and _segments_ok(segments[1:], repo_rule))
        if not ok:
            raise SpecError(gettext_noop("%(platform)s repository %(path)s must be owner/name with the letters, "
                                         "digits and - _ . that the forge allows"),
                            platform=platform, path=_printable(path))
    elif platform == "gitlab":
        if not 2 <= len(segments) <= GITLAB_MAX_DEPTH or not _segments_ok(segments, _GITLAB_SEGMENT):
            raise SpecError(gettext_noop("gitlab project %(path)s must be group/name or group/sub/.../name (letters, "
                                         "digits, - _ . per segment, no . or .. segments)"), path=_printable(path))
    else:
        raise SpecError(gettext_noop("unknown platform %(platform)r (use github, gitee or gitlab)"), platform=platform)
    return path


def parse_repository(spec: str, *, what: str = "repository") -> RepoSpec:
    """A checked repository spec; `github:123` and `gitlab:123` name a repository by its numeric forge id."""
    platform, value = split_spec(spec, what=what)
    if value.isascii() and value.isdigit():
        if platform == "gitee":
            raise SpecError(gettext_noop("%(what)s %(spec)r: Gitee repositories are named owner/name, not by number"),
                            what=what, spec=spec)
        number = int(value)
        if not 0 < number <= MAX_ID:
            raise SpecError(gettext_noop("%(what)s %(spec)r: not a forge id"), what=what, spec=spec)
        return RepoSpec(platform=platform, external_id=number)
    try:
        return RepoSpec(platform=platform, path=repository_path_check(platform, value))
    except SpecError as exc:
        raise SpecError(gettext_noop("%(what)s %(spec)r: %(reason)s"), what=what, spec=spec, reason=exc) from None


def parse_identity(spec: str, *, what: str = "identity") -> tuple[str, str]:
    """A checked PLATFORM:LOGIN identity spec as (platform, login); a leading @ is allowed and dropped."""
    platform, value = split_spec(spec, what=what)
    try:
        return platform, login_check(platform, value.removeprefix("@"))
    except SpecError as exc:
        raise SpecError(gettext_noop("%(what)s %(spec)r: %(reason)s"), what=what, spec=spec, reason=exc) from None


def forge_id_check(value: object) -> int:
    """A numeric id as a forge sends it (a positive integer that fits the columns), else SpecError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise SpecError(gettext_noop("not a forge id: %(value)s"), value=_printable(repr(value)))
    return value
