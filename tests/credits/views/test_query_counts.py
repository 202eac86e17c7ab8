"""Every portal page runs a fixed number of queries, whatever the data size (measured at two sizes)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.models import CreditRecord, Repository, Term
from credits.services.evaluation import term_evaluate
from credits.services.exports import batch_book, batch_create, batch_render
from credits.services.policies import term_update
from credits.services.records import (
    notice_close,
    record_adjust,
    record_approve,
    record_object,
    record_reject,
    record_return,
    record_submit,
)
from tests.credits.services.records_helpers import Uni, build_uni
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory, student

from .conftest import staff, university
from .test_portal_pages import signed_in

pytestmark = pytest.mark.django_db
MAX_QUERIES = 15  # the budget per page


def _measure(client, pages, assert_max) -> tuple[dict[str, int], dict[str, int]]:
    """Queries per page (each at most MAX_QUERIES) and, for pages given a row marker, how many rows they show."""
    counts, rows = {}, {}
    for label, user, url, marker in pages:
        client.logout()
        signed_in(client, user)
        client.get(url)  # the first request warms the session
        with assert_max(MAX_QUERIES, info=label) as queries:
            response = client.get(url)
        assert response.status_code == 200, label
        counts[label] = len(queries)
        if marker:
            rows[label] = response.content.decode().count(marker)
    return counts, rows


def _outside_term(identity, repository, n: int) -> None:
    """Contributions merged before any term, which the credit page lists with their reason."""
    for k in range(n):
        ContributionFactory(identity=identity, repository=repository,
                            merged_at=timezone.now() - dt.timedelta(days=400 + k))


def _grow(first_student, *, students: int, prs: int) -> None:
    """More students, and many more contributions for the measured student, in the same term."""
    repos = list(Repository.objects.all())
    identity = first_student.user.identities.get()
    for k in range(prs):
        ContributionFactory(identity=identity, repository=repos[k % len(repos)],
                            merged_at=timezone.now() - dt.timedelta(days=5 + k % 40), additions=10 + k)
    for _ in range(students):
        profile = student()
        ForgeIdentityFactory(user=profile.user)
    _outside_term(identity, repos[0], 5)
    term_evaluate(term=Term.objects.get(), now=timezone.now())


def _portal_pages(people) -> list[tuple[str, object, str, str]]:
    """(label, viewer, url, row marker) of the student's own pages and the registrar's and operator's overviews."""
    mine = [(name, people["student"], reverse(name), "") for name in
            ("home", "my_credit", "my_contributions", "forge_accounts")]
    return [*mine, ("registrar_overview", people["registrar"], reverse("registrar_overview"), ""),
            ("sync_dashboard", people["operator"], reverse("sync_dashboard"), "")]


def test_page_queries_do_not_grow_with_the_data(client, django_assert_max_num_queries):
    _, students = university(2, 3)
    people = {"student": students[0].user, "registrar": staff("registrar", Role.REGISTRAR),
              "operator": staff("operator", Role.OPERATOR)}
    _outside_term(students[0].user.identities.get(), Repository.objects.first(), 1)
    small, _ = _measure(client, _portal_pages(people), django_assert_max_num_queries)
    _grow(students[0], students=4, prs=25)
    large, _ = _measure(client, _portal_pages(people), django_assert_max_num_queries)
    assert large == small


# The workflow's and the people pages, at a university with two departments and three stages (advisor,
# department, university); each round adds records at every point of the workflow, decisions and export batches.
@dataclass
class Workflow:
    uni: Uni
    repos: list
    registrar: object
    focus: CreditRecord | None = None  # the record whose page is measured, as its student and as its reviewer


def _advisees(world: Workflow, n: int, prs: int) -> list[CreditRecord]:
    """`n` new cs students advised by the advisor, `prs` merged PRs each, evaluated into draft records."""
    profiles = [student(department=world.uni.alice.department, advisor=world.uni.advisor) for _ in range(n)]
    for profile in profiles:
        role_grant(user=profile.user, role=Role.STUDENT, actor=None)
        identity = ForgeIdentityFactory(user=profile.user)
        for k in range(prs):
            ContributionFactory(identity=identity, repository=world.repos[k % len(world.repos)],
                                merged_at=timezone.now() - dt.timedelta(days=20 + k), additions=40 + k)
    term_evaluate(term=world.uni.term, now=timezone.now(), student_ids=[p.user_id for p in profiles])
    return [CreditRecord.objects.get(student=p.user, term=world.uni.term) for p in profiles]


def _to_department(world: Workflow, record: CreditRecord, when=None) -> None:
    record_submit(record_id=record.pk, actor=record.student, now=when)
    record_approve(record_id=record.pk, actor=world.uni.advisor, now=when)


def _to_notice(world: Workflow, record: CreditRecord, when=None) -> None:
    _to_department(world, record, when)
    record_approve(record_id=record.pk, actor=world.uni.dean_cs, now=when)
    record_approve(record_id=record.pk, actor=world.uni.registry, now=when, reason="ok")


