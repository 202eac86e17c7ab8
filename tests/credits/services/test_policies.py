"""Publishing policy versions and terms: immutability, overlaps, the version a term uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from credits.models import AuditEvent, PolicyVersion
from credits.rules import PolicyError
from credits.services.policies import (
    NoPolicyForTerm,
    TermOverlap,
    policy_for_term,
    policy_publish,
    policy_validate,
    term_create,
)

from .rules_helpers import DEFAULT, autumn, publish, simple_policy, spring

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Exact-message assertions are in English; the default, Chinese, is tested with `manage.py policy`."""
    with translation.override("en"):
        yield


def test_publishing_stores_the_source_the_document_and_an_audit_row():
    result = policy_publish(text=DEFAULT.read_text(encoding="utf-8"), source="default.yaml")
    version = result.version
    assert result.created and version.version == "2025.1" and version.course_code == "AIOS1001"
    assert version.approval_stages == ["department", "academic_affairs"]
    assert version.document["kinds"]["pull_request"]["min_changed_lines"] == 5
    assert AuditEvent.objects.filter(action="policy_publish", subject_id=str(version.id)).exists()


def test_publishing_the_same_file_twice_keeps_one_version():
    first = policy_publish(text=simple_policy(), source="a.yaml")
    again = policy_publish(text=simple_policy(), source="a.yaml")
    assert not again.created and again.version.id == first.version.id
    assert PolicyVersion.objects.count() == 1


def test_overlapping_explicit_dates_are_refused_and_nothing_is_published():
    publish(simple_policy("v1", "2026-08-01", until="2027-07-31"))
    with pytest.raises(PolicyError) as info:
        policy_publish(text=simple_policy("v2", "2027-02-01"), source="v2.yaml")
    (problem,) = info.value.problems
    assert problem.field == "effective_from" and "overlap published version v1" in problem.message
    assert str(problem).startswith("v2.yaml: effective_from:")
    assert list(PolicyVersion.objects.values_list("version", flat=True)) == ["v1"]


def test_new_version_whose_range_contains_an_existing_start_is_refused():
    publish(simple_policy("v1", "2027-08-01"))
    with pytest.raises(PolicyError, match="overlap published version v1"):
        policy_validate(text=simple_policy("v0", "2026-08-01", until="2027-12-31"), source="v0.yaml")


def test_same_version_label_is_refused():
    publish(simple_policy("v1", "2026-08-01"))
    with pytest.raises(PolicyError, match="already published"):
        policy_validate(text=simple_policy("v1", "2027-08-01"), source="x.yaml")


def test_an_open_ended_version_is_superseded_by_a_later_one():
    term = autumn()
    publish(simple_policy("v1", "2025-08-01"))
    assert policy_for_term(term=term).version == "v1"
    publish(simple_policy("v2", "2026-08-15"))
    assert policy_for_term(term=term).version == "v2"
    later = term_create(code="2027-autumn", name_zh="2027 秋", name_en="Autumn 2027",
                        starts_on=dt.date(2027, 9, 1), ends_on=dt.date(2028, 1, 31))
    assert policy_for_term(term=later).version == "v2"


def test_policy_applies_when_its_dates_cover_the_term_start():
    publish(simple_policy("v1", "2026-08-01", until="2026-12-31"))
    assert policy_for_term(term=autumn()).version == "v1"
    with pytest.raises(NoPolicyForTerm, match="no published credit policy covers term 2027-spring"):
        policy_for_term(term=spring())


def test_a_term_without_policy_says_how_to_fix_it():
    with pytest.raises(NoPolicyForTerm) as info:
        policy_for_term(term=autumn())
    assert "policy load" in str(info.value)


def test_overlapping_terms_are_refused():
    autumn()
    with pytest.raises(TermOverlap, match="overlaps 2026-autumn"):
        term_create(code="2027-winter", name_zh="冬", name_en="Winter", starts_on=dt.date(2027, 1, 15),
                    ends_on=dt.date(2027, 2, 20))


def test_term_code_format_is_enforced():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        term_create(code="fall26", name_zh="秋", name_en="Fall", starts_on=dt.date(2026, 9, 1),
                    ends_on=dt.date(2027, 1, 31))


def test_a_published_version_cannot_be_edited_or_deleted_through_the_orm():
    from credits.models.policy import ImmutableError

    version = publish()
    version.course_code = "CHANGED"
    with pytest.raises(ImmutableError):
        version.save()
    with pytest.raises(ImmutableError):
        PolicyVersion.objects.filter(id=version.id).update(course_code="CHANGED")
    with pytest.raises(ImmutableError):
        PolicyVersion.objects.all().delete()
    with pytest.raises(ImmutableError):
        version.delete()
    assert PolicyVersion.objects.get().course_code == "AI101"


@pytest.mark.parametrize("action", ["validate", "load"])
def test_policy_command_refuses_a_directory_with_a_message_naming_it(tmp_path, action):
    from io import StringIO

    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError) as info:
        call_command("policy", action, str(tmp_path), "--lang", "en", stdout=StringIO(), stderr=StringIO())
    assert str(info.value).startswith(f"{tmp_path}: cannot read")
    assert not PolicyVersion.objects.exists()


def _slowed(monkeypatch, name: str) -> None:
    """Widen the gap between a service's check and its insert, so unserialised writers would both pass it."""
    import time

    from credits.services import policies

    check = getattr(policies, name)

    def slow(*args, **kwargs):
        result = check(*args, **kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(policies, name, slow)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_publications_of_overlapping_versions_publish_only_one(postgres_only, monkeypatch):
    from .test_evaluation_concurrency import _in_threads

    _slowed(monkeypatch, "_overlap_problems")
    texts = iter([simple_policy("a1"), simple_policy("b1")])
    errors = _in_threads(2, lambda: policy_publish(text=next(texts), source="race.yaml"))
    assert PolicyVersion.objects.count() == 1
    assert len(errors) == 1 and isinstance(errors[0], PolicyError)
    # The loser's refusal names the winner's overlap (its language is the thread's, LANGUAGE_CODE: not asserted).
    (problem,) = errors[0].problems
    assert problem.field == "effective_from" and PolicyVersion.objects.get().version in problem.message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_of_overlapping_terms_creates_only_one(postgres_only, monkeypatch):
    from credits.models import Term

    from .test_evaluation_concurrency import _in_threads

    _slowed(monkeypatch, "term_check_dates")
    codes = iter(["2026-autumn", "2026-winter"])
    errors = _in_threads(2, lambda: term_create(code=next(codes), name_zh="秋", name_en="Autumn",
                                                starts_on=dt.date(2026, 9, 1), ends_on=dt.date(2027, 1, 31)))
    assert Term.objects.count() == 1
    assert len(errors) == 1 and isinstance(errors[0], TermOverlap)


def test_a_term_added_in_the_admin_is_created_by_the_service_with_its_audit_row(client):
    from django.urls import reverse

    from credits.models import Term
    from tests.factories import UserFactory

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    form = {"code": "2027-spring", "name_zh": "春", "name_en": "Spring",
            "starts_on": "2027-03-01", "ends_on": "2027-06-30"}
    response = client.post(reverse("admin:credits_term_add"), form)
    assert response.status_code == 302
    term = Term.objects.get(code="2027-spring")
    event = AuditEvent.objects.get(action="term_create", subject_id=str(term.id))
    assert event.actor == root and event.data == {"code": "2027-spring", "starts_on": "2027-03-01",
                                                  "ends_on": "2027-06-30"}
