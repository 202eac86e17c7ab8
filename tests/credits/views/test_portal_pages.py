"""The everyday portal: navigation by role, the student's pages, the registrar's overview, the sync dashboard."""
from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from tests.factories import PASSWORD

from .conftest import staff, university

pytestmark = pytest.mark.django_db


def signed_in(client, user, language="en"):
    client.login(username=user.username, password=PASSWORD)
    client.cookies["django_language"] = language
    return client


def test_students_see_their_own_pages_and_staff_do_not(client, small_university):
    _, students = small_university
    page = signed_in(client, students[0].user).get(reverse("home")).content.decode()
    assert reverse("my_credit") in page and reverse("forge_accounts") in page
    assert reverse("admin:index") not in page and reverse("sync_dashboard") not in page

    client.logout()
    page = signed_in(client, staff("registrar", Role.REGISTRAR)).get(reverse("home")).content.decode()
    assert reverse("my_credit") not in page and reverse("forge_accounts") not in page
    assert reverse("registrar_overview") in page and reverse("admin:index") not in page


def test_operators_get_the_admin_and_the_sync_dashboard(client, db):
    page = signed_in(client, staff("ops", Role.OPERATOR)).get(reverse("home")).content.decode()
    assert reverse("admin:index") in page and reverse("sync_dashboard") in page
    assert reverse("my_credit") not in page


def test_student_name_column_is_ours_not_celery_beats_task_name(client, small_university):
    page = signed_in(client, staff("registrar", Role.REGISTRAR), "zh-hans").get(reverse("student_list"))
    text = page.content.decode()
    assert "<th>姓名</th>" in text and "任务名" not in text


def test_admin_speaks_chinese_for_our_models(client, db):
    user = staff("ops", Role.OPERATOR)
    text = signed_in(client, user, "zh-hans").get(reverse("admin:index")).content.decode()
    assert "学分记录" in text and "贡献" in text and "Credit records" not in text


def test_student_home_shows_accounts_standing_and_the_chart_table(client, small_university):
    _, students = small_university
    text = signed_in(client, students[0].user).get(reverse("home")).content.decode()
    assert 'id="linked-accounts"' in text and "octo" in text
    assert 'id="term-progress" max="2"' in text  # the default policy's term cap
    assert "credits required to graduate" in text
    assert 'data-chart="merged-by-month"' in text and "<th>Month</th>" in text


def test_sync_now_enqueues_and_answers_with_progress(client, small_university, eager_tasks, sim):
    _, students = small_university
    client = signed_in(client, students[0].user)
    response = client.post(reverse("sync_now"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="sync-progress"' in response.content.decode()
    since = response.content.decode().split("since=", 1)[1].split('"', 1)[0] if "since=" in response.content.decode() \
        else ""
    progress = client.get(reverse("sync_progress"), {"since": since.replace("%3A", ":").replace("%2B", "+")})
    assert 'data-phase="' in progress.content.decode()


def test_contributions_are_paginated_and_filtered(client, db):
    _, students = university(1, 30)
    client = signed_in(client, students[0].user)
    first = client.get(reverse("my_contributions")).content.decode()
    assert first.count('<tr class="line-') == 25 and "Page 1 of 2" in first
    only = client.get(reverse("my_contributions"), {"repository": "github:org/model1"}).content.decode()
    assert only.count('<tr class="line-') == 10
    credited = client.get(reverse("my_contributions"), {"outcome": "credited"}).content.decode()
    assert 0 < credited.count('<tr class="line-credited"') <= 25 and 'class="line-refused"' not in credited


def test_registrar_overview_lists_early_warning_and_exports_it(client, small_university):
    _, students = small_university
    client = signed_in(client, staff("registrar", Role.REGISTRAR))
    text = client.get(reverse("registrar_overview")).content.decode()
    assert 'id="by-department"' in text and 'id="warning-list"' in text
    assert all(s.student_id in text for s in students)  # nothing approved yet: everyone below 2 credits
    export = client.get(reverse("registrar_overview"), {"format": "csv"})
    body = export.content.decode("utf-8-sig")
    assert export["Content-Type"].startswith("text/csv") and students[0].student_id in body


def test_staff_pages_refuse_other_roles_with_the_translated_403(client, small_university, settings):
    settings.DEBUG = False
    _, students = small_university
    client = signed_in(client, students[0].user, "zh-hans")
    for name in ("registrar_overview", "sync_dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 403 and "不允许访问" in response.content.decode()


def test_sync_dashboard_for_operators(client, db):
    text = signed_in(client, staff("ops", Role.OPERATOR)).get(reverse("sync_dashboard")).content.decode()
    assert 'id="queue-depth"' in text and 'id="last-ok"' in text and reverse("admin:index") in text


def test_404_is_in_the_layout_translated_and_leaks_no_path(client, settings):
    settings.DEBUG = False
    client.cookies["django_language"] = "zh-hans"
    response = client.get("/no-such-page-xyz/")
    text = response.content.decode()
    assert response.status_code == 404 and "页面不存在" in text and 'class="site"' in text
    main = text.split('<main id="content">', 1)[1]
    assert "no-such-page-xyz" not in main and "URLconf" not in text and "Traceback" not in text


def test_sync_dashboard_shows_a_disabled_token_and_why(client, db):
    from credits.services.forge_tokens import service_token_add, service_token_disable

    row = service_token_add(platform="github", token="ghp_revoked_secret", label="old bot")
    service_token_disable(token_id=row.pk, reason="GitHub answered 401")
    text = signed_in(client, staff("ops2", Role.OPERATOR), "en").get(reverse("sync_dashboard")).content.decode()
    assert 'class="token-disabled"' in text and "old bot" in text and "GitHub answered 401" in text
    assert "ghp_revoked_secret" not in text
