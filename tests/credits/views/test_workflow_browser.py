"""The approval journey in a real browser, in Chinese and in English: a student submits, three stage holders
approve, the notice period closes, the record is approved; another record is returned and resubmitted."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import StudentProfile
from credits.models import CreditRecord, RecordStatus
from credits.services.records import notice_close
from tests.browser_fixtures import chromium  # noqa: F401
from tests.credits.services.records_helpers import build_uni
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WORDS = {  # what each language shows, so the journey proves the pages are translated
    "zh-CN": {"submit": "提交审核", "approve": "通过", "return": "退回学生", "resubmit": "重新提交审核"},
    "en-US": {"submit": "Submit for review", "approve": "Approve", "return": "Return to the student",
              "resubmit": "Resubmit for review"},
}


class Browser:
    """One signed-in browser context per person."""

    def __init__(self, chromium, live_server, locale: str):  # noqa: F811
        self.chromium, self.url, self.locale = chromium, live_server.url, locale

    def signed_in(self, username: str):
        context = self.chromium.new_context(locale=self.locale, viewport={"width": 1200, "height": 800})
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.goto(f"{self.url}/accounts/login/?next=/credit/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url("**/credit/")
        return page

    def decide(self, username: str, record: CreditRecord, button: str, reason: str = "") -> None:
        page = self.signed_in(username)
        page.goto(f"{self.url}/review/")
        page.click(f"a[href='/records/{record.pk}/']")
        if reason:
            page.fill("form.decision textarea[name=reason]", reason)
        page.click(f"form.decision button:has-text('{button}')")
        page.wait_for_load_state()
        page.context.close()


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_submit_three_approvals_notice_closes_and_a_returned_record_is_resubmitted(
        chromium, live_server, locale):  # noqa: F811
    words = WORDS[locale]
    uni = build_uni()
    StudentProfile.objects.filter(pk=uni.bob.pk).update(advisor=uni.advisor)
    approved, returned = uni.record(uni.alice), uni.record(uni.bob)
    browser = Browser(chromium, live_server, locale)

    alice = browser.signed_in(uni.alice.student_id)
    alice.fill(".submit-record textarea[name=statement]", "three merged PRs")
    alice.click(f".submit-record button:has-text('{words['submit']}')")
    alice.wait_for_load_state()
    bob = browser.signed_in(uni.bob.student_id)
    bob.click(f".submit-record button:has-text('{words['submit']}')")
    bob.wait_for_load_state()

    for holder in ("advisor", "dean_cs", "registry"):
        browser.decide(holder, approved, words["approve"])
    assert CreditRecord.objects.get(pk=approved.pk).status == RecordStatus.IN_PUBLIC_NOTICE
    assert notice_close(now=timezone.now() + dt.timedelta(days=12)) == [approved.pk]
    alice.goto(f"{live_server.url}/records/{approved.pk}/")
    assert alice.locator("#record-status .status-approved").count() == 1

    browser.decide("advisor", returned, words["return"], reason="please link the issue")
    bob.reload()
    bob.fill(".submit-record textarea[name=statement]", "linked the issue")
    bob.click(f".submit-record button:has-text('{words['resubmit']}')")
    bob.wait_for_load_state()
    record = CreditRecord.objects.get(pk=returned.pk)
    assert (record.status, record.statement) == (RecordStatus.SUBMITTED, "linked the issue")
    for page in (alice, bob):
        page.context.close()
