"""The append-only audit log: every decision and link, with who, when and why."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


class AuditQuerySet(models.QuerySet):
    """Refuses bulk updates and deletes so history cannot be rewritten through the ORM."""

    def update(self, **kwargs):  # noqa: D102
        raise AppendOnlyError("audit events are append-only")

    def delete(self):  # noqa: D102
        raise AppendOnlyError("audit events are append-only")


class AuditEvent(models.Model):
    """One recorded action on one subject (a credit record, an identity, a roster import, ...)."""

    # Set before the insert (not auto_now_add) because the row's hash covers it.
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"),
        null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=64)
    subject_type = models.CharField(_("subject type"), max_length=64)
    subject_id = models.CharField(_("subject id"), max_length=64)
    from_status = models.CharField(_("from status"), max_length=32, blank=True)
    to_status = models.CharField(_("to status"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    # The address the request came from, when a person acted through the web.
    ip = models.GenericIPAddressField(_("ip"), null=True, blank=True)
    # SHA-256 chain: each row's hash covers its content and the previous row's hash (credits.services.audit).
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True)
    hash = models.CharField(_("hash"), max_length=64, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"], name="audit_subject")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        """Insert only; an existing row is never rewritten."""
        if self.pk is not None:
            raise AppendOnlyError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """Never delete history."""
        raise AppendOnlyError("audit events are append-only")
