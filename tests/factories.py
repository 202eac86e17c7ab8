"""factory_boy factories for people, identities, repositories and contributions; shared by every test."""
from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from accounts.models import Department, ForgeIdentity, StudentProfile, User, Verification
from credits.models import Contribution, Repository

PASSWORD = "correct-horse-battery-9"


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"院系{n}")
    name_en = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.edu.cn")
    display_name = factory.LazyAttribute(lambda u: u.username)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):  # noqa: N805
        # set_password runs after the row exists; persist the hash once.
        if create:
            obj.save(update_fields=["password"])


class StudentProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudentProfile

    student_id = factory.Sequence(lambda n: f"2026{n:06d}")
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..student_id"))
    name = factory.Sequence(lambda n: f"学生{n}")
    department = factory.SubFactory(DepartmentFactory)


class ForgeIdentityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ForgeIdentity

    user = factory.SubFactory(UserFactory)
    platform = "github"
    external_id = factory.Sequence(lambda n: 100_000 + n)
    login = factory.Sequence(lambda n: f"octo{n}")
    verified_via = Verification.OAUTH
    verified_at = factory.LazyFunction(timezone.now)


class RepositoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Repository

    platform = "github"
    path = factory.Sequence(lambda n: f"open-ai-org/model{n}")
    external_id = factory.Sequence(lambda n: 900_000 + n)


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    identity = factory.SubFactory(ForgeIdentityFactory)
    repository = factory.SubFactory(RepositoryFactory, platform=factory.SelfAttribute("..platform"))
    platform = factory.LazyAttribute(lambda c: c.identity.platform)
    external_id = factory.Sequence(lambda n: 5_000_000 + n)
    number = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Fix tokenizer edge case {n}")
    url = factory.LazyAttribute(lambda c: f"https://example.invalid/{c.repository.path}/pull/{c.number}")
    created_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=3))
    merged_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    updated_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=1))
    author_login = factory.LazyAttribute(lambda c: c.identity.login)
    author_external_id = factory.LazyAttribute(lambda c: c.identity.external_id)
    additions = 40
    deletions = 5
    changed_files = 2


def student(*, department: Department | None = None, **kwargs) -> StudentProfile:
    """A student with a profile (and so a user) in `department`, or in a fresh one."""
    if department is not None:
        kwargs["department"] = department
    return StudentProfileFactory(**kwargs)
