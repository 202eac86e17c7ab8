"""Registrar export batches in the admin: read-only (the export services write them; files never change)."""
from __future__ import annotations

from django.contrib import admin

from credits.admin.base import ReadOnlyAdmin
from credits.models import ExportBatch


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "term", "created_at", "created_by", "format_name", "file_type", "encoding", "row_count",
                    "status", "sha256", "booked_at", "booked_by")
    list_filter = ("status", "file_type", "term")
    list_select_related = ("term", "created_by", "booked_by")
    search_fields = ("sha256",)
