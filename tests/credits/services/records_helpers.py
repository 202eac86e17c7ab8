"""A university for record lifecycle tests: two departments, an advisor, three stage holders, a notice period."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import StudentProfile, User
from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import CreditRecord, PolicyVersion, RecordKind, Term
from tests.factories import DepartmentFactory, UserFactory, student

from .rules_helpers import UTC, autumn, publish, simple_policy

STAGES = """\
approval:
  stages:
    - {key: advisor, name_zh: 导师审核, name_en: Advisor review, scope: advisor}
    - {key: department, name_zh: 学院初审, name_en: Department review, scope: department}
    - {key: academic_affairs, name_zh: 教务处终审, name_en: Academic affairs, scope: university}
  public_notice_days: 3
  holidays: [2026-10-01, 2026-10-02]
"""
# Thursday 24 September 2026, noon in Shanghai.
NOW = dt.datetime(2026, 9, 24, 4, tzinfo=UTC)


def staged_policy(stages: str = STAGES, version: str = "staged-1") -> str:
    """The simple policy with the three-stage approval section (and a notice period) instead of [faculty]."""
    text = simple_policy(version=version).replace("approval: {stages: [faculty]}\n", "")
    return text + stages


@dataclass
class Uni:
    term: Term
    policy: PolicyVersion
    alice: StudentProfile  # cs, advised by `advisor`
    bob: StudentProfile  # cs
    carol: StudentProfile  # math
    advisor: User
    dean_cs: User  # department stage, cs
    dean_math: User  # department stage, math
    registry: User  # academic_affairs, university-wide

    def record(self, profile: StudentProfile, credits: str = "1.5", **kw) -> CreditRecord:
        """A draft evaluation record for `profile` in the term."""
        return CreditRecord.objects.create(
            student=profile.user, term=self.term, policy_version=self.policy, kind=RecordKind.EVALUATION,
            course_code="AI101", credits=Decimal(credits), evaluated_at=timezone.now(), **kw)


def build_uni(policy_text: str | None = None) -> Uni:
    """Departments cs and math, students, an advisor and one holder per stage (mandates via the role service)."""
    cs = DepartmentFactory(code="cs", name="计算机学院", name_en="Computer Science")
    math = DepartmentFactory(code="math", name="数学学院", name_en="Mathematics")
    advisor = UserFactory(username="advisor", display_name="王老师")
    alice = student(department=cs, name="张小明", advisor=advisor)
    bob, carol = student(department=cs, name="李华"), student(department=math, name="赵敏")
    for s in (alice, bob, carol):
        role_grant(user=s.user, role=Role.STUDENT, actor=None)
    dean_cs, dean_math, registry = (UserFactory(username=n) for n in ("dean_cs", "dean_math", "registry"))
    role_grant(user=dean_cs, role=Role.REVIEWER, actor=None, departments=[cs], stage="department")
    role_grant(user=dean_math, role=Role.REVIEWER, actor=None, departments=[math], stage="department")
    role_grant(user=registry, role=Role.REVIEWER, actor=None, stage="academic_affairs")
    term = autumn()
    policy = publish(policy_text or staged_policy())
    return Uni(term, policy, alice, bob, carol, advisor, dean_cs, dean_math, registry)