def _round(world: Workflow, k: int) -> None:
    """`k` more records at each point of the workflow and `k` more export batches; a new focus record with
    more evidence lines and a longer history."""
    records = iter(_advisees(world, 7 * k, 2))
    for _ in range(k):
        record_submit(record_id=next(records).pk, actor=None)  # waits for the advisor
        _to_department(world, next(records))  # waits for dean_cs
        _to_notice(world, next(records))  # on public notice
        objected = next(records)
        _to_notice(world, objected)
        record_object(record_id=objected.pk, actor=world.uni.bob.user, reason="PR 2 is mine")  # back to registry
        returned = next(records)
        record_submit(record_id=returned.pk, actor=returned.student)
        record_return(record_id=returned.pk, actor=world.uni.advisor, reason="add a statement")
        rejected = next(records)
        _to_department(world, rejected)
        record_reject(record_id=rejected.pk, actor=world.uni.dean_cs, reason="not open source")
        exported = next(records)  # its notice ended long ago: approved, then booked in a batch of its own
        _to_notice(world, exported, when=timezone.now() - dt.timedelta(days=20))
        notice_close()
        batch = batch_create(term=world.uni.term, actor=world.registrar)
        batch_render(batch_id=batch.id)
        batch_book(batch_id=batch.id, actor=world.registrar, note="loaded")
    (focus,) = _advisees(world, 1, 2 + 2 * k)
    for _ in range(k):
        record_submit(record_id=focus.pk, actor=focus.student, statement="my PRs")
        record_return(record_id=focus.pk, actor=world.uni.advisor, reason="which PRs?")
    _to_department(world, focus)
    record_adjust(record_id=focus.pk, actor=world.uni.dean_cs, credits="0.5", reason="one PR is a typo fix")
    world.focus = focus


def _workflow_pages(world: Workflow) -> list[tuple[str, object, str, str]]:
    """(label, viewer, url, what marks one row) of every workflow and people page, seen by the role using it."""
    uni, focus = world.uni, world.focus
    record, queue = reverse("record_detail", args=[focus.pk]), reverse("review_queue")
    every_filter = queue + "?mine=0&term=2026-autumn&department=cs&stage={}&status={}"
    return [
        ("record_detail/student", focus.student, record, 'class="line-'),
        ("record_detail/reviewer", uni.dean_cs, record, "<li><span"),
        ("my_credit/student", focus.student, reverse("my_credit"), 'class="line-'),
        ("review_queue/department", uni.dean_cs, queue, 'type="checkbox"'),
        ("review_queue/department-all", uni.dean_cs, queue + "?mine=0", 'href="/records/'),
        ("review_queue/department-filtered", uni.dean_cs, every_filter.format("department", "in_review"),
         'href="/records/'),
        ("review_queue/advisor", uni.advisor, queue, 'type="checkbox"'),
        ("review_queue/advisor-filtered", uni.advisor, every_filter.format("advisor", "submitted"), 'href="/records/'),
        ("review_queue/university", uni.registry, queue, 'type="checkbox"'),
        ("review_backlog", world.registrar, reverse("review_backlog"), ""),
        ("public_notice/student", uni.bob.user, reverse("public_notice"), 'id="notice-'),
        ("public_notice/all", uni.dean_cs, reverse("public_notice") + "?department=", 'id="notice-'),
        ("export_list", world.registrar, reverse("export_list"), 'id="batch-'),
        ("home/reviewer", uni.dean_cs, reverse("home"), ""),
        ("student_list/reviewer", uni.dean_cs, reverse("student_list"), 'href="/students/'),
        ("student_detail/reviewer", uni.dean_cs, reverse("student_detail", args=[focus.student.student.student_id]),
         'href="https://example.invalid/'),
        ("roster_upload", world.registrar, reverse("roster_upload"), ""),
    ]


def test_workflow_and_people_pages_do_not_grow_with_the_data(client, settings, tmp_path,
                                                            django_assert_max_num_queries):
    settings.MEDIA_ROOT = tmp_path / "media"
    uni = build_uni()
    yesterday = str(timezone.localdate() - dt.timedelta(days=1))  # the queue and the backlog mark records overdue
    term_update(term_id=uni.term.pk, review_deadlines={"advisor": yesterday, "department": yesterday})
    world = Workflow(uni, [RepositoryFactory(path=f"org/lab{i}", tier="standard") for i in range(3)],
                     staff("registrar", Role.REGISTRAR))
    _round(world, 1)
    small, small_rows = _measure(client, _workflow_pages(world), django_assert_max_num_queries)
    _round(world, 3)
    large, large_rows = _measure(client, _workflow_pages(world), django_assert_max_num_queries)
    assert all(0 < small_rows[page] < large_rows[page] for page in small_rows), (small_rows, large_rows)
    assert large == small
