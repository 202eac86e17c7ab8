"""Evaluation service: one draft per student and term, idempotent, adjustments instead of edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import AuditEvent, CreditRecord, RecordKind, RecordStatus
from credits.services.evaluation import term_evaluate
from credits.services.policies import NoPolicyForTerm
from credits.services.records import record_approve, record_reject, record_return, record_submit, record_withdraw
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory, UserFactory

from .rules_helpers import UTC, autumn, merged, publish, simple_policy, spring

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 20, tzinfo=UTC)


@pytest.fixture
def setup():
    term = autumn()
    publish()
    identity = ForgeIdentityFactory(login="lihua")
    repo = RepositoryFactory(path="deepseek-ai/DeepSeek-V3", tier="standard")
    return term, identity, repo


def pr(identity, repo, day, **kw):
    return ContributionFactory(identity=identity, repository=repo, merged_at=merged(day, kw.pop("month", 10)), **kw)


def record_of(identity, term):
    return CreditRecord.objects.get(student=identity.user, term=term, kind=RecordKind.EVALUATION)


# Records change state only through the approval services, as in production: the simple policy's one stage
# (`department`, what the legacy [faculty] names) decided by a university-wide holder.
def dean():
    """The holder of the policy's one stage, for every department (the students here have no profile)."""
    user = UserFactory(username="dean")
    if not user.mandates.exists():
        role_grant(user=user, role=Role.REVIEWER, actor=None, stage="department")
    return user


def submit(record):
    """The student sends the record (an evaluation or an adjustment) to its stage."""
    return record_submit(record_id=record.pk, actor=record.student, now=NOW)


def approve(record):
    submit(record)
    return record_approve(record_id=record.pk, actor=dean(), now=NOW)


def reject(record):
    submit(record)
    return record_reject(record_id=record.pk, actor=dean(), reason="not the student's work", now=NOW)


def send_back(record):
    """Submitted, then returned to the student with a comment."""
    submit(record)
    return record_return(record_id=record.pk, actor=dean(), reason="link the issue each PR fixes", now=NOW)


def test_evaluation_builds_one_draft_record_with_explained_lines(setup):
    term, identity, repo = setup
    pr(identity, repo, 1)
    pr(identity, repo, 2, additions=1, deletions=1)
    report = term_evaluate(term=term, now=NOW)
    assert report.outcomes == {"created": 1}
    record = record_of(identity, term)
    assert record.status == RecordStatus.DRAFT and record.credits == Decimal("0.5") and record.course_code == "AI101"
    assert record.policy_version.version == "s1"
    lines = list(record.lines.order_by("position"))
    assert [(x.outcome, x.rule) for x in lines] == [("credited", "kinds.pull_request"), ("refused", "size")]
    assert lines[1].reason == "only 2 changed lines (minimum 5)"
    assert AuditEvent.objects.filter(action="credit_record_create", subject_id=str(record.id)).count() == 1


def test_re_evaluation_is_idempotent(setup):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    record = record_of(identity, term)
    line_ids = list(record.lines.values_list("id", flat=True))
    audits = AuditEvent.objects.count()
    report = term_evaluate(term=term, now=NOW)
    assert report.outcomes == {"unchanged": 1}
    assert CreditRecord.objects.count() == 1
    assert list(record_of(identity, term).lines.values_list("id", flat=True)) == line_ids
    assert AuditEvent.objects.count() == audits


def test_new_contribution_refreshes_the_draft(setup):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    pr(identity, repo, 3)
    assert term_evaluate(term=term, now=NOW).outcomes == {"refreshed": 1}
    record = record_of(identity, term)
    assert record.credits == 1 and record.lines.count() == 2
    event = AuditEvent.objects.get(action="credit_record_refresh")
    assert event.data["previous_credits"] == "0.50" and event.data["credits"] == "1.00"


def test_maturing_contribution_counts_once_its_date_comes(setup):
    term, identity, repo = setup
    pr(identity, repo, 15, month=12)
    term_evaluate(term=term, now=NOW)
    line = record_of(identity, term).lines.get()
    assert line.outcome == "pending" and line.reason == "counts from 2026-12-22"
    term_evaluate(term=term, now=NOW + dt.timedelta(days=3))
    assert record_of(identity, term).credits == Decimal("0.5")


