"""The workflow's pages: submit from the credit page, the queue with its count, decisions, notice, backlog."""
from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import StudentProfile
from credits.models import AuditEvent, CreditRecord, RecordStatus
from credits.services.records import notice_close, record_approve, record_submit
from tests.credits.services.records_helpers import build_uni

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def uni():
    return build_uni()


def test_the_student_submits_from_the_credit_page_and_the_advisor_sees_it_waiting(uni, client):
    record = uni.record(uni.alice)
    client.force_login(uni.alice.user)
    page = client.get(reverse("my_credit"), **EN).content.decode()
    assert reverse("record_submit", args=[record.pk]) in page
    uni.alice.user.refresh_from_db()
    assert uni.alice.user.language == "en"  # emails to her will be in English
    client.post(reverse("record_submit", args=[record.pk]), {"statement": "three PRs"})
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.SUBMITTED
    client.force_login(uni.advisor)
    queue = client.get(reverse("review_queue"), **EN).content.decode()
    assert "waiting for you: 1" in queue and f'value="{record.pk}"' in queue


def test_a_decision_from_the_record_page_moves_the_record_and_shows_in_its_history(uni, client):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user)
    client.force_login(uni.advisor)
    page = client.get(reverse("record_detail", args=[record.pk]), **EN).content.decode()
    assert 'value="approve"' in page and "stage 1 of 3" in page
    client.post(reverse("record_decide", args=[record.pk]), {"action": "approve", "reason": "fine"})
    record.refresh_from_db()
    assert record.approval_stage == "department"
    page = client.get(reverse("record_detail", args=[record.pk]), **EN).content.decode()
    assert "record_approve" in page and "“fine”" in page and 'value="approve"' not in page


def test_a_crafted_post_for_another_departments_record_is_a_404_with_an_audit_row(uni, client):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user)
    record_approve(record_id=record.pk, actor=uni.advisor)
    client.force_login(uni.dean_math)
    response = client.post(reverse("record_decide", args=[record.pk]), {"action": "approve"})
    assert response.status_code == 404
    assert CreditRecord.objects.get(pk=record.pk).approval_stage == "department"
    assert AuditEvent.objects.filter(action="record_refused", actor=uni.dean_math, subject_id=str(record.pk)).exists()


def test_bulk_approval_from_the_queue_lists_what_was_refused(uni, client):
    mine, theirs = uni.record(uni.alice), uni.record(uni.carol)
    for record, profile in ((mine, uni.alice), (theirs, uni.carol)):
        record_submit(record_id=record.pk, actor=profile.user)
    client.force_login(uni.advisor)
    response = client.post(reverse("review_bulk_approve"), {"record": [mine.pk, theirs.pk]}, follow=True, **EN)
    text = response.content.decode()
    assert f"Approved 1 records: #{mine.pk}" in text and f"#{theirs.pk} refused" in text


def test_the_notice_page_masks_names_and_takes_objections(uni, client):
    record = uni.record(uni.alice)
    record_submit(record_id=record.pk, actor=uni.alice.user)
    for who in (uni.advisor, uni.dean_cs, uni.registry):
        record_approve(record_id=record.pk, actor=who)
    client.force_login(uni.bob.user)
    page = client.get(reverse("public_notice"), **EN).content.decode()
    assert "张*明" in page and "张小明" not in page and uni.alice.student_id not in page
    client.post(reverse("record_object", args=[record.pk]), {"reason": "PR #2 is mine", "department": "cs"})
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.IN_REVIEW
    assert notice_close() == []


def test_the_backlog_counts_waiting_records_per_stage_and_department(uni, client):
    from accounts.roles import Role
    from accounts.services.roles import role_grant

    for profile in (uni.alice, uni.bob):
        record_submit(record_id=uni.record(profile).pk, actor=profile.user)
    registrar = uni.dean_math
    role_grant(user=registrar, role=Role.REGISTRAR, actor=None)
    client.force_login(registrar)
    page = client.get(reverse("review_backlog"), **EN).content.decode()
    assert ('<td data-label="Stage">Advisor review</td><td data-label="Department">Computer Science</td>'
            '<td data-label="Status">submitted</td><td data-label="Records">2</td>') in page
    assert "submitted: 2" in page and "advisor<" not in page  # names, not the policy's keys


def test_the_queue_filters_by_the_policys_stages_and_the_waiting_statuses_within_the_reviewers_department(uni, client):
    StudentProfile.objects.filter(pk=uni.carol.pk).update(advisor=uni.advisor)
    ours, theirs, waiting = uni.record(uni.alice), uni.record(uni.carol), uni.record(uni.bob)
    for record, profile in ((ours, uni.alice), (theirs, uni.carol), (waiting, uni.bob)):
        record_submit(record_id=record.pk, actor=profile.user)
    for record in (ours, theirs):
        record_approve(record_id=record.pk, actor=uni.advisor)  # both wait at the department stage
    client.force_login(uni.dean_cs)
    page = client.get(reverse("review_queue"), {"mine": "0", "stage": "department", "status": "in_review"},
                      **EN).content.decode()
    assert '<label for="queue-stage">Stage</label>' in page and '<label for="queue-status">Status</label>' in page
    assert ('<select name="stage" id="queue-stage"><option value="">every stage</option>'
            '<option value="advisor">Advisor review</option><option value="department" selected>Department review'
            '</option><option value="academic_affairs">Academic affairs</option></select>') in page
    assert ('<option value="">every waiting status</option><option value="submitted">submitted</option>'
            '<option value="in_review" selected>in review</option></select>') in page
    assert f'href="/records/{ours.pk}/"' in page and f'name="record" value="{ours.pk}"' in page  # dean_cs decides it
    assert f'href="/records/{theirs.pk}/"' not in page and f'href="/records/{waiting.pk}/"' not in page
    assert '<p class="counts">1 record\n' in page
    chinese = client.get(reverse("review_queue"), {"mine": "0", "stage": "advisor"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = chinese.content.decode()
    assert '<option value="">全部环节</option><option value="advisor" selected>导师审核</option>' in text
    assert '<option value="">全部待审状态</option>' in text
    assert f'href="/records/{waiting.pk}/"' in text and f'href="/records/{ours.pk}/"' not in text
    assert f'name="record" value="{waiting.pk}"' not in text  # shown, but the advisor's to decide
    linked = client.get(reverse("review_queue"), {"mine": "0", "status": "approved"}, **EN).content.decode()
    assert '<option value="approved" selected>approved</option></select>' in linked  # the applied filter shows


def test_the_public_notice_is_paged(uni, client):
    import datetime as dt

    from tests.factories import DepartmentFactory, student

    cs = DepartmentFactory._meta.model.objects.get(code="cs")
    ends = dt.date(2026, 10, 9)
    # Read-side rows: thirty records already on notice (the page lists them; how they got there is tested above).
    for _ in range(30):
        uni.record(student(department=cs), status=RecordStatus.IN_PUBLIC_NOTICE, notice_ends_on=ends)
    client.force_login(uni.dean_cs)
    first = client.get(reverse("public_notice"), {"department": "cs"}, **EN).content.decode()
    second = client.get(reverse("public_notice"), {"department": "cs", "page": 2}, **EN).content.decode()
    assert first.count('<tr id="notice-') == 25 and second.count('<tr id="notice-') == 5
    assert "Page 1 of 2" in first and "department=cs&amp;page=2" in first
