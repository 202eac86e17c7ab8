"""Reads of contributions, scoped by who is asking."""
from __future__ import annotations

from django.db.models import QuerySet

from accounts.access import contributions_visible_to
from accounts.models import ForgeIdentity
from credits.models import Contribution


def identity_ids(user) -> QuerySet[ForgeIdentity]:
    """The person's forge identities as a subquery: `identity__in=` lets the (identity, merged_at) index answer,
    where a join on the identity's user made PostgreSQL walk every contribution by merge date (370 ms at 1M)."""
    return ForgeIdentity.objects.filter(user_id=user.pk).values("id")


def own_contributions(viewer) -> QuerySet[Contribution]:
    """The viewer's own contributions (scoped by role first), newest merge first."""
    return (
        contributions_visible_to(viewer)
        .filter(identity__in=identity_ids(viewer))
        .select_related("repository", "identity")
        .order_by("-merged_at", "id")
    )
