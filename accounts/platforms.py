"""The forges Xuefen knows; the PLATFORM:VALUE spec parser itself lives in credits.forges.specs (one place)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from credits.forges.specs import SpecError, parse_identity, parse_repository, split_spec


class Platform(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITEE = "gitee", "Gitee"
    GITLAB = "gitlab", "GitLab"


# What a spec names, as the parser's `what` says it (the parser is pure: it has no catalogue).
SPEC_KINDS = {
    "spec": pgettext_lazy("spec kind", "spec"),
    "repository": pgettext_lazy("spec kind", "repository"),
    "identity": pgettext_lazy("spec kind", "identity"),
    "mirror source": pgettext_lazy("spec kind", "mirror source"),
}


def spec_message(exc: SpecError) -> str:
    """The parser's refusal in the run's language (str(exc) is always the English sentence)."""
    params = {key: spec_message(value) if isinstance(value, SpecError) else value
              for key, value in exc.params.items()}
    if "what" in params:
        params["what"] = SPEC_KINDS.get(params["what"], params["what"])
    return _(exc.template) % params if params else _(exc.template)


__all__ = ["Platform", "SpecError", "parse_identity", "parse_repository", "spec_message", "split_spec"]
