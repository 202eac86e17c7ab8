"""Roles are Django groups with permissions, kept in step by an idempotent setup after every migrate."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.roles import Role, has_role, roles_of, setup_roles
from accounts.services.roles import role_grant, role_revoke
from credits.models import AuditEvent
from tests.factories import DepartmentFactory, UserFactory
from tests.one_language import assert_one_language

pytestmark = pytest.mark.django_db


def perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_migrate_created_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) >= {"student", "reviewer", "registrar", "operator"}


def test_registrar_may_import_the_roster_and_students_may_not():
    assert "accounts.import_roster" in perms(Role.REGISTRAR)
    assert "accounts.import_roster" not in perms(Role.STUDENT) | perms(Role.REVIEWER)
    assert "credits.change_creditrecord" in perms(Role.REVIEWER)
    assert "credits.change_creditrecord" not in perms(Role.REGISTRAR)


def test_operator_holds_every_permission_of_our_apps():
    ours = Permission.objects.filter(content_type__app_label__in=["accounts", "credits"]).count()
    assert len(perms(Role.OPERATOR)) == ours > 0


def test_setup_roles_is_idempotent_and_repairs_drift():
    reviewer = Group.objects.get(name="reviewer")
    reviewer.permissions.add(Permission.objects.get(codename="import_roster"))  # someone clicked in the admin
    first = setup_roles()
    assert setup_roles() == first
    assert "accounts.import_roster" not in perms(Role.REVIEWER)
    assert Group.objects.filter(name="reviewer").count() == 1


def test_migrate_runs_setup_roles_again():
    Group.objects.filter(name="registrar").delete()
    call_command("migrate", verbosity=0)
    assert "accounts.import_roster" in perms(Role.REGISTRAR)


def test_granting_reviewer_records_departments_and_an_audit_row():
    user, dept, operator = UserFactory(), DepartmentFactory(), UserFactory()
    role_grant(user=user, role=Role.REVIEWER, actor=operator, departments=[dept])
    assert has_role(user, Role.REVIEWER) and list(user.mandates.values_list("department", flat=True)) == [dept.pk]
    assert user.has_perm("credits.change_creditrecord")
    event = AuditEvent.objects.get(action="role_grant")
    assert event.actor == operator and event.data == {"departments": [dept.code]}


def test_operator_role_opens_the_admin_site():
    user = UserFactory()
    role_grant(user=user, role=Role.OPERATOR, actor=None)
    user.refresh_from_db()
    assert user.is_staff and user.has_perm("accounts.import_roster")


def test_revoking_reviewer_removes_departments():
    user = UserFactory()
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=[DepartmentFactory()])
    role_revoke(user=user, role=Role.REVIEWER, actor=None)
    user.refresh_from_db()
    assert roles_of(user) == frozenset() and not user.mandates.exists()


def test_revoking_operator_closes_the_admin_site():
    user = UserFactory()
    role_grant(user=user, role=Role.OPERATOR, actor=None)
    role_revoke(user=user, role=Role.OPERATOR, actor=None)
    user.refresh_from_db()
    assert not user.is_staff and not has_role(user, Role.OPERATOR)


def test_revoking_operator_from_a_superuser_leaves_the_admin_site_open():
    user = UserFactory(is_superuser=True, is_staff=True)
    role_grant(user=user, role=Role.OPERATOR, actor=None)
    role_revoke(user=user, role=Role.OPERATOR, actor=None)
    user.refresh_from_db()
    assert user.is_staff


def test_superuser_counts_as_operator():
    assert has_role(UserFactory(is_superuser=True), Role.OPERATOR)


def test_grant_role_command(capsys):
    user, dept = UserFactory(username="prof_li"), DepartmentFactory(code="cs")
    call_command("grant_role", "prof_li", "reviewer", "--department", "cs", "--lang", "en")
    assert has_role(user, Role.REVIEWER) and user.mandates.get().department == dept
    assert "prof_li: reviewer" in capsys.readouterr().out


def test_grant_role_revoke_with_a_department_revokes_only_that_mandate(capsys):
    user, cs, ee = UserFactory(username="prof_wang"), DepartmentFactory(code="cs"), DepartmentFactory(code="ee")
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=[cs, ee])

    call_command("grant_role", "prof_wang", "reviewer", "--department", "cs", "--revoke", "--lang", "en")

    user.refresh_from_db()
    assert list(user.mandates.values_list("department__code", flat=True)) == ["ee"]
    assert has_role(user, Role.REVIEWER)
    assert AuditEvent.objects.get(action="role_revoke").data == {"departments": ["cs"]}
    assert "prof_wang: reviewer of cs revoked" in capsys.readouterr().out


def test_revoking_a_reviewers_last_department_takes_the_role_away():
    user, cs = UserFactory(), DepartmentFactory(code="cs")
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=[cs])

    role_revoke(user=user, role=Role.REVIEWER, actor=None, departments=[cs])

    user.refresh_from_db()
    assert not user.mandates.exists() and not has_role(user, Role.REVIEWER)


def test_grant_role_revoke_with_an_unknown_department_is_refused():
    from django.core.management.base import CommandError

    user, cs = UserFactory(username="prof_zhao"), DepartmentFactory(code="cs")
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=[cs])

    with pytest.raises(CommandError, match="unknown department"):
        call_command("grant_role", "prof_zhao", "reviewer", "--department", "nope", "--revoke", "--lang", "en")

    assert user.mandates.count() == 1


def test_grant_role_with_a_stage_alone_gives_a_university_wide_mandate(capsys):
    user = UserFactory(username="dean_qian")
    call_command("grant_role", "dean_qian", "reviewer", "--stage", "academic_affairs", "--lang", "en")

    mandate = user.mandates.get()
    assert (mandate.stage, mandate.department) == ("academic_affairs", None)
    assert "dean_qian: reviewer [academic_affairs] (all departments)" in capsys.readouterr().out


def test_grant_role_with_a_stage_and_department_names_both():
    user, cs = UserFactory(username="sec_sun"), DepartmentFactory(code="cs")
    call_command("grant_role", "sec_sun", "reviewer", "--stage", "college", "--department", "cs")

    assert list(user.mandates.values_list("stage", "department")) == [("college", cs.pk)]


def test_revoking_one_stage_keeps_the_others():
    user, cs = UserFactory(username="prof_he"), DepartmentFactory(code="cs")
    role_grant(user=user, role=Role.REVIEWER, actor=None, departments=[cs], stage="college")
    role_grant(user=user, role=Role.REVIEWER, actor=None, stage="academic_affairs")

    call_command("grant_role", "prof_he", "reviewer", "--stage", "college", "--revoke")

    user.refresh_from_db()
    assert list(user.mandates.values_list("stage", flat=True)) == ["academic_affairs"]
    assert has_role(user, Role.REVIEWER)


def test_a_stage_for_a_non_reviewer_role_is_refused():
    from django.core.management.base import CommandError

    UserFactory(username="reg_zhou")
    with pytest.raises(CommandError, match="reviewers only"):
        call_command("grant_role", "reg_zhou", "registrar", "--stage", "college", "--lang", "en")


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", ["prof_ma：已授予 cs 的 reviewer [college] 角色",
                 "prof_ma：已授予全部院系的 reviewer [academic_affairs] 角色",
                 "prof_ma：已授予 registrar 角色", "prof_ma：已撤销 cs 的 reviewer [college] 角色（1 项授权）",
                 "prof_ma：已撤销全部院系的 reviewer [academic_affairs] 角色（1 项授权）",
                 "prof_ma：已撤销 registrar 角色（0 项授权）", "prof_ma：已授予超级用户权限（已记入审计日志）",
                 "prof_ma：已撤销超级用户权限", "没有用户 'nobody'", "未知的院系代码：nope",
                 "--stage 和 --department 只适用于审核人",
                 "审核人需要 --stage 审核阶段，和/或至少一个 --department 院系代码"]),
    ("en", ["prof_ma: reviewer [college] of cs granted",
            "prof_ma: reviewer [academic_affairs] (all departments) granted",
            "prof_ma: registrar granted", "prof_ma: reviewer [college] of cs revoked (1 mandate(s))",
            "prof_ma: reviewer [academic_affairs] (all departments) revoked (1 mandate(s))",
            "prof_ma: registrar revoked (0 mandate(s))", "prof_ma: superuser granted (audited)",
            "prof_ma: superuser revoked",
            "no user 'nobody'", "unknown department code(s): nope", "--stage and --department apply to reviewers only",
            "a reviewer needs --stage KEY and/or at least one --department CODE"]),
])
def test_each_run_of_grant_role_speaks_one_language(language, words):
    from io import StringIO

    from django.core.management.base import CommandError

    UserFactory(username="prof_ma")
    DepartmentFactory(code="cs")
    out = StringIO()
    for args in (["reviewer", "--stage", "college", "--department", "cs"], ["reviewer", "--stage", "academic_affairs"],
                 ["registrar"], ["reviewer", "--stage", "college", "--department", "cs", "--revoke"],
                 ["reviewer", "--stage", "academic_affairs", "--revoke"], ["registrar", "--revoke"], ["superuser"],
                 ["superuser", "--revoke"]):
        call_command("grant_role", "prof_ma", *args, "--lang", language, stdout=out)
    printed = out.getvalue()
    for args in (["nobody", "registrar"], ["prof_ma", "reviewer", "--department", "nope"],
                 ["prof_ma", "registrar", "--stage", "college"], ["prof_ma", "superuser", "--department", "cs"],
                 ["prof_ma", "reviewer"]):
        with pytest.raises(CommandError) as refused:
            call_command("grant_role", *args, "--lang", language, stdout=StringIO())
        printed += str(refused.value) + "\n"
    for word in words:
        assert word in printed
    # The role and the stage are keys, printed as they are typed.
    assert_one_language(printed, language, data=("reviewer [college]", "reviewer [academic_affairs]", "registrar",
                                                 "--stage KEY", "--department CODE"))
