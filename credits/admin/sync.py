"""Operator views of the registry, contributions, sync state and the audit log.

Read-only on purpose: every change goes through a service or command, which audits it and re-runs what
depends on it (mirror marking, evaluation)."""
from __future__ import annotations

from django.contrib import admin

from credits.admin.base import ReadOnlyAdmin
from credits.models import AuditEvent, Contribution, IdentitySyncState, Repository, SyncState


@admin.register(Repository)
class RepositoryAdmin(ReadOnlyAdmin):
    list_display = ("spec", "tier", "active", "external_id", "mirror_of", "added_at")
    list_filter = ("platform", "tier", "active")
    search_fields = ("path",)
    list_select_related = ("mirror_of",)


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "author_login", "title", "merged_at", "additions", "deletions", "duplicate_of")
    list_filter = ("platform", "kind")
    search_fields = ("title", "author_login", "repository__path", "merge_commit_sha")
    list_select_related = ("repository", "duplicate_of__repository")


@admin.register(SyncState)
class SyncStateAdmin(ReadOnlyAdmin):
    list_display = ("repository", "last_status", "last_error", "heartbeat_at", "walk_page", "failures", "watermark",
                    "last_finished_at", "runs", "contributions_stored", "requests_spent", "not_modified")
    list_filter = ("last_status",)
    list_select_related = ("repository",)
    readonly_fields = [f.name for f in SyncState._meta.fields]


@admin.register(IdentitySyncState)
class IdentitySyncStateAdmin(ReadOnlyAdmin):
    list_display = ("identity", "last_status", "last_error", "heartbeat_at", "failures", "backfilled_until",
                    "last_finished_at", "contributions_stored")
    list_filter = ("last_status",)
    list_select_related = ("identity",)
    readonly_fields = [f.name for f in IdentitySyncState._meta.fields]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "subject_type", "subject_id", "from_status", "to_status")
    list_filter = ("action", "subject_type")
    search_fields = ("subject_id", "reason")
