"""Record lifecycle: every transition of the three-stage policy and the refusals around it."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from credits.models import AuditEvent, CreditRecord, RecordKind, RecordStatus
from credits.services.records import (
    AlreadyDecided,
    InvalidAction,
    NotPermitted,
    SeparationOfDuties,
    notice_close,
    record_adjust,
    record_approve,
    record_object,
    record_reject,
    record_return,
    record_revoke,
    record_submit,
    record_withdraw,
)

from .records_helpers import NOW, build_uni

pytestmark = pytest.mark.django_db
S = RecordStatus


@pytest.fixture(autouse=True)
def _english(settings):
    """Refusal messages are asserted in English (the site's default is Chinese; threads start in the default)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def uni():
    return build_uni()


def audits(record, action=None):
    rows = AuditEvent.objects.filter(subject_type="credit_record", subject_id=str(record.pk))
    return list(rows.filter(action=action) if action else rows)


def through_stages(uni, record, now=NOW):
    record_submit(record_id=record.pk, actor=uni.alice.user, statement="my PRs", now=now)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who, now=now)
    return CreditRecord.objects.get(pk=record.pk)


def test_submit_sends_the_record_to_its_first_stage_with_one_audit_row(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, statement="见 PR 列表", ip="10.0.0.7", now=NOW)
    record.refresh_from_db()
    assert (record.status, record.approval_stage, record.stage_index, record.approval_scope) == (
        S.SUBMITTED, "advisor", 0, "advisor")
    assert record.statement == "见 PR 列表" and record.submitted_at == NOW
    (row,) = audits(record, "record_submit")
    assert (row.from_status, row.to_status, row.actor) == (S.DRAFT, S.SUBMITTED, uni.alice.user)
    assert row.data["to_stage"] == "advisor" and row.data["credits_after"] == "1.50" and row.ip == "10.0.0.7"


