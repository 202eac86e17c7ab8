"""The everyday portal in Chromium, in both languages: a student links, syncs, reads and submits; the two stage
holders of the default policy approve; the registrar reads the overview; the operator opens the sync dashboard.

Each page is also checked at 390 px (no horizontal scrolling) and by axe-core (no serious or critical
violation); screenshots go to XF_SCREENSHOT_DIR (default var/screenshots/), which CI keeps as artefacts.
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.roles import Role
from accounts.services.roles import role_grant
from credits.demo import seed as seeding
from credits.models import CreditRecord, RecordStatus
from credits.services.policies import policy_publish, term_create
from tests.accounts.linking_fixtures import oauth_sim  # noqa: F401
from tests.accounts.test_link_browser import chromium, link  # noqa: F401
from tests.credits.services.rules_helpers import DEFAULT
from tests.factories import PASSWORD, StudentProfileFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("oauth_sim", "eager_tasks")]
SHOTS = Path(os.environ.get("XF_SCREENSHOT_DIR", Path(__file__).resolve().parents[3] / "var" / "screenshots"))
SERIOUS = {"serious", "critical"}


@pytest.fixture
def portal(transactional_db, world):
    """The demo world's registry, a term around today, the default policy, a student and two members of staff."""
    seeding.registry_seed(world)
    today = timezone.localdate()
    term_create(code=f"{today.year}-autumn", name_zh="本学期", name_en="This term",
                starts_on=today - dt.timedelta(days=700), ends_on=today + dt.timedelta(days=30))
    policy_publish(text=DEFAULT.read_text(encoding="utf-8").replace("2025-09-01", "2020-01-01"), source="default")
    profile = StudentProfileFactory(student_id="202600001", name="王小明")
    role_grant(user=profile.user, role=Role.STUDENT, actor=None)
    for username, role in (("registrar", Role.REGISTRAR), ("operator", Role.OPERATOR)):
        role_grant(user=UserFactory(username=username), role=role, actor=None)
    # The default policy's stages: the student's department first, then academic affairs university-wide.
    role_grant(user=UserFactory(username="secretary"), role=Role.REVIEWER, actor=None,
               departments=[profile.department], stage="department")
    role_grant(user=UserFactory(username="affairs"), role=Role.REVIEWER, actor=None, stage="academic_affairs")
    return profile


def check(page, name: str, language: str) -> None:
    """Screenshot, axe (no serious/critical violations), and no horizontal scrolling at 390 px."""
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}_{language}.png"), full_page=True)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not bad, f"{name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in bad)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(300)  # charts follow their container on the next frame
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(SHOTS / f"{name}_{language}_390.png"), full_page=True)
    page.set_viewport_size(size)
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at 390 px"


def sign_in(page, live_server, username: str, next_url: str = "/") -> None:
    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def switch_to(page, live_server, language: str, username: str, next_url: str) -> None:
    """Sign out (a fresh cookie jar in the same language) and sign in as somebody else."""
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    sign_in(page, live_server, username, next_url)


def approve_as(page, live_server, language: str, username: str, record_id: int, name: str) -> None:
    """A stage holder finds the record in their queue, reads it, and approves."""
    switch_to(page, live_server, language, username, "/review/")
    page.wait_for_selector(f"a[href='/records/{record_id}/']")
    check(page, f"review_queue_{name}", language)
    page.click(f"a[href='/records/{record_id}/']")
    page.wait_for_selector("form.decision")
    check(page, f"record_page_{name}", language)
    page.click("form.decision button[value=approve]")
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_portal_journey(chromium, live_server, portal, language):  # noqa: F811
    zh = language == "zh-hans"
    context = chromium.new_context(locale="zh-CN" if zh else "en-US", viewport={"width": 1100, "height": 800})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    context.set_default_timeout(20_000)
    page = context.new_page()
    try:
        sign_in(page, live_server, "202600001", "/accounts/forges/")
        link(page, "github", "wangxm-ai")
        page.wait_for_url("**/accounts/forges/")
        check(page, "forge_accounts", language)

        page.goto(f"{live_server.url}/")
        assert page.locator("#linked-accounts tr[data-platform=github]").count() == 1
        page.click("#sync-now")
        page.wait_for_selector("#sync-finished")
        assert page.locator("#sync-progress li[data-phase=done]").count() == 1
        page.reload()
        assert page.locator("#next-step").inner_text() == (
            "下一步：在“我的学分”页提交审核。" if zh else "Next: submit it for review on the credit page.")
        check(page, "student_home", language)

        page.goto(f"{live_server.url}/contributions/?platform=github")
        assert page.locator("#contributions tbody tr").count() >= 1
        check(page, "my_contributions", language)

        page.goto(f"{live_server.url}/credit/")
        steps = page.locator("ol.arith li").all_inner_texts()
        assert steps, "the credit page explains the total"
        assert any(("÷" in s) for s in steps)
        assert ("每学分 40 分" if zh else "40 points per credit") in " ".join(steps)
        assert page.locator("tr.line-credited").count() >= 1, "a credited line says why it counted"
        check(page, "my_credit", language)
        page.fill(".submit-record textarea[name=statement]", "我的合并请求" if zh else "my merged PRs")
        page.click(".submit-record button")
        page.wait_for_selector(".withdraw-record")
        record = CreditRecord.objects.get(student=portal.user, kind="evaluation")
        assert record.status == RecordStatus.SUBMITTED
        assert page.locator(".next-step").first.inner_text() == (
            "等待第 1 步（共 2 步）：学院初审。" if zh else "Waiting for stage 1 of 2: Department review.")

        approve_as(page, live_server, language, "secretary", record.pk, "department")
        assert CreditRecord.objects.get(pk=record.pk).stage_index == 1
        approve_as(page, live_server, language, "affairs", record.pk, "academic_affairs")
        record.refresh_from_db()
        assert record.status == RecordStatus.IN_PUBLIC_NOTICE and record.notice_ends_on is not None

        switch_to(page, live_server, language, "202600001", "/")
        assert f"{record.notice_ends_on:%Y-%m-%d}" in page.locator("#next-step").inner_text()
        check(page, "student_home_on_notice", language)
        page.goto(f"{live_server.url}/notice/")
        assert page.locator("main table tbody tr").count() >= 1
        check(page, "public_notice", language)

        switch_to(page, live_server, language, "registrar", "/registrar/overview/")
        assert "202600001" in page.locator("#warning-list").inner_text()
        check(page, "registrar_overview", language)

        switch_to(page, live_server, language, "operator", "/operator/sync/")
        assert "github:wangxm-ai" in page.locator("#backfill-runs tr.run").first.inner_text()
        assert page.locator("#last-ok .warn").count() == 0  # the backfill counts as a successful sync
        assert page.locator("a[href='/admin/']").count() >= 1
        check(page, "sync_dashboard", language)

        page.goto(f"{live_server.url}/no-such-page/")
        assert page.locator("h1").inner_text() == ("页面不存在" if zh else "Page not found")
        check(page, "not_found", language)
    finally:
        context.close()
