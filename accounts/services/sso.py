"""University single sign-on: attaching an SSO account to the rostered person it names."""
from __future__ import annotations

from django.db import transaction

from accounts.models import User
from credits.services.audit import audit_record


@transaction.atomic
def sso_attach(*, request, sociallogin, user: User, claim: str) -> None:
    """Connect `sociallogin` to `user` (a rostered student) and record it: it grants sign-in from now on."""
    sociallogin.connect(request, user)
    audit_record(
        actor=user, action="sso_attach", subject=user, ip=request.META.get("REMOTE_ADDR"),
        data={"provider": sociallogin.account.provider, "uid": sociallogin.account.uid, "claim": claim},
    )