def test_each_stage_hands_on_to_the_next_and_the_last_opens_a_notice_of_working_days(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    record.refresh_from_db()
    assert (record.status, record.approval_stage, record.stage_index) == (S.IN_REVIEW, "department", 1)
    record_approve(record_id=record.pk, actor=uni.dean_cs, now=NOW)
    record_approve(record_id=record.pk, actor=uni.registry, reason="ok", now=NOW)
    record.refresh_from_db()
    # Thursday 24 Sep + 3 working days: Fri 25, Mon 28, Tue 29 (1-2 Oct are listed holidays, not reached).
    assert record.status == S.IN_PUBLIC_NOTICE and record.notice_ends_on == dt.date(2026, 9, 29)
    assert record.decided_by == uni.registry and record.decided_at is None
    assert [e.action for e in audits(record)] == ["record_submit"] + ["record_approve"] * 3


def test_notice_close_approves_only_after_the_last_notice_day(uni):
    record = through_stages(uni, uni.record(uni.alice))
    assert notice_close(now=dt.datetime(2026, 9, 29, 15, tzinfo=dt.UTC)) == []  # 23:00 on the 29th in Shanghai
    closing = dt.datetime(2026, 9, 29, 16, 30, tzinfo=dt.UTC)  # 00:30 on the 30th
    assert notice_close(now=closing) == [record.pk]
    record.refresh_from_db()
    assert record.status == S.APPROVED and record.decided_at == closing and record.decided_by == uni.registry
    assert audits(record, "record_notice_close")[0].actor is None
    assert notice_close(now=closing) == []


def test_deciding_outside_ones_mandate_is_refused_and_audited_without_a_state_change(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    with pytest.raises(NotPermitted):
        record_approve(record_id=record.pk, actor=uni.dean_math, now=NOW)  # cs record, math mandate
    record.refresh_from_db()
    assert (record.status, record.approval_stage) == (S.IN_REVIEW, "department")
    (refusal,) = audits(record, "record_refused")
    assert refusal.actor == uni.dean_math and refusal.data["attempted"] == "approve"


def test_the_advisor_stage_belongs_to_the_students_own_advisor(uni):
    record = uni.record(uni.bob)  # bob has no advisor
    record_submit(record_id=record.pk, actor=uni.bob.user, now=NOW)
    with pytest.raises(NotPermitted):
        record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)


def test_nobody_decides_two_stages_of_one_record(uni):
    from accounts.roles import Role
    from accounts.services.roles import role_grant

    role_grant(user=uni.dean_cs, role=Role.REVIEWER, actor=None, stage="academic_affairs")
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    record_approve(record_id=record.pk, actor=uni.dean_cs, now=NOW)
    with pytest.raises(SeparationOfDuties):
        record_approve(record_id=record.pk, actor=uni.dean_cs, now=NOW)
    assert CreditRecord.objects.get(pk=record.pk).approval_stage == "academic_affairs"
    assert audits(record, "record_refused")


def test_nobody_decides_their_own_record(uni):
    from tests.factories import student

    profile = student(department=uni.alice.department, user=uni.registry)
    record = uni.record(profile)
    record_submit(record_id=record.pk, actor=uni.registry, now=NOW)
    record.refresh_from_db()
    CreditRecord.objects.filter(pk=record.pk).update(approval_stage="academic_affairs", stage_index=2,
                                                     approval_scope="university", status=S.IN_REVIEW)
    with pytest.raises(SeparationOfDuties):
        record_approve(record_id=record.pk, actor=uni.registry, now=NOW)


def test_a_second_decision_on_a_moved_record_says_who_decided_and_when(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_reject(record_id=record.pk, actor=uni.advisor, reason="not her work", now=NOW)
    with pytest.raises(AlreadyDecided, match="Already decided by 王老师"):
        record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    with pytest.raises(AlreadyDecided):
        record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)  # rejected is final


@pytest.mark.parametrize("decide", [record_return, record_reject])
def test_return_and_reject_need_a_reason(uni, decide):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    with pytest.raises(InvalidAction, match="reason"):
        decide(record_id=record.pk, actor=uni.advisor, reason="  ", now=NOW)
    assert CreditRecord.objects.get(pk=record.pk).status == S.SUBMITTED


def test_a_returned_record_is_resubmitted_from_the_first_stage(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    record_return(record_id=record.pk, actor=uni.dean_cs, reason="link the issue", now=NOW)
    record.refresh_from_db()
    assert (record.status, record.approval_stage) == (S.RETURNED, "")
    record_submit(record_id=record.pk, actor=uni.alice.user, statement="linked", now=NOW)
    record.refresh_from_db()
    assert (record.status, record.stage_index, record.statement) == (S.SUBMITTED, 0, "linked")


def test_withdraw_only_before_any_stage_decided(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_withdraw(record_id=record.pk, actor=uni.alice.user, now=NOW)
    assert CreditRecord.objects.get(pk=record.pk).status == S.DRAFT
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    record_approve(record_id=record.pk, actor=uni.advisor, now=NOW)
    with pytest.raises(AlreadyDecided):
        record_withdraw(record_id=record.pk, actor=uni.alice.user, now=NOW)


def test_submit_refusals(uni):
    empty = uni.record(uni.alice, credits="0")
    with pytest.raises(InvalidAction, match="no credit"):
        record_submit(record_id=empty.pk, actor=uni.alice.user, now=NOW)
    theirs = uni.record(uni.bob)
    with pytest.raises(NotPermitted):
        record_submit(record_id=theirs.pk, actor=uni.alice.user, now=NOW)
    uni.term.submission_closes_on = dt.date(2026, 9, 20)
    uni.term.save()
    with pytest.raises(InvalidAction, match="closed on 2026-09-20"):
        record_submit(record_id=theirs.pk, actor=uni.bob.user, now=NOW)
    assert not AuditEvent.objects.filter(action="record_submit").exists()


def test_adjust_stays_within_zero_and_the_caps_and_logs_credits_before_and_after(uni):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user, now=NOW)
    for bad in ("2.5", "-1", "abc"):  # per_term cap is 2
        with pytest.raises(InvalidAction):
            record_adjust(record_id=record.pk, actor=uni.advisor, credits=bad, reason="r", now=NOW)
    with pytest.raises(InvalidAction, match="reason"):
        record_adjust(record_id=record.pk, actor=uni.advisor, credits="1", reason="", now=NOW)
    record_adjust(record_id=record.pk, actor=uni.advisor, credits="1", reason="one PR is a revert", now=NOW)
    record.refresh_from_db()
    assert record.credits == Decimal("1") and record.status == S.SUBMITTED and record.approval_stage == "advisor"
    (row,) = audits(record, "record_adjust")
    assert (row.data["credits_before"], row.data["credits_after"], row.reason) == ("1.50", "1.00", "one PR is a revert")


def test_an_objection_sends_the_record_back_to_the_last_stage(uni):
    record = through_stages(uni, uni.record(uni.alice))
    with pytest.raises(NotPermitted):
        record_object(record_id=record.pk, actor=uni.carol.user, reason="x", now=NOW)  # other department
    with pytest.raises(InvalidAction):
        record_object(record_id=record.pk, actor=uni.bob.user, reason="", now=NOW)
    record_object(record_id=record.pk, actor=uni.bob.user, reason="PR #3 is mine", now=NOW)
    record.refresh_from_db()
    assert (record.status, record.approval_stage, record.notice_ends_on, record.decided_by) == (
        S.IN_REVIEW, "academic_affairs", None, None)
    record_approve(record_id=record.pk, actor=uni.registry, now=NOW)  # re-review by the last stage
    assert CreditRecord.objects.get(pk=record.pk).status == S.IN_PUBLIC_NOTICE


def test_no_objection_after_the_period_ended(uni):
    record = through_stages(uni, uni.record(uni.alice))
    with pytest.raises(InvalidAction, match="ended"):
        record_object(record_id=record.pk, actor=uni.bob.user, reason="late", now=NOW + dt.timedelta(days=7))
    assert CreditRecord.objects.get(pk=record.pk).status == S.IN_PUBLIC_NOTICE


def _approved(uni):
    record = through_stages(uni, uni.record(uni.alice))
    notice_close(now=NOW + dt.timedelta(days=10))
    return CreditRecord.objects.get(pk=record.pk)


def test_revoking_a_record_not_yet_exported_books_nothing(uni):
    record = _approved(uni)
    with pytest.raises(NotPermitted):
        record_revoke(record_id=record.pk, actor=uni.dean_cs, reason="fraud")  # department scope only
    with pytest.raises(InvalidAction):
        record_revoke(record_id=record.pk, actor=uni.registry, reason="")
    record_revoke(record_id=record.pk, actor=uni.registry, reason="plagiarised PRs")
    record.refresh_from_db()
    assert record.status == S.REVOKED
    assert not CreditRecord.objects.filter(kind=RecordKind.REVOCATION).exists()
    assert audits(record, "record_revoke")[0].data["revocation_record"] is None


def test_revoking_an_exported_record_creates_the_negative_revocation_for_the_next_batch(uni):
    from credits.selectors.records import approved_total

    record = _approved(uni)
    CreditRecord.objects.filter(pk=record.pk).update(exported_at=NOW)
    record_revoke(record_id=record.pk, actor=uni.registry, reason="plagiarised PRs")
    revocation = CreditRecord.objects.get(kind=RecordKind.REVOCATION)
    assert (revocation.adjusts_id, revocation.credits, revocation.target_credits, revocation.status) == (
        record.pk, Decimal("-1.5"), Decimal(0), S.APPROVED)
    assert revocation.exported_at is None and revocation.decided_by == uni.registry
    assert approved_total(uni.alice.user, uni.alice.user) == 0


def test_re_evaluation_leaves_a_revoked_record_alone(uni):
    from credits.services.evaluation import record_evaluate

    record = _approved(uni)
    record_revoke(record_id=record.pk, actor=uni.registry, reason="fraud")
    outcome = record_evaluate(student_id=uni.alice.user.pk, term=uni.term, version=uni.policy, facts=[], now=NOW)
    assert outcome == "left revoked" and CreditRecord.objects.get(pk=record.pk).credits == Decimal("1.5")


def _adjustment(uni, record, credits: str) -> CreditRecord:
    """A correction drafted for an approved record (as re-evaluation drafts one), then left to the workflow."""
    return CreditRecord.objects.create(
        student=record.student, term=record.term, policy_version=record.policy_version, kind=RecordKind.ADJUSTMENT,
        adjusts=record, course_code=record.course_code, credits=Decimal(credits),
        target_credits=record.credits + Decimal(credits), evaluated_at=NOW)


def test_revoking_a_record_revokes_its_corrections_and_cancels_each_booked_one(uni):
    from credits.selectors.records import approved_total

    record = _approved(uni)
    CreditRecord.objects.filter(pk=record.pk).update(exported_at=NOW)
    raised = through_stages(uni, _adjustment(uni, record, "0.5"))
    notice_close(now=NOW + dt.timedelta(days=10))
    CreditRecord.objects.filter(pk=raised.pk).update(exported_at=NOW)
    pending = _adjustment(uni, record, "0.5")  # a later correction still in draft
    record_submit(record_id=pending.pk, actor=uni.alice.user, now=NOW)
    assert approved_total(uni.alice.user, uni.alice.user) == Decimal("2.0")

    record_revoke(record_id=record.pk, actor=uni.registry, reason="plagiarised PRs", now=NOW + dt.timedelta(days=11))
    statuses = dict(CreditRecord.objects.filter(pk__in=[record.pk, raised.pk, pending.pk]).values_list("pk", "status"))
    assert statuses == {record.pk: S.REVOKED, raised.pk: S.REVOKED, pending.pk: S.REVOKED}
    revocations = dict(CreditRecord.objects.filter(kind=RecordKind.REVOCATION).values_list("adjusts_id", "credits"))
    assert revocations == {record.pk: Decimal("-1.5"), raised.pk: Decimal("-0.5")}  # the draft was never booked
    assert approved_total(uni.alice.user, uni.alice.user) == 0
    assert AuditEvent.objects.filter(action="credit_revocation_create").count() == 2
    assert audits(record, "record_revoke")[0].data["adjustments_revoked"] == [raised.pk, pending.pk]
    assert audits(pending, "record_revoke")[0].data["with_record"] == record.pk
