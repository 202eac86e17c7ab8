"""Where each repository and identity sync stands: ETag, watermark, counts and the last error."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SyncRun(models.Model):
    """What repository syncs and identity backfills both record: the last run, its counts, and liveness."""

    last_started_at = models.DateTimeField(_("last started at"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished at"), null=True, blank=True)
    last_status = models.CharField(_("last status"), max_length=32, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    pulls_seen = models.PositiveIntegerField(_("pulls seen"), default=0)
    contributions_stored = models.PositiveIntegerField(_("contributions stored"), default=0)
    requests_spent = models.PositiveIntegerField(_("requests spent"), default=0)
    # Liveness: queued or running work whose heartbeat (and expected next attempt) is old gets re-enqueued.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("rescheduled for"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("transient failures in a row"), default=0)

    class Meta:
        abstract = True


class SyncState(SyncRun):
    """Per-repository incremental sync position; it advances only after a whole walk is stored."""

    repository = models.OneToOneField(
        "credits.Repository", verbose_name=_("repository"), on_delete=models.CASCADE, related_name="sync_state"
    )
    etag = models.CharField(_("ETag of the first list page"), max_length=255, blank=True)
    watermark = models.DateTimeField(_("updated_at of the newest stored PR"), null=True, blank=True)
    not_modified = models.PositiveIntegerField(_("304 answers"), default=0)
    # The walk in progress (walk_page 0: none): a retried or redelivered unit resumes here, not at the top.
    walk_page = models.PositiveIntegerField(_("next list page of the walk in progress"), default=0)
    walk_newest = models.DateTimeField(_("newest update seen by the walk in progress"), null=True, blank=True)
    walk_etag = models.CharField(_("ETag of the walk's first page"), max_length=255, blank=True)
    walk_stored = models.PositiveIntegerField(_("contributions stored by the walk in progress"), default=0)

    class Meta:
        verbose_name = _("repository sync state")
        verbose_name_plural = _("repository sync states")

    def __str__(self) -> str:
        return f"sync {self.repository_id}: {self.last_status or 'never run'}"


class IdentitySyncState(SyncRun):
    """Per-identity backfill position (the search walk run when an identity is linked)."""

    identity = models.OneToOneField(
        "accounts.ForgeIdentity", verbose_name=_("identity"), on_delete=models.CASCADE, related_name="sync_state"
    )
    backfilled_until = models.DateTimeField(_("backfilled until"), null=True, blank=True)

    class Meta:
        verbose_name = _("identity backfill state")
        verbose_name_plural = _("identity backfill states")

    def __str__(self) -> str:
        return f"backfill {self.identity_id}: {self.last_status or 'never run'}"
