"""The demo walks the approval loop: students submit, three stages decide (one return, one rejection), an
objection is filed and resolved, the notice period is closed with the clock moved forward."""
from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.hashers import make_password
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from credits.demo.credit import POLICY_FILE

STAGES = """  stages:
    - {key: advisor, name_zh: 导师审核, name_en: Advisor review, scope: advisor}
    - {key: department, name_zh: 学院初审, name_en: Department review, scope: department}
    - {key: academic_affairs, name_zh: 教务处终审, name_en: Academic affairs final review, scope: university}
"""
WALKED = 6  # records taken through the loop (the rest stay drafts for visitors to submit)


def demo_policy_text() -> str:
    """The shipped policy with its commented three-stage example switched on (advisor, department, academic affairs)."""
    text = POLICY_FILE.read_text(encoding="utf-8")
    active = re.compile(r"^  stages:\n(    - \{key: .*\n)+", re.M)
    return active.sub(STAGES, text, count=1)


def _user(username: str, display: str):
    from accounts.models import User
    from credits.demo.seed import DEMO_PASSWORD

    user, created = User.objects.get_or_create(username=username, defaults={
        "display_name": display, "email": f"{username}@example.edu.cn"})
    if created:
        user.password = make_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def workflow_staff(department) -> dict:
    """The advisor of the department's students, its department reviewer, and academic affairs (university-wide)."""
    from accounts.models import StudentProfile, User
    from accounts.roles import Role
    from accounts.services.org import student_profile_save
    from accounts.services.roles import role_grant
    from credits.demo.seed import operator_seed

    operator = operator_seed()
    advisor = _user("advisor", "Demo advisor 导师")
    role_grant(user=advisor, role=Role.REVIEWER, actor=operator)  # the role alone: the roster makes her advisor
    for profile in StudentProfile.objects.filter(department=department, advisor__isnull=True):
        profile.advisor = advisor
        student_profile_save(profile=profile, actor=operator, changed_fields=["advisor"])
    reviewer = User.objects.get(username="reviewer")
    role_grant(user=reviewer, role=Role.REVIEWER, actor=operator, departments=[department], stage="department")
    affairs = _user("academic_affairs", "Demo academic affairs 教务处")
    role_grant(user=affairs, role=Role.REVIEWER, actor=operator, stage="academic_affairs")
    return {"advisor": advisor, "department": reviewer, "academic_affairs": affairs}


def walk_the_loop(write) -> None:
    """Submit, decide through every stage, object, re-review, close the notice; print records per status."""
    from accounts.models import Department, StudentProfile
    from credits.models import CreditRecord, RecordStatus
    from credits.selectors.review import awaiting_summary, policy_stages
    from credits.services import records as lifecycle
    from credits.services.audit import audit_verify

    # The department with the most credit to decide (the demo reviewer also gets its department mandate).
    department = (Department.objects.annotate(n=Count("students__user__credit_records", filter=Q(
        students__user__credit_records__status="draft", students__user__credit_records__credits__gt=0)))
        .order_by("-n", "code").first())
    staff = workflow_staff(department)
    # The stages by the names the policy gives them in the run's language (the portal shows the same names).
    names = {key: key for key in staff} | dict(policy_stages((get_language() or "").startswith("zh")))
    write(_("Approval stages: %(stages)s, then %(days)d working days of public notice")
          % {"stages": " → ".join(names[key] for key in staff), "days": 3})
    scopes = {"advisor": _("advisor of every %(department)s student on the roster"),
              "department": _("department mandate for %(department)s"),
              "academic_affairs": _("university-wide mandate")}
    for key, user in staff.items():  # the usernames are what a visitor signs in with
        write("  " + _("%(stage)s: %(user)s (%(scope)s)")
              % {"stage": names[key], "user": user.username,
                 "scope": scopes[key] % {"department": department.code}})
    drafts = list(CreditRecord.objects.filter(student__student__department=department, status="draft",
                                              credits__gt=0).select_related("student").order_by("-credits", "pk"))
    walked = drafts[:WALKED]
    now = timezone.now()
    for record in walked:
        lifecycle.record_submit(record_id=record.pk, actor=record.student, statement="演示提交 / demo submission")
    write(_("Students submitted %(n)d records") % {"n": len(walked)})
    for record in walked:
        lifecycle.record_approve(record_id=record.pk, actor=staff["advisor"], reason="导师确认 / confirmed")
    if len(walked) >= 3:
        returned, rejected, passing = walked[-2], walked[-1], walked[:-2]
        lifecycle.record_return(record_id=returned.pk, actor=staff["department"],
                                reason="请补充 PR 说明 / please describe the PRs")
        lifecycle.record_reject(record_id=rejected.pk, actor=staff["department"],
                                reason="贡献与课程无关 / not related to the course")
        write("  " + _("%(stage)s returned #%(returned)s and rejected #%(rejected)s")
              % {"stage": names["department"], "returned": returned.pk, "rejected": rejected.pk})
    else:
        passing = walked
    for record in passing:
        lifecycle.record_approve(record_id=record.pk, actor=staff["department"])
        lifecycle.record_approve(record_id=record.pk, actor=staff["academic_affairs"])
    write("  " + _("%(n)d records passed every stage and are on public notice") % {"n": len(passing)})
    if passing:
        objector = (StudentProfile.objects.filter(department=department).exclude(user=passing[0].student)
                    .select_related("user").first())
        lifecycle.record_object(record_id=passing[0].pk, actor=objector.user,
                                reason="其中一个 PR 是我写的 / one PR is mine")
        write("  " + _("%(student)s objected to #%(id)s; it went back to %(stage)s and was approved again")
              % {"student": objector.student_id, "id": passing[0].pk, "stage": names["academic_affairs"]})
        lifecycle.record_approve(record_id=passing[0].pk, actor=staff["academic_affairs"],
                                 reason="核实无误 / checked: the PR is the student's own")
    later = now + dt.timedelta(days=10)
    closed = lifecycle.notice_close(now=later)
    write(_("notice_close with the clock moved to %(day)s: %(n)d records approved")
          % {"day": f"{later:%Y-%m-%d}", "n": len(closed)})
    summary = ", ".join(f"{RecordStatus(status).label} {n}" for status, n in sorted(awaiting_summary().items()))
    write(_("Records per status: %(summary)s") % {"summary": summary})
    checked, broken = audit_verify()
    if broken is None:
        write(_("Audit log: %(n)d rows, hash chain intact") % {"n": checked})
    else:
        write(_("Audit log: %(n)d rows, hash chain BROKEN at row %(row)s") % {"n": checked, "row": broken.event_id})
