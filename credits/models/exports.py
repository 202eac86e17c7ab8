"""Registrar export batches: each approved record is booked in exactly one batch, whose bytes never change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BatchStatus(models.TextChoices):
    RENDERING = "rendering", _("rendering")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class FileType(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportBatch(models.Model):
    """One registrar export: the records it claimed (CreditRecord.export_batch), its stored file and checksum."""

    term = models.ForeignKey("credits.Term", on_delete=models.PROTECT, related_name="export_batches")
    format_name = models.CharField(_("format"), max_length=64)
    encoding = models.CharField(_("encoding"), max_length=16, blank=True)  # blank for XLSX
    # The validated format as it was when the batch was claimed: a later edit of the format file changes nothing.
    format_spec = models.JSONField(default=dict)
    file_type = models.CharField(_("file type"), max_length=8, choices=FileType.choices, default=FileType.CSV)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.RENDERING)
    row_count = models.PositiveIntegerField(_("rows"))
    rows_written = models.PositiveIntegerField(default=0)
    file = models.FileField(_("file"), upload_to="exports/", blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    # The registrar's receipt (回执): their system has loaded the file.
    booked_at = models.DateTimeField(_("booked at"), null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_note = models.TextField(_("booking note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(sha256="") & ~Q(file="")), name="batch_ready_has_file"
            ),
            models.CheckConstraint(
                condition=Q(booked_at__isnull=True) | Q(status="ready"), name="batch_booked_only_when_ready"
            ),
        ]

    def __str__(self) -> str:
        return f"export batch {self.id} {self.term_id} ({self.row_count} rows, {self.status})"

    @property
    def booked(self) -> bool:
        """True once the registrar confirmed their system loaded this batch."""
        return self.booked_at is not None

    @property
    def filename(self) -> str:
        """The name a download is saved under."""
        return f"xuefen-{self.term.code}-batch-{self.id}.{self.file_type}"
