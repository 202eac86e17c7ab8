"""Admin writes to terms, departments, student profiles and reviewer mandates go through services and are audited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Department, Mandate, StudentProfile
from accounts.roles import Role, has_role
from credits.models import AuditEvent, Term
from credits.services.policies import term_create
from tests.factories import DepartmentFactory, UserFactory, student

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(username="op", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


def _events(action: str):
    return list(AuditEvent.objects.filter(action=action))


def test_editing_a_term_in_the_admin_goes_through_the_service_and_is_audited(client, operator):
    term = term_create(code="2026-autumn", name_zh="秋", name_en="Autumn", starts_on=dt.date(2026, 9, 1),
                       ends_on=dt.date(2027, 1, 31))
    url = reverse("admin:credits_term_change", args=[term.pk])
    response = client.post(url, {"code": "2026-autumn", "name_zh": "2026 秋季学期", "name_en": "Autumn",
                                 "starts_on": "2026-09-01", "ends_on": "2027-01-31"})

    assert response.status_code == 302
    assert Term.objects.get(pk=term.pk).name_zh == "2026 秋季学期"
    [event] = _events("term_update")
    assert event.actor == operator and event.data["changed"] == {"name_zh": ["秋", "2026 秋季学期"]}


def test_an_overlapping_term_edit_is_refused_without_a_write(client, operator):
    term_create(code="2026-autumn", name_zh="秋", name_en="Autumn", starts_on=dt.date(2026, 9, 1),
                ends_on=dt.date(2027, 1, 31))
    spring = term_create(code="2027-spring", name_zh="春", name_en="Spring", starts_on=dt.date(2027, 2, 20),
                         ends_on=dt.date(2027, 7, 10))
    response = client.post(reverse("admin:credits_term_change", args=[spring.pk]), {
        "code": "2027-spring", "name_zh": "春", "name_en": "Spring", "starts_on": "2027-01-15",
        "ends_on": "2027-07-10"})

    assert response.status_code == 200 and "与 2026-autumn（2026-09-01..2027-01-31）重叠" in response.content.decode()
    assert Term.objects.get(pk=spring.pk).starts_on == dt.date(2027, 2, 20) and not _events("term_update")


def test_adding_and_changing_a_department_in_the_admin_is_audited(client, operator):
    client.post(reverse("admin:accounts_department_add"), {"code": "cs", "name": "计算机学院", "name_en": "CS"})
    department = Department.objects.get(code="cs")
    client.post(reverse("admin:accounts_department_change", args=[department.pk]),
                {"code": "cs", "name": "计算机科学与技术学院", "name_en": "CS"})

    created, changed = _events("department_save")
    assert created.data["created"] is True and created.actor == operator
    assert changed.data == {"created": False, "fields": {"name": "计算机科学与技术学院"}}


def test_changing_a_student_profile_in_the_admin_is_audited(client, operator):
    profile = student()
    other = DepartmentFactory()
    response = client.post(reverse("admin:accounts_studentprofile_change", args=[profile.pk]), {
        "user": profile.user.pk, "student_id": profile.student_id, "name": profile.name, "department": other.pk,
        "programme": "", "enrolment_year": "", "advisor": "",
        "roster_hints-TOTAL_FORMS": "0", "roster_hints-INITIAL_FORMS": "0"})

    assert response.status_code == 302, response.content.decode()[:2000]
    assert StudentProfile.objects.get(pk=profile.pk).department == other
    [event] = _events("student_profile_save")
    assert event.data["fields"] == {"department": str(other.pk)} and event.actor == operator


def test_a_mandate_added_in_the_admin_grants_the_role_through_the_service(client, operator):
    reviewer, department = UserFactory(), DepartmentFactory()
    response = client.post(reverse("admin:accounts_mandate_add"),
                           {"user": reviewer.pk, "stage": "department", "department": department.pk})

    assert response.status_code == 302
    assert has_role(reviewer, Role.REVIEWER)
    assert Mandate.objects.get(user=reviewer).granted_by == operator
    [event] = _events("role_grant")
    assert event.data == {"departments": [department.code], "stage": "department"}


def test_deleting_a_mandate_in_the_admin_revokes_it_with_an_audit_row(client, operator):
    from accounts.services.roles import role_grant

    reviewer = UserFactory()
    [mandate] = role_grant(user=reviewer, role=Role.REVIEWER, actor=operator, stage="academic_affairs")
    response = client.post(reverse("admin:accounts_mandate_delete", args=[mandate.pk]), {"post": "yes"})

    assert response.status_code == 302 and not Mandate.objects.exists()
    assert not has_role(UserFactory._meta.model.objects.get(pk=reviewer.pk), Role.REVIEWER)
    [event] = _events("role_revoke")
    assert event.data == {"stage": "academic_affairs", "departments": []}


def test_a_mandate_cannot_be_edited_in_place(client, operator):
    from accounts.services.roles import role_grant

    [mandate] = role_grant(user=UserFactory(), role=Role.REVIEWER, actor=operator, departments=[DepartmentFactory()])
    response = client.post(reverse("admin:accounts_mandate_change", args=[mandate.pk]),
                           {"user": mandate.user_id, "stage": "other", "department": ""})

    assert response.status_code == 403 and Mandate.objects.get(pk=mandate.pk).stage == "department"
