"""A small university for the portal page tests: a term, the default policy, students with contributions."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.services.evaluation import term_evaluate
from credits.services.policies import policy_publish, term_create
from tests.credits.services.rules_helpers import DEFAULT
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory, UserFactory, student


def university(n_students: int, prs_each: int):
    """`n_students` students each with `prs_each` merged PRs this term, evaluated under the default policy."""
    today = timezone.localdate()
    term = term_create(code=f"{today.year}-autumn", name_zh="本学期", name_en="This term",
                       starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=60))
    policy_publish(text=DEFAULT.read_text(encoding="utf-8").replace("2025-09-01", "2020-01-01"), source="default.yaml")
    repos = [RepositoryFactory(path=f"org/model{i}", tier="standard") for i in range(3)]
    students = []
    for _ in range(n_students):
        profile = student()
        identity = ForgeIdentityFactory(user=profile.user, platform="github")
        role_grant(user=profile.user, role=Role.STUDENT, actor=None)
        for k in range(prs_each):
            ContributionFactory(identity=identity, repository=repos[k % 3],
                                merged_at=timezone.now() - dt.timedelta(days=10 + k), additions=40 + k)
        students.append(profile)
    term_evaluate(term=term, now=timezone.now())
    return term, students


def staff(username: str, role: Role):
    """A member of staff holding one role."""
    user = UserFactory(username=username)
    role_grant(user=user, role=role, actor=None, departments=[] if role is not Role.REVIEWER else [])
    return user


@pytest.fixture
def small_university(db):
    return university(3, 4)
