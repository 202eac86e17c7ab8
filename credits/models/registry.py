"""The registry of approved open AI repositories whose merged work can earn credit."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.platforms import Platform


class Repository(models.Model):
    """One eligible repository on one forge, written PLATFORM:PATH."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    path = models.CharField(_("path"), max_length=255, help_text=_("owner/name, or group/sub/name on GitLab"))
    external_id = models.BigIntegerField(_("forge repository id"))
    tier = models.CharField(_("tier"), max_length=32, default="standard")
    active = models.BooleanField(_("active"), default=True)
    # A mirror's contributions duplicate its source's; they are kept but credited once.
    mirror_of = models.ForeignKey(
        "self", verbose_name=_("mirror of"), null=True, blank=True, on_delete=models.SET_NULL, related_name="mirrors"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repository")
        verbose_name_plural = _("repositories")
        ordering = ["platform", "path"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "external_id"], name="repository_unique_forge_id"),
            models.UniqueConstraint(fields=["platform", "path"], name="repository_unique_path"),
        ]

    def __str__(self) -> str:
        return self.spec

    @property
    def spec(self) -> str:
        """The PLATFORM:PATH form used by commands and exports."""
        return f"{self.platform}:{self.path}"

    @property
    def owner(self) -> str:
        """The namespace that owns the repository (user, organisation or GitLab group path)."""
        return self.path.rsplit("/", 1)[0]
