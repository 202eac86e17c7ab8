"""The identity service's audit rows: who acted, re-links, and refusals (called directly, no OAuth dance)."""
from __future__ import annotations

import pytest

from accounts.models import ForgeIdentity, Verification
from accounts.services.identities import IdentityConflict, identity_link
from credits.models import AuditEvent
from tests.factories import StudentProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def link(user, *, external_id: int = 1001, login: str = "wangxm", via: str = Verification.OPERATOR, actor=None):
    return identity_link(user=user, platform="github", external_id=external_id, login=login, via=via, actor=actor)


def test_operator_link_from_the_command_line_records_no_actor_rather_than_the_student():
    user = StudentProfileFactory().user

    identity = link(user)

    event = AuditEvent.objects.get(action="identity_link", subject_id=str(identity.pk))
    assert event.actor is None and event.data["via"] == "command line"


def test_operator_link_with_a_named_operator_records_that_operator():
    user, operator = StudentProfileFactory().user, UserFactory(is_staff=True)

    link(user, actor=operator)

    event = AuditEvent.objects.get(action="identity_link")
    assert event.actor == operator and "via" not in event.data


def test_oauth_link_records_the_student_as_the_actor():
    user = StudentProfileFactory().user

    link(user, via=Verification.OAUTH)

    assert AuditEvent.objects.get(action="identity_link").actor == user


def test_relinking_an_account_already_held_is_audited():
    user = StudentProfileFactory().user
    identity = link(user, via=Verification.OAUTH)

    link(user, login="wangxm-renamed", via=Verification.OAUTH)

    event = AuditEvent.objects.get(action="identity_relink")
    assert event.subject_id == str(identity.pk) and event.actor == user
    assert event.data["login"] == "wangxm-renamed"


def test_refusing_a_second_account_on_the_same_forge_is_audited_despite_the_rollback():
    user = StudentProfileFactory().user
    first = link(user, via=Verification.OAUTH)

    with pytest.raises(IdentityConflict):
        link(user, external_id=2002, login="lihua", via=Verification.OAUTH)

    refusal = AuditEvent.objects.get(action="identity_link_refused")
    assert refusal.subject_id == str(first.pk) and refusal.actor == user
    assert "already has a linked account" in refusal.reason and refusal.data["external_id"] == 2002
    assert not ForgeIdentity.objects.filter(external_id=2002).exists()


def test_refusal_from_the_command_line_records_no_actor():
    user = StudentProfileFactory().user
    link(user)

    with pytest.raises(IdentityConflict):
        link(user, external_id=2002, login="lihua")

    refusal = AuditEvent.objects.get(action="identity_link_refused")
    assert refusal.actor is None and refusal.data["via"] == "command line"
