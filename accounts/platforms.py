"""The forges Xuefen knows; the PLATFORM:VALUE spec parser itself lives in credits.forges.specs (one place)."""
from __future__ import annotations

from django.db import models

from credits.forges.specs import SpecError, parse_identity, parse_repository, split_spec


class Platform(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITEE = "gitee", "Gitee"
    GITLAB = "gitlab", "GitLab"


__all__ = ["Platform", "SpecError", "parse_identity", "parse_repository", "split_spec"]
