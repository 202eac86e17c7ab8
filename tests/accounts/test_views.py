"""The accounts pages' own choices (beyond who may see what, which test_access_matrix covers)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from credits.models import Contribution
from tests.factories import ContributionFactory, ForgeIdentityFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("meta_ordering", ["model default", "none"])
def test_student_detail_shows_the_100_most_recently_merged_contributions(client, monkeypatch, meta_ordering):
    if meta_ordering == "none":
        # The view must order by itself, not rely on Contribution.Meta.ordering staying as it is.
        monkeypatch.setattr(Contribution._meta, "ordering", [])
    profile = StudentProfileFactory()
    identity = ForgeIdentityFactory(user=profile.user, platform="github")
    now = timezone.now()
    # Created oldest-merged last, so insertion (primary key) order is the opposite of merge order.
    for days in range(101, 0, -1):
        ContributionFactory(identity=identity, merged_at=now - dt.timedelta(days=days))
    client.force_login(profile.user)

    shown = list(client.get(f"/students/{profile.student_id}/").context["contributions"])

    assert len(shown) == 100
    assert [c.merged_at for c in shown] == sorted((c.merged_at for c in shown), reverse=True)
    assert shown[0].merged_at == now - dt.timedelta(days=1)
    assert min(c.merged_at for c in shown) == now - dt.timedelta(days=100)
