"""The reviewer queue's reads: its counts (one grouped query serves the facets not filtered on, with the same
numbers as counting each facet on its own), whether the viewer decides each row, and the stages to filter by."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.access import records_visible_to
from accounts.models import StudentProfile
from accounts.roles import roles_of
from credits.models import CreditLine, CreditRecord, LineOutcome, RecordKind, RecordStatus
from credits.models.records import AWAITING
from credits.selectors.review import FACETS, _filtered, policy_stages, review_queue
from credits.services.records import record_approve, record_submit
from credits.services.records_rules import decidable_by
from tests.credits.services.records_helpers import build_uni
from tests.credits.services.rules_helpers import publish, simple_policy, spring
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory

pytestmark = pytest.mark.django_db


def _one_by_one(user, filters: dict[str, str]) -> tuple[dict, int]:
    """The counts as the queue used to take them: one query per facet, and a COUNT for the total."""
    base = records_visible_to(user).exclude(status=RecordStatus.DRAFT)
    if filters.get("mine", "1") == "1":
        base = base.filter(decidable_by(user))
    elif not filters.get("status"):
        base = base.filter(status__in=AWAITING)
    counts = {}
    for name, column in FACETS.items():
        rows = _filtered(base, filters, skip=name).values(column).annotate(n=Count("pk", distinct=True))
        counts[name] = sorted((r[column] or "", r["n"]) for r in rows)
    return counts, _filtered(base, filters).distinct().count()


@pytest.fixture
def uni():
    uni = build_uni()
    StudentProfile.objects.filter(pk=uni.bob.pk).update(advisor=uni.advisor)
    later = spring()
    repo, other = RepositoryFactory(path="org/lab", tier="standard"), RepositoryFactory(path="org/other")
    records = [uni.record(uni.alice), uni.record(uni.bob), uni.record(uni.carol)]
    records.append(CreditRecord.objects.create(student=uni.alice.user, term=later, policy_version=uni.policy,
                                               kind=RecordKind.EVALUATION, course_code="AI101", credits=Decimal(1),
                                               evaluated_at=timezone.now()))
    identities = {}
    for record in records:
        identity = identities.get(record.student_id) or ForgeIdentityFactory(user=record.student)
        identities[record.student_id] = identity
        for position, repository in enumerate((repo, repo, other), start=1):  # two lines in one repository
            contribution = ContributionFactory(identity=identity, repository=repository)
            CreditLine.objects.create(record=record, contribution=contribution, contribution_key=str(contribution.pk),
                                      position=position, outcome=LineOutcome.CREDITED, rule="merged_pr",
                                      reason="ok", reason_zh="通过")
        record_submit(record_id=record.pk, actor=record.student)
    for record in records[:2]:
        record_approve(record_id=record.pk, actor=uni.advisor)  # on to the cs department stage
    return uni


FILTERS = [
    {}, {"mine": "0"}, {"mine": "0", "stage": "department"},
    {"mine": "0", "status": "submitted", "term": "2027-spring"},
    {"mine": "0", "repository": "org/lab"}, {"mine": "0", "status": "nonsense"},
    {"mine": "0", "status": "in_review", "stage": "department", "department": "cs", "term": "2026-autumn"},
    {"mine": "0", "status": "submitted", "stage": "department", "department": "math", "term": "2026-autumn"},
]


@pytest.mark.parametrize("filters", FILTERS)
def test_the_counts_and_total_match_counting_each_facet_alone(uni, filters):
    queue = review_queue(uni.registry, filters)
    counts, total = _one_by_one(uni.registry, filters)
    assert queue.counts == counts
    assert queue.total == total == len(list(queue.records))


def test_a_record_with_two_lines_in_the_repository_counts_once(uni):
    queue = review_queue(uni.registry, {"mine": "0", "repository": "org/lab"})
    assert queue.total == 4
    assert queue.counts["status"] == [("in_review", 2), ("submitted", 2)]
    assert queue.counts["term"] == [("2026-autumn", 3), ("2027-spring", 1)]


def test_the_unfiltered_queue_counts_in_one_query(uni):
    roles_of(uni.dean_cs)  # the role lookup is the page's, not the queue's
    with CaptureQueriesContext(connection) as queries:
        queue = review_queue(uni.dean_cs, {})
    assert len(queries) == 1
    assert queue.total == 2 and dict(queue.counts["stage"]) == {"department": 2}
    assert CreditRecord.objects.filter(status=RecordStatus.SUBMITTED).count() == 2  # the advisor's, not counted


def test_each_record_says_whether_the_viewer_decides_it_now(uni):
    queue = review_queue(uni.dean_cs, {"mine": "0"})
    marks = {(r.student.student.name, r.term.code, r.approval_stage): r.decidable for r in queue.records}
    assert marks == {("张小明", "2026-autumn", "department"): True, ("李华", "2026-autumn", "department"): True,
                     ("张小明", "2027-spring", "advisor"): False}  # carol is math's; the spring record the advisor's


def test_the_stage_filter_lists_the_newest_policys_stages_then_those_only_an_older_one_has(uni):
    publish(simple_policy(version="s2", effective_from="2027-07-01").replace(
        "approval: {stages: [faculty]}", "approval: {stages: [faculty, registrar]}"))
    assert policy_stages(chinese=False) == [("department", "Department review"), ("registrar", "Registrar"),
                                            ("advisor", "Advisor review"), ("academic_affairs", "Academic affairs")]
    assert policy_stages(chinese=True)[:3] == [("department", "学院审核"), ("registrar", "教务处确认"),
                                               ("advisor", "导师审核")]
