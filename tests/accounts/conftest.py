"""A small university for access tests: two departments, students, reviewers, registrar, operator, records."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from accounts.models import StudentProfile, User
from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import Contribution
from credits.models.policy import PolicyVersion, Term
from credits.models.records import CreditLine, CreditRecord, LineOutcome
from credits.services.records import record_approve, record_submit
from tests.factories import ContributionFactory, DepartmentFactory, ForgeIdentityFactory, UserFactory, student


@dataclass
class People:
    """Everyone in the access matrix, and one object of each kind owned by student A."""

    student_a: StudentProfile
    student_a2: StudentProfile  # same department as A
    student_b: StudentProfile  # other department
    reviewer_a: User
    reviewer_b: User
    registrar: User
    operator: User
    contribution_a: Contribution
    contribution_b: Contribution
    record_a: CreditRecord  # submitted by A, waiting at the department stage
    record_b: CreditRecord  # submitted by B, approved by reviewer_b

    def user(self, role: str) -> User | None:
        """The user behind a matrix role name (None for anonymous)."""
        return {
            "anonymous": None, "student": self.student_a.user, "other_student": self.student_b.user,
            "reviewer_same_dept": self.reviewer_a, "reviewer_other_dept": self.reviewer_b,
            "registrar": self.registrar, "operator": self.operator,
        }[role]


def matrix_policy_document() -> dict:
    """A valid policy whose one approval stage is the reviewers' department mandate."""
    from credits.rules import parse_policy
    from tests.credits.services.rules_helpers import simple_policy

    text = simple_policy(version="test-1").replace(
        "approval: {stages: [faculty]}",
        "approval: {stages: [{key: department, name_zh: 学院审核, name_en: Department review, scope: department}]}")
    return parse_policy(text, "test.yaml").model_dump(mode="json")


def make_record(user: User, *, term: Term, policy: PolicyVersion, contribution=None, **fields) -> CreditRecord:
    """A draft credit record (with one credited line), as evaluation writes one; the workflow moves it on."""
    record = CreditRecord.objects.create(
        student=user, term=term, policy_version=policy, course_code="OSAI101", credits=1,
        evaluated_at=timezone.now(), **fields,
    )
    if contribution is not None:
        CreditLine.objects.create(record=record, contribution=contribution, contribution_key=str(contribution.pk),
                                  position=1, outcome=LineOutcome.CREDITED, rule="merged_pr", reason="ok",
                                  reason_zh="通过")
    return record


def submitted(record: CreditRecord) -> CreditRecord:
    """The student sends the record to the policy's one stage (department)."""
    return record_submit(record_id=record.pk, actor=record.student)


def approved(record: CreditRecord, *, by: User) -> CreditRecord:
    """Submitted, then approved at the department stage by `by` (the student's department reviewer)."""
    return record_approve(record_id=submitted(record).pk, actor=by)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's 1M rounds are for attackers, not for building a dozen test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(db) -> People:
    """Build the matrix's world with the role and record services, as production would."""
    dept_a = DepartmentFactory(code="cs", name="计算机学院", name_en="Computer Science")
    dept_b = DepartmentFactory(code="math", name="数学学院", name_en="Mathematics")
    a, a2, b = student(department=dept_a), student(department=dept_a), student(department=dept_b)
    for s in (a, a2, b):
        role_grant(user=s.user, role=Role.STUDENT, actor=None)
    reviewer_a, reviewer_b = UserFactory(username="rev_cs"), UserFactory(username="rev_math")
    role_grant(user=reviewer_a, role=Role.REVIEWER, actor=None, departments=[dept_a])
    role_grant(user=reviewer_b, role=Role.REVIEWER, actor=None, departments=[dept_b])
    registrar = UserFactory(username="registrar")
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    operator = UserFactory(username="operator")
    role_grant(user=operator, role=Role.OPERATOR, actor=None)
    contribution_a = ContributionFactory(identity=ForgeIdentityFactory(user=a.user))
    contribution_b = ContributionFactory(identity=ForgeIdentityFactory(user=b.user))
    term = Term.objects.create(code="2026-autumn", name_zh="2026秋", name_en="Autumn 2026",
                               starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 1, 20))
    policy = PolicyVersion.objects.create(
        version="test-1", title_zh="测试", title_en="Test", effective_from=dt.date(2026, 9, 1), course_code="OSAI101",
        source_name="test.yaml", source_text="{}", sha256="0" * 64, document=matrix_policy_document(),
        published_at=timezone.now(),
    )
    return People(
        student_a=a, student_a2=a2, student_b=b, reviewer_a=reviewer_a, reviewer_b=reviewer_b,
        registrar=registrar, operator=operator, contribution_a=contribution_a, contribution_b=contribution_b,
        record_a=submitted(make_record(a.user, term=term, policy=policy, contribution=contribution_a)),
        record_b=approved(make_record(b.user, term=term, policy=policy, contribution=contribution_b), by=reviewer_b),
    )
