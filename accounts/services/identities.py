"""Linking and unlinking forge accounts: one transaction each, with an audit row (callers start the backfill)."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ForgeIdentity, User, Verification
from accounts.platforms import Platform, spec_message
from credits.forges.specs import SpecError, forge_id_check
from credits.services.audit import audit_record


class IdentityConflict(Exception):
    """The forge account is already linked to someone else, or the person already has one there."""


class IdentityInvalid(ValueError):
    """What the forge reported is not an account (no login, a path, an id that is not a forge id)."""


class IdentityNotLinked(Exception):
    """No currently linked identity with that id belongs to that person."""


class _AlreadyHasOne(Exception):
    """Internal: `user` already has a linked account on this forge (a different one)."""


def _audit_actor(*, user: User, actor: User | None, via: str) -> tuple[User | None, dict]:
    """Who acted: the operator, else the student for their own OAuth link; an operator command acts as nobody."""
    if actor is not None:
        return actor, {}
    if via == Verification.OAUTH:
        return user, {}
    # Recording the student as the actor would claim they did what an operator did from the command line.
    return None, {"via": "command line"}


class _HeldByAnother(Exception):
    """Internal: the account is linked to someone else (carries the holding identity)."""

    def __init__(self, holder: ForgeIdentity) -> None:
        super().__init__(holder.pk)
        self.holder = holder


def identity_link(
    *, user: User, platform: str, external_id: int, login: str, via: str, actor: User | None = None
) -> ForgeIdentity:
    """Link a forge account (by numeric id) to `user`; refuse one that belongs to someone else."""
    _account_check(platform=platform, external_id=external_id, login=login)
    try:
        return _link(user=user, platform=platform, external_id=external_id, login=login, via=via, actor=actor)
    except _HeldByAnother as held:
        # The refusal is recorded in its own transaction: the link rolled back, the audit row must not.
        _record_refusal(subject_id=held.holder.pk, reason="already linked to another person", user=user,
                        platform=platform, external_id=external_id, login=login, via=via, actor=actor)
        raise IdentityConflict(
            _("%(platform)s account %(login)s is already linked to another person.")
            % {"platform": platform, "login": login}
        ) from None
    except _AlreadyHasOne:
        own = ForgeIdentity.objects.filter(user=user, platform=platform, unlinked_at__isnull=True).first()
        _record_refusal(subject_id=own.pk if own else "", reason="already has a linked account on this forge",
                        user=user, platform=platform, external_id=external_id, login=login, via=via, actor=actor)
        raise IdentityConflict(
            _("%(user)s already has a linked %(platform)s account; unlink it first.")
            % {"user": user, "platform": platform}
        ) from None


def _account_check(*, platform: str, external_id: int, login: str) -> None:
    """Refuse what cannot be a forge account before anything is stored (an empty login, a path, id 0)."""
    try:
        forge_id_check(external_id)
    except SpecError as exc:
        raise IdentityInvalid(f"{platform}: {spec_message(exc)}") from None
    # Lenient on purpose: old GitHub accounts keep logins today's rules refuse; a path or a blank never passes.
    if (platform not in Platform.values or not isinstance(login, str) or not login or len(login) > 255
            or not login.isprintable() or any(c in login for c in "/\\?#% :")):
        raise IdentityInvalid(_("%(platform)s: %(login)r is not a forge login") % {"platform": platform,
                                                                                    "login": login})


def _active_holder(platform: str, external_id: int) -> ForgeIdentity | None:
    return ForgeIdentity.objects.filter(platform=platform, external_id=external_id, unlinked_at__isnull=True).first()


@transaction.atomic
def _link(*, user: User, platform: str, external_id: int, login: str, via: str, actor: User | None) -> ForgeIdentity:
    holder = _active_holder(platform, external_id)
    if holder is not None and holder.user_id != user.pk:
        raise _HeldByAnother(holder)
    if holder is not None:
        # Re-linking the same account refreshes the login and the verification.
        ForgeIdentity.objects.filter(pk=holder.pk).update(
            login=login, verified_via=via, verified_at=timezone.now(),
            verified_by=actor if via == Verification.OPERATOR else None,
        )
        holder.refresh_from_db()
        who, extra = _audit_actor(user=user, actor=actor, via=via)
        audit_record(
            actor=who, action="identity_relink", subject_type="forge_identity", subject_id=str(holder.pk),
            reason=via, data={"platform": platform, "external_id": external_id, "login": login, "user": user.pk,
                              **extra},
        )
        return holder
    try:
        with transaction.atomic():
            identity = ForgeIdentity.objects.create(
                user=user, platform=platform, external_id=external_id, login=login, verified_via=via,
                verified_at=timezone.now(), verified_by=actor if via == Verification.OPERATOR else None,
            )
    except IntegrityError as exc:
        # Either someone else linked this account a moment ago, or `user` already has one on this forge.
        holder = _active_holder(platform, external_id)
        if holder is not None and holder.user_id != user.pk:
            raise _HeldByAnother(holder) from exc
        # Raised out of the transaction so identity_link can record the refusal after the rollback.
        raise _AlreadyHasOne from exc
    who, extra = _audit_actor(user=user, actor=actor, via=via)
    audit_record(
        actor=who, action="identity_link", subject_type="forge_identity", subject_id=str(identity.pk),
        reason=via, data={"platform": platform, "external_id": external_id, "login": login, "user": user.pk,
                          **extra},
    )
    return identity


@transaction.atomic
def _record_refusal(*, subject_id: int | str, reason: str, user: User, platform: str, external_id: int,
                    login: str, via: str, actor: User | None) -> None:
    who, extra = _audit_actor(user=user, actor=actor, via=via)
    audit_record(
        actor=who, action="identity_link_refused", subject_type="forge_identity", subject_id=str(subject_id),
        reason=reason,
        data={"platform": platform, "external_id": external_id, "login": login, "requested_for": user.pk, **extra},
    )


@transaction.atomic
def identity_unlink(*, identity_id: int, user: User, actor: User | None = None) -> ForgeIdentity:
    """Free one of `user`'s linked forge accounts; the row stays, so past contributions and credit keep it."""
    changed = ForgeIdentity.objects.filter(pk=identity_id, user=user, unlinked_at__isnull=True).update(
        unlinked_at=timezone.now()
    )
    if changed != 1:
        raise IdentityNotLinked(identity_id)
    identity = ForgeIdentity.objects.get(pk=identity_id)
    audit_record(
        actor=actor or user, action="identity_unlink", subject_type="forge_identity", subject_id=str(identity.pk),
        data={"platform": identity.platform, "external_id": identity.external_id, "login": identity.login,
              "user": user.pk},
    )
    return identity


def identity_rename(*, identity_id: int, login: str) -> None:
    """Record a forge-side rename: the numeric id stays, the login follows the forge."""
    ForgeIdentity.objects.filter(pk=identity_id).exclude(login=login).update(login=login)
