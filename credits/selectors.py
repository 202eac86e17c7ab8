"""Reads for pages and commands, scoped by who is asking."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .models import Contribution, Repository


def registry_summary() -> list[dict]:
    """Active repositories per platform with their merged contribution counts."""
    return list(
        Repository.objects.filter(active=True)
        .values("platform")
        .annotate(repositories=Count("id", distinct=True), contributions=Count("contributions"))
        .order_by("platform")
    )


def contributions_of(user) -> QuerySet[Contribution]:
    """A person's own contributions, newest merge first (never anyone else's)."""
    return (
        Contribution.objects.filter(identity__user=user)
        .select_related("repository", "identity")
        .order_by("-merged_at", "id")
    )


def merged_counts_by_student() -> QuerySet:
    """Merged PR counts per student across platforms, for the demo summary and reports."""
    return (
        Contribution.objects.filter(merged_at__isnull=False, duplicate_of__isnull=True)
        .values("identity__user__student__student_id", "identity__user__student__name")
        .annotate(
            total=Count("id"),
            github=Count("id", filter=Q(platform="github")),
            gitee=Count("id", filter=Q(platform="gitee")),
            gitlab=Count("id", filter=Q(platform="gitlab")),
        )
        .order_by("identity__user__student__student_id")
    )