@pytest.mark.parametrize(("move", "status"), [(submit, RecordStatus.SUBMITTED), (reject, RecordStatus.REJECTED)],
                         ids=["submitted", "rejected"])
def test_submitted_and_rejected_records_are_never_changed(setup, move, status):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    record = record_of(identity, term)
    move(record)
    pr(identity, repo, 2)
    assert term_evaluate(term=term, now=NOW).outcomes == {f"left {status}": 1}
    again = record_of(identity, term)
    assert again.credits == Decimal("0.5") and again.lines.count() == 1 and again.status == status
    assert not CreditRecord.objects.filter(kind=RecordKind.ADJUSTMENT).exists()


def test_change_to_an_approved_total_becomes_one_adjustment_for_review(setup):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    base = record_of(identity, term)
    approve(base)
    pr(identity, repo, 2)
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment created": 1}
    base.refresh_from_db()
    assert base.credits == Decimal("0.5") and base.lines.count() == 1  # the approved record is untouched
    adj = CreditRecord.objects.get(kind=RecordKind.ADJUSTMENT)
    assert adj.adjusts_id == base.id and adj.status == RecordStatus.DRAFT
    assert adj.credits == Decimal("0.5") and adj.target_credits == Decimal(1) and adj.lines.count() == 2
    # Re-running creates nothing new.
    assert term_evaluate(term=term, now=NOW).outcomes == {"unchanged": 1}
    assert CreditRecord.objects.filter(kind=RecordKind.ADJUSTMENT).count() == 1


def test_negative_adjustment_when_a_maintainer_marks_spam_after_approval(setup):
    term, identity, repo = setup
    first = pr(identity, repo, 1)
    pr(identity, repo, 2)
    term_evaluate(term=term, now=NOW)
    base = record_of(identity, term)
    assert base.credits == 1
    approve(base)
    first.labels = ["spam"]
    first.save()
    term_evaluate(term=term, now=NOW)
    adj = CreditRecord.objects.get(kind=RecordKind.ADJUSTMENT)
    assert adj.credits == Decimal("-0.5") and adj.target_credits == Decimal("0.5")


# A rejection is final, so "rejected, then approved" is two records' stories, not one record's.
@pytest.mark.parametrize(("decide", "outcome"), [(reject, "adjustment already decided"), (approve, "unchanged")],
                         ids=["rejected", "approved"])
def test_a_decided_adjustment_is_not_proposed_again(setup, decide, outcome):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    approve(record_of(identity, term))
    pr(identity, repo, 2)
    term_evaluate(term=term, now=NOW)
    decide(CreditRecord.objects.get(kind=RecordKind.ADJUSTMENT))
    assert term_evaluate(term=term, now=NOW).outcomes == {outcome: 1}
    assert CreditRecord.objects.filter(kind=RecordKind.ADJUSTMENT).count() == 1


def approved_with_open_adjustment(setup):
    """An approved record, then one more PR: the evaluation proposes one adjustment for review."""
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    approve(record_of(identity, term))
    extra = pr(identity, repo, 2)
    term_evaluate(term=term, now=NOW)
    return term, identity, repo, extra, CreditRecord.objects.get(kind=RecordKind.ADJUSTMENT)


def test_adjustment_in_review_is_not_stacked_and_a_moot_draft_is_withdrawn(setup):
    term, identity, repo, extra, adj = approved_with_open_adjustment(setup)
    submit(adj)
    pr(identity, repo, 3)
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment in review": 1}
    record_withdraw(record_id=adj.pk, actor=adj.student, now=NOW)  # back to draft before any stage decided it
    extra.delete()
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment refreshed": 1}
    adj.refresh_from_db()
    assert adj.credits == Decimal("0.5") and adj.target_credits == Decimal(1)
    for c in identity.contributions.order_by("-merged_at")[:1]:
        c.delete()
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment withdrawn": 1}
    assert not CreditRecord.objects.filter(kind=RecordKind.ADJUSTMENT).exists()


def test_total_cap_counts_credit_approved_in_earlier_terms(setup):
    term, identity, repo = setup
    for day in range(1, 8):
        pr(identity, repo, day)
    term_evaluate(term=term, now=NOW)
    base = record_of(identity, term)
    assert base.credits == 2  # per-term cap
    approve(base)
    later = spring()
    for day in range(1, 8):
        ContributionFactory(identity=identity, repository=repo, merged_at=dt.datetime(2027, 4, day, 4, tzinfo=UTC))
    term_evaluate(term=later, now=dt.datetime(2027, 6, 1, tzinfo=UTC))
    assert record_of(identity, later).credits == 1  # total cap 3 minus 2 approved
    assert record_of(identity, later).caps_applied == ["caps.per_student_total"]


