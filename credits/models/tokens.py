"""Service tokens operators manage in the admin (encrypted at rest), beside the environment's token lists."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.fields import EncryptedTextField
from accounts.platforms import Platform


def token_fingerprint(token: str) -> str:
    """A non-secret name for a token (the encrypted column cannot be searched)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ServiceToken(models.Model):
    """One forge service token in the pool; a 401 from the forge disables it."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    label = models.CharField(_("label"), max_length=100, help_text=_("whose token it is, for the operator"))
    token = EncryptedTextField(_("token"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True, editable=False)
    enabled = models.BooleanField(_("enabled"), default=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("why disabled"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    rotated_at = models.DateTimeField(_("last rotated"), null=True, blank=True)

    class Meta:
        ordering = ["platform", "label"]

    def __str__(self) -> str:
        return f"{self.platform}:{self.label} ({self.fingerprint[:8]})"


ANONYMOUS = "anonymous"  # the fingerprint budgets of tokenless requests are kept under


class TokenBudget(models.Model):
    """What a forge last said is left of one token's rate limit (the workers' pools keep theirs in memory)."""

    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    remaining = models.PositiveIntegerField(_("requests left"))
    limit = models.PositiveIntegerField(_("limit"), null=True, blank=True)
    reset_at = models.DateTimeField(_("resets at"), null=True, blank=True)
    seen_at = models.DateTimeField(_("reported at"))

    class Meta:
        verbose_name = _("rate-limit budget")
        verbose_name_plural = _("rate-limit budgets")
        constraints = [models.UniqueConstraint(fields=["platform", "fingerprint"], name="token_budget_unique")]

    def __str__(self) -> str:
        return f"{self.platform}:{self.fingerprint[:12]} {self.remaining}/{self.limit}"
