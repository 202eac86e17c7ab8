"""Emails: the student on every decision and objection, stage holders on an objection and in the daily digest,
each in the recipient's language."""
from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import User
from credits.services.notifications import reviewer_digests_send
from credits.services.records import record_approve, record_object, record_return, record_submit

from .records_helpers import NOW, build_uni

pytestmark = pytest.mark.django_db


@pytest.fixture
def uni(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return build_uni()


def _language(user, code):
    User.objects.filter(pk=user.pk).update(language=code)
    user.refresh_from_db()


def test_a_returned_record_emails_the_student_in_their_language_with_the_reason(
        uni, django_capture_on_commit_callbacks):
    record = uni.record(uni.alice)
    _language(uni.alice.user, "en")
    with django_capture_on_commit_callbacks(execute=True):
        record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
        record_return(record_id=record.pk, actor=uni.advisor, reason="link the issue", now=NOW)
    (message,) = mail.outbox
    assert message.to == [uni.alice.user.email] and "returned" in message.subject
    assert "Reason: link the issue" in message.body


def test_chinese_is_the_default_language_of_email(uni, django_capture_on_commit_callbacks):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    (message,) = mail.outbox
    assert "学分" in message.subject and "审核中" in message.body


def test_an_objection_tells_the_student_and_the_last_stages_holders(uni, django_capture_on_commit_callbacks):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who, now=NOW)
    _language(uni.registry, "en")
    with django_capture_on_commit_callbacks(execute=True):
        record_object(record_id=record.pk, actor=uni.bob.user, reason="PR #2 is mine", now=NOW)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([uni.alice.user.email, uni.registry.email])
    (to_registry,) = [m for m in mail.outbox if m.to == [uni.registry.email]]
    assert "please review it again" in to_registry.subject and "PR #2 is mine" in to_registry.body


def test_the_digest_lists_what_waits_for_each_holder(uni):
    for profile in (uni.alice, uni.carol):
        record_submit(record_id=uni.record(profile).pk, actor=profile.user, now=NOW)
    _language(uni.advisor, "en")
    assert reviewer_digests_send() == 1  # alice's record waits for her advisor; carol has none
    (message,) = mail.outbox
    assert message.to == [uni.advisor.email] and message.subject == "Waiting for you: 1 credit records"
    assert uni.alice.name in message.body