def test_a_new_version_cannot_take_over_a_term_with_decided_records(setup):
    from credits.models import PolicyVersion
    from credits.rules import PolicyError

    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    base = record_of(identity, term)
    approve(base)
    with translation.override("en"), pytest.raises(
            PolicyError, match="term 2026-autumn already has submitted or decided records under version s1"):
        publish(simple_policy("s2", "2026-08-20"))
    assert not PolicyVersion.objects.filter(version="s2").exists()
    assert CreditRecord.objects.get(id=base.id).policy_version.version == "s1"


def test_a_draft_moves_to_the_version_that_now_applies(setup):
    term, identity, repo = setup
    pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    publish(simple_policy("s2", "2026-08-20").replace("points: 10", "points: 20"))
    assert term_evaluate(term=term, now=NOW).outcomes == {"refreshed": 1}
    record = record_of(identity, term)
    assert record.policy_version.version == "s2" and record.credits == 1


def test_a_record_whose_contributions_vanish_is_refreshed_to_zero(setup):
    term, identity, repo = setup
    c = pr(identity, repo, 1)
    term_evaluate(term=term, now=NOW)
    c.delete()
    assert term_evaluate(term=term, now=NOW).outcomes == {"refreshed": 1}
    assert record_of(identity, term).credits == 0


def test_term_without_policy_is_a_clear_error():
    term = spring()
    with pytest.raises(NoPolicyForTerm, match="2027-spring"):
        term_evaluate(term=term, now=NOW)


def test_reviews_count_in_the_term_they_were_made_when_the_policy_lists_them():
    term = autumn()
    publish(simple_policy().replace("pull_request: {points: 10, min_changed_lines: 5}",
                                    "pull_request: {points: 10, min_changed_lines: 5}\n  review: {points: 5}"))
    identity = ForgeIdentityFactory()
    repo = RepositoryFactory(tier="standard")
    ContributionFactory(identity=identity, repository=repo, kind="review", merged_at=None, additions=None,
                        deletions=None, created_at=dt.datetime(2026, 10, 5, tzinfo=UTC))
    ContributionFactory(identity=identity, repository=repo, kind="review", merged_at=None,
                        created_at=dt.datetime(2026, 3, 5, tzinfo=UTC))  # another term: not this record's
    term_evaluate(term=term, now=NOW)
    line = record_of(identity, term).lines.get()
    assert line.outcome == "credited" and line.rule == "kinds.review" and line.points == 5


def test_a_returned_adjustment_is_kept_for_review_and_not_withdrawn_or_stacked(setup):
    term, identity, repo, extra, adj = approved_with_open_adjustment(setup)
    send_back(adj)
    pr(identity, repo, 3)  # a newer delta: the returned adjustment stays as the reviewer left it
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment in review": 1}
    adj.refresh_from_db()
    assert adj.credits == Decimal("0.5") and adj.target_credits == Decimal(1) and adj.lines.count() == 2
    assert CreditRecord.objects.filter(kind=RecordKind.ADJUSTMENT).count() == 1
    extra.delete()
    for c in identity.contributions.order_by("-merged_at")[:1]:
        c.delete()  # the approved total is right again, yet the returned adjustment is not deleted
    assert term_evaluate(term=term, now=NOW).outcomes == {"unchanged": 1}
    adj.refresh_from_db()
    assert adj.status == RecordStatus.RETURNED and adj.lines.count() == 2
    assert not AuditEvent.objects.filter(action="credit_adjustment_withdraw").exists()


def test_withdrawing_a_moot_draft_adjustment_is_audited_with_what_it_proposed(setup):
    term, identity, repo, extra, adj = approved_with_open_adjustment(setup)
    extra.delete()
    assert term_evaluate(term=term, now=NOW).outcomes == {"adjustment withdrawn": 1}
    event = AuditEvent.objects.get(action="credit_adjustment_withdraw", subject_id=str(adj.id))
    assert event.data["credits"] == "0.50" and event.data["target"] == "1.00" and event.data["lines"] == 2
