"""Reads of contributions, scoped by who is asking."""
from __future__ import annotations

from django.db.models import QuerySet

from accounts.access import contributions_visible_to
from credits.models import Contribution


def own_contributions(viewer) -> QuerySet[Contribution]:
    """The viewer's own contributions (scoped by role first), newest merge first."""
    return (
        contributions_visible_to(viewer)
        .filter(identity__user_id=viewer.pk)
        .select_related("repository", "identity")
        .order_by("-merged_at", "id")
    )
