"""Linking forge accounts in a real browser (Playwright + Debian's Chromium) through forgesim's OAuth pages."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from accounts.models import ForgeIdentity, Verification
from credits.models import AuditEvent
from tests.accounts.linking_fixtures import WANGXM, oauth_sim  # noqa: F401
from tests.browser_fixtures import chromium  # noqa: F401
from tests.factories import PASSWORD, ForgeIdentityFactory, StudentProfileFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("oauth_sim", "eager_tasks")]


@pytest.fixture
def page(chromium):  # noqa: F811 - the shared module-scoped fixture
    """A fresh browser context (no cookies) per test, in Chinese as the portal's default audience."""
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1100, "height": 700})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def student(transactional_db):
    return StudentProfileFactory(student_id="202600001", name="王小明")


def sign_in(page, live_server, student_id: str) -> None:
    """Sign in with the university account (student id + password) and open 我的代码平台账户."""
    page.goto(f"{live_server.url}/accounts/login/?next=/accounts/forges/")
    page.fill("input[name=username]", student_id)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/accounts/forges/")


def link(page, platform: str, login: str, *, decision: str = "approve") -> None:
    """Press the forge's link button, then pick the simulated user on forgesim's page and decide."""
    page.click(f"tr[data-platform={platform}] button[name=link]")
    page.wait_for_url(f"**/{platform}/**/authorize?**")
    page.check(f"input[name=login][value='{login}']")
    page.click("#approve" if decision == "approve" else "#deny")
    page.wait_for_load_state()


def test_student_links_github_gitee_and_gitlab_and_sees_them_on_their_page(page, live_server, student, tmp_path):
    sign_in(page, live_server, "202600001")

    for platform, (login, uid) in WANGXM.items():
        link(page, platform, login)
        page.wait_for_url("**/accounts/forges/")
        row = page.locator(f"tr[data-platform={platform}]")
        assert row.locator(".login").inner_text() == login
        assert row.locator(".external-id").inner_text() == str(uid)

    linked = {i.platform: (i.login, i.external_id, i.verified_via)
              for i in ForgeIdentity.objects.filter(user=student.user, unlinked_at__isnull=True)}
    assert linked == {p: (login, uid, Verification.OAUTH) for p, (login, uid) in WANGXM.items()}
    assert "我的代码平台账户" in page.locator("h1").inner_text()
    assert page.locator("table#forge-accounts").inner_text().count("通过 OAuth 验证") == 3
    shot = Path(os.environ.get("XF_SCREENSHOT_DIR", tmp_path)) / "forge_accounts_zh.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_account_linked_to_someone_else_is_refused_in_the_browser(page, live_server, student):
    holder = ForgeIdentityFactory(platform="github", external_id=1001, login="wangxm-ai")
    sign_in(page, live_server, "202600001")

    link(page, "github", "wangxm-ai")

    assert "账户未关联" in page.locator("h1").inner_text()
    assert "已关联到其他人" in page.locator("#refusal").inner_text()
    assert not ForgeIdentity.objects.filter(user=student.user).exists()
    assert AuditEvent.objects.filter(action="identity_link_refused", subject_id=str(holder.pk)).count() == 1


def test_student_unlinks_an_account_and_it_moves_to_the_unlinked_list(page, live_server, student):
    sign_in(page, live_server, "202600001")
    link(page, "gitee", "wangxm")
    page.wait_for_url("**/accounts/forges/")

    page.click("tr[data-platform=gitee] button[name=unlink]")
    page.wait_for_url("**/accounts/forges/")

    assert page.locator("tr[data-platform=gitee] button[name=link]").count() == 1
    assert "wangxm" in page.locator("table#past-accounts").inner_text()
    identity = ForgeIdentity.objects.get(user=student.user, platform="gitee")
    assert identity.unlinked_at is not None


def test_denied_authorization_shows_a_clear_page_and_links_nothing(page, live_server, student):
    sign_in(page, live_server, "202600001")

    link(page, "gitlab", "wangxm", decision="deny")

    assert page.locator("#failure").get_attribute("data-kind") == "denied"
    assert "拒绝了授权请求" in page.locator("#failure").inner_text()
    assert not ForgeIdentity.objects.exists()
