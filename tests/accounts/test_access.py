"""Access selectors scope every queryset by role in the query itself."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.access import (
    audit_events_visible_to,
    contributions_visible_to,
    credit_lines_visible_to,
    departments_visible_to,
    identities_visible_to,
    records_visible_to,
    students_visible_to,
)
from accounts.roles import Role
from accounts.services.roles import role_grant, role_revoke
from credits.models import AuditEvent

pytestmark = pytest.mark.django_db


def ids(qs) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def test_student_sees_only_themselves(people):
    user = people.student_a.user
    assert ids(students_visible_to(user)) == {people.student_a.pk}
    assert ids(contributions_visible_to(user)) == {people.contribution_a.pk}
    assert ids(records_visible_to(user)) == {people.record_a.pk}
    assert ids(identities_visible_to(user)) == {people.contribution_a.identity_id}
    assert set(departments_visible_to(user).values_list("code", flat=True)) == {"cs"}


def test_reviewer_sees_only_their_department(people):
    user = people.reviewer_a
    assert ids(students_visible_to(user)) == {people.student_a.pk, people.student_a2.pk}
    assert ids(contributions_visible_to(user)) == {people.contribution_a.pk}
    assert ids(records_visible_to(user)) == {people.record_a.pk}
    assert set(departments_visible_to(user).values_list("code", flat=True)) == {"cs"}


def test_reviewer_of_two_departments_sees_both_without_duplicates(people):
    role_grant(user=people.reviewer_a, role=Role.REVIEWER, actor=people.operator,
               departments=[people.student_b.department])
    records = records_visible_to(people.reviewer_a)
    assert ids(records) == {people.record_a.pk, people.record_b.pk}
    assert records.count() == 2
    assert students_visible_to(people.reviewer_a).count() == 3


def test_registrar_sees_approved_records_only(people):
    user = people.registrar
    assert ids(records_visible_to(user)) == {people.record_b.pk}
    assert ids(credit_lines_visible_to(user)) == set(people.record_b.lines.values_list("pk", flat=True))
    # Contributions only as far as an approved record credits them.
    assert ids(contributions_visible_to(user)) == {people.contribution_b.pk}
    assert students_visible_to(user).count() == 3


def test_operator_sees_everything(people):
    user = people.operator
    assert ids(records_visible_to(user)) == {people.record_a.pk, people.record_b.pk}
    assert ids(contributions_visible_to(user)) == {people.contribution_a.pk, people.contribution_b.pk}
    assert audit_events_visible_to(user).count() == AuditEvent.objects.count() > 0


def test_anonymous_and_inactive_users_see_nothing(people):
    people.reviewer_a.is_active = False
    for user in (AnonymousUser(), None, people.reviewer_a):
        assert not students_visible_to(user).exists()
        assert not records_visible_to(user).exists()
        assert not contributions_visible_to(user).exists()
        assert not audit_events_visible_to(user).exists()


def test_revoked_reviewer_loses_department(people):
    role_revoke(user=people.reviewer_a, role=Role.REVIEWER, actor=people.operator)
    people.reviewer_a.refresh_from_db()
    assert not records_visible_to(people.reviewer_a).exists()
    assert not students_visible_to(people.reviewer_a).exists()


def test_audit_events_follow_record_visibility(people):
    AuditEvent.objects.create(action="record_submit", subject_type="credit_record", subject_id=str(people.record_a.pk))
    AuditEvent.objects.create(action="record_approve", subject_type="credit_record", subject_id=str(people.record_b.pk))
    seen = set(audit_events_visible_to(people.student_a.user).values_list("subject_id", flat=True))
    assert seen == {str(people.record_a.pk)}


def test_scope_is_a_single_query(people, django_assert_num_queries):
    user = people.reviewer_a
    user._xuefen_roles = None  # force the role lookup to be counted
    with django_assert_num_queries(2):  # one for the roles, one for the scoped rows
        list(records_visible_to(user))


def test_registrar_does_not_see_contributions_an_approved_record_refused(people):
    from credits.models.records import CreditLine, LineOutcome
    from tests.factories import ContributionFactory

    refused = ContributionFactory(identity=people.contribution_b.identity, repository=people.contribution_b.repository)
    CreditLine.objects.create(record=people.record_b, contribution=refused, contribution_key=str(refused.pk),
                              position=2, outcome=LineOutcome.REFUSED, rule="labels", reason="label spam",
                              reason_zh="标签 spam")

    assert ids(contributions_visible_to(people.registrar)) == {people.contribution_b.pk}
    # The refusal's explanation stays readable with the approved record it belongs to.
    lines = credit_lines_visible_to(people.registrar)
    assert lines.filter(contribution=refused, outcome=LineOutcome.REFUSED).count() == 1


def test_a_university_wide_mandate_sees_every_department_and_an_advisor_their_advisees(people):
    from accounts.models import StudentProfile
    from tests.factories import UserFactory

    affairs, advisor = UserFactory(username="affairs"), UserFactory(username="advisor")
    role_grant(user=affairs, role=Role.REVIEWER, actor=None, stage="academic_affairs")
    StudentProfile.objects.filter(pk=people.student_b.pk).update(advisor=advisor)
    assert set(records_visible_to(affairs)) == {people.record_a, people.record_b}
    assert set(records_visible_to(advisor)) == {people.record_b}
