"""Reads of the registry and of merged work per student."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.access import contributions_visible_to
from credits.models import Repository


def registry_summary() -> list[dict]:
    """Active repositories per platform with their merged contribution counts (public figures)."""
    return list(
        Repository.objects.filter(active=True)
        .values("platform")
        .annotate(repositories=Count("id", distinct=True), contributions=Count("contributions"))
        .order_by("platform")
    )


def merged_counts_by_student(viewer) -> QuerySet:
    """Merged PR counts per student across platforms that `viewer` may see, for the demo summary and reports."""
    return (
        contributions_visible_to(viewer).filter(merged_at__isnull=False, duplicate_of__isnull=True)
        .values("identity__user__student__student_id", "identity__user__student__name")
        .annotate(
            total=Count("id"),
            github=Count("id", filter=Q(platform="github")),
            gitee=Count("id", filter=Q(platform="gitee")),
            gitlab=Count("id", filter=Q(platform="gitlab")),
        )
        .order_by("identity__user__student__student_id")
    )
