"""The forges Xuefen knows, and the PLATFORM:VALUE spec format shared by commands."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITEE = "gitee", "Gitee"
    GITLAB = "gitlab", "GitLab"


class SpecError(ValueError):
    """A PLATFORM:VALUE spec that does not parse."""


def split_spec(spec: str, *, what: str = "spec") -> tuple[str, str]:
    """Split 'github:owner/name' into ('github', 'owner/name'), or raise SpecError naming the problem."""
    platform, sep, value = (spec or "").strip().partition(":")
    platform = platform.lower()
    if not sep or not value.strip():
        raise SpecError(_("%(what)s %(spec)r must look like PLATFORM:VALUE, e.g. github:owner/name")
                        % {"what": what, "spec": spec})
    if platform not in Platform.values:
        raise SpecError(_("%(what)s %(spec)r: unknown platform %(p)r (use github, gitee or gitlab)")
                        % {"what": what, "spec": spec, "p": platform})
    return platform, value.strip()
