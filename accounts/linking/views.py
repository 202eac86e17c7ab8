"""Pages for linking forge accounts: the student's list, unlinking, and the ends of an OAuth dance."""
from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import selectors
from accounts.models import Verification
from accounts.platforms import Platform
from accounts.services.identities import IdentityConflict, IdentityNotLinked, identity_link, identity_unlink
from accounts.services.sso import sso_attach
from credits.tasks import backfill_enqueue

logger = logging.getLogger(__name__)


@require_GET
@login_required
def forge_accounts(request: HttpRequest) -> HttpResponse:
    """我的代码平台账户: linked and past identities, a link button per forge, an unlink button per link."""
    identities = list(selectors.identities_of(request.user))
    linked = {i.platform: i for i in identities if i.unlinked_at is None}
    configured = selectors.linkable_platforms(request)
    forges = [
        {"id": value, "name": label, "identity": linked.get(value), "configured": value in configured,
         "login_url": reverse(f"{value}_login") if value in configured else ""}
        for value, label in Platform.choices
    ]
    past = [i for i in identities if i.unlinked_at is not None]
    return render(request, "linking/forge_accounts.html", {"forges": forges, "past": past})


@require_POST
@login_required
def forge_unlink(request: HttpRequest, identity_id: int) -> HttpResponse:
    """Unlink one of the signed-in person's own identities; anyone else's id is a 404."""
    try:
        identity = identity_unlink(identity_id=identity_id, user=request.user)
    except IdentityNotLinked as exc:
        raise Http404(_("No such linked account.")) from exc
    messages.success(request, _("Unlinked %(platform)s account %(login)s. Contributions already recorded stay.")
                     % {"platform": identity.get_platform_display(), "login": identity.login})
    return redirect("forge_accounts")


def complete_forge_link(request: HttpRequest, sociallogin) -> HttpResponse:
    """End of a forge OAuth dance (called by the adapter): link by numeric id, or explain why not."""
    platform = sociallogin.account.provider
    provider = sociallogin.account.get_provider()
    context = {"platform": Platform(platform).label}
    if not request.user.is_authenticated or sociallogin.state.get("process") != "connect":
        # Forge accounts link to a signed-in person; they are never a way to sign in or sign up.
        return render(request, "linking/sign_in_first.html", context, status=403)
    data = sociallogin.account.extra_data
    login = provider.extract_common_fields(data).get("username") or ""
    try:
        external_id = int(sociallogin.account.uid)
    except (TypeError, ValueError):
        logger.warning("%s returned a non-numeric user id %r", platform, sociallogin.account.uid)
        return link_failed(request, provider=provider, error="bad_uid", exception=None, state_found=True)
    context["login"] = login
    try:
        identity = identity_link(user=request.user, platform=platform, external_id=external_id, login=login,
                                 via=Verification.OAUTH)
        backfill_enqueue(identity)
    except IdentityConflict as exc:
        context["reason"] = str(exc)
        return render(request, "linking/link_refused.html", context, status=409)
    messages.success(request, _("Linked %(platform)s account %(login)s (user id %(id)s).")
                     % {"platform": context["platform"], "login": identity.login, "id": identity.external_id})
    return redirect("forge_accounts")


def link_failed(request: HttpRequest, *, provider, error, exception, state_found: bool) -> HttpResponse:
    """One page for every OAuth end that links nothing: denied, expired/replayed state, forge failure."""
    if not state_found:
        kind = "state"
    elif error == "cancelled":
        kind = "denied"
    else:
        kind = "failed"
    if exception is not None:
        logger.warning("OAuth with %s failed: %r", getattr(provider, "id", provider), exception)
    name = getattr(provider, "name", "") or str(provider)
    return render(request, "linking/link_failed.html", {"kind": kind, "provider_name": name}, status=400)


def attach_sso_login(request: HttpRequest, sociallogin) -> HttpResponse | None:
    """First university SSO sign-in: attach it to the rostered person it names, or refuse a stranger."""
    provider = sociallogin.account.get_provider()
    extra = sociallogin.account.extra_data or {}
    claims = extra.get("userinfo") or extra.get("id_token") or extra
    claim = provider.app.settings.get("username_claim", "preferred_username")
    value = str(claims.get(claim, ""))
    user = selectors.user_for_sso(value)
    if user is None:
        return render(request, "linking/sso_unknown.html", {"provider_name": provider.name}, status=403)
    sso_attach(request=request, sociallogin=sociallogin, user=user, claim=value)
    return None
