"""A university's first day, as README tells it: from an empty database to a student signed in with a password
they set from the emailed invitation."""
from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Department, Mandate, StudentProfile, User
from credits.models import PolicyVersion, Repository, Term

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_first_day_from_an_empty_database_to_a_signed_in_student(sim, client, tmp_path, settings):
    settings.SITE_URL = "https://xuefen.example.edu"
    assert not User.objects.exists() and not Department.objects.exists()
    (tmp_path / "departments.csv").write_bytes("code,name_zh,name_en\ncs,计算机学院,Computer Science\n"
                                               "ai,人工智能学院,Artificial Intelligence\n".encode("utf-8-sig"))
    (tmp_path / "staff.csv").write_bytes("username,name,email,role,stage,department\n"
                                         "zhang,张老师,zhang@example.edu,reviewer,department,cs;ai\n"
                                         "jwc,教务处,jwc@example.edu,registrar,,\n"
                                         "ops,运维,ops@example.edu,operator,,\n".encode("gb18030"))
    (tmp_path / "roster.csv").write_text("student_id,name,email,department,github\n"
                                         "2026001,李雷,lilei@example.edu,cs,lilei\n"
                                         "2026002,韩梅梅,han@example.edu,人工智能学院,\n", encoding="utf-8")

    assert "2 created" in run("import_departments", str(tmp_path / "departments.csv"), "--lang", "en")
    assert "3 created" in run("import_staff", str(tmp_path / "staff.csv"), "--lang", "en")
    assert "published policy" in run("policy", "load", str(ROOT / "credits" / "policies" / "default.yaml"),
                                     "--lang", "en")
    run("add_term", "2026-autumn", "--starts", "2026-09-01", "--ends", "2027-01-31")
    assert "registered github:deepseek-ai/DeepSeek-V3" in run("add_repository", "github:deepseek-ai/DeepSeek-V3",
                                                              "--tier", "core", "--lang", "en")
    assert "2 students" in run("import_roster", str(tmp_path / "roster.csv"), "--lang", "en")
    assert "5 invitation(s) sent, 0 failed" in run("invite_users", "--lang", "en")
    run("setup_periodic_tasks")

    assert Mandate.objects.filter(user__username="zhang").count() == 2
    assert PolicyVersion.objects.count() == 1 and Term.objects.count() == 1 and Repository.objects.count() == 1
    assert StudentProfile.objects.get(student_id="2026002").department.code == "ai"

    (message,) = [m for m in mail.outbox if m.to == ["lilei@example.edu"]]
    link = re.search(r"https://xuefen\.example\.edu(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert b'name="new_password2"' in form_page.content
    client.post(form_page.redirect_chain[-1][0], {"new_password1": "Xuefen-first-day-26",
                                                  "new_password2": "Xuefen-first-day-26"})
    signed_in = client.post(reverse("login"), {"username": "2026001", "password": "Xuefen-first-day-26"}, follow=True)
    assert signed_in.wsgi_request.user.username == "2026001"
    assert client.get(reverse("my_credit")).status_code == 200


def test_readme_gives_the_exact_oauth_callback_of_each_forge():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for provider in ("github", "gitee", "gitlab"):
        assert f"https://xuefen.example.edu.cn{reverse(f'{provider}_callback')}" in readme
