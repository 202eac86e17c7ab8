"""Reads for the linking pages."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import ForgeIdentity, User
from accounts.platforms import Platform


def identities_of(user: User) -> QuerySet[ForgeIdentity]:
    """All of `user`'s forge identities (linked and unlinked), by platform, newest first."""
    return ForgeIdentity.objects.filter(user=user).select_related("verified_by").order_by("platform", "-verified_at")


def linkable_platforms(request: HttpRequest) -> set[str]:
    """Forges with an OAuth app configured (allauth lists only providers that have one)."""
    from allauth.socialaccount.adapter import get_adapter

    return {p.id for p in get_adapter(request).list_providers(request) if p.id in Platform.values}


def user_for_sso(value: str) -> User | None:
    """The active student whose student id (学号) a university SSO claim names; never staff or by username."""
    value = (value or "").strip()
    if not value:
        return None
    # A username match would let an IdP claim such as "admin" take over an operator's account.
    return User.objects.filter(
        student__student_id=value, is_active=True, is_staff=False, is_superuser=False
    ).first()
