"""Findings: an operator could make themselves superuser in the admin; revoking operator left them superuser."""
from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.checks import run_checks
from django.core.management import call_command

from accounts.models import User
from accounts.roles import Role, has_role
from accounts.services.roles import role_grant
from credits.models import AuditEvent
from tests.factories import UserFactory
from tests.security.formdata import form_data

pytestmark = [pytest.mark.security, pytest.mark.django_db]


@pytest.fixture
def operator():
    user = UserFactory(username="operator")
    role_grant(user=user, role=Role.OPERATOR, actor=None)
    return User.objects.get(pk=user.pk)


def change_page(client, user) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def submit(client, user, **changes):
    """Post the user's admin change form as rendered, with some fields changed (a browser with devtools)."""
    page = client.get(change_page(client, user))
    assert page.status_code == 200
    data = form_data(page.content.decode(), form_id="user_form")
    data.pop("csrfmiddlewaretoken", None)
    for name, value in changes.items():
        data[name] = value if isinstance(value, list) else [value]
    return client.post(change_page(client, user), data)


def test_an_operator_cannot_make_themselves_superuser_in_the_admin(client, operator):
    client.force_login(operator)
    submit(client, operator, is_superuser="on", is_staff="on")
    operator.refresh_from_db()
    assert not operator.is_superuser


def test_an_operator_cannot_give_staff_groups_or_permissions_to_anyone(client, operator):
    target = UserFactory(username="someone")
    group = Group.objects.get(name=Role.OPERATOR.value)
    client.force_login(operator)
    submit(client, target, is_staff="on", groups=[str(group.pk)], user_permissions=["1"])
    target.refresh_from_db()
    assert not target.is_staff and not target.groups.exists() and not target.user_permissions.exists()


def test_an_operator_cannot_take_over_a_superuser_account(client, operator):
    boss = User.objects.create_superuser(username="boss", password="x-long-password-1")
    client.force_login(operator)
    assert client.get(f"/admin/accounts/user/{boss.pk}/password/").status_code in (403, 302)
    response = client.post(f"/admin/accounts/user/{boss.pk}/password/",
                           {"password1": "hijacked-pass-99", "password2": "hijacked-pass-99"})
    assert response.status_code in (403, 302)
    boss.refresh_from_db()
    assert not boss.check_password("hijacked-pass-99")


def test_revoking_operator_takes_away_staff_and_superuser(operator):
    User.objects.filter(pk=operator.pk).update(is_superuser=True)  # what the admin used to let them do
    call_command("grant_role", "operator", "operator", "--revoke", stdout=StringIO())
    user = User.objects.get(pk=operator.pk)
    assert not user.is_staff and not user.is_superuser and not has_role(user, Role.OPERATOR)


def test_a_superuser_changing_privileges_in_the_admin_leaves_audit_rows(client):
    boss = User.objects.create_superuser(username="boss", password="x-long-password-1")
    call_command("grant_role", "boss", "superuser", stdout=StringIO())
    target = UserFactory(username="someone")
    client.force_login(boss)
    submit(client, target, is_superuser="on", is_staff="on")
    target.refresh_from_db()
    assert target.is_superuser
    assert AuditEvent.objects.filter(subject_type="user", subject_id=str(target.pk), to_status="superuser").exists()


def _w002(username: str) -> list:
    return [m for m in run_checks(databases=["default"]) if m.id == "accounts.W002" and username in m.msg]


def test_a_superuser_without_an_audit_row_is_warned_about_until_it_is_recorded():
    User.objects.create_superuser(username="root", password="x-long-password-1")
    assert _w002("root")
    call_command("grant_role", "root", "superuser", stdout=StringIO())
    assert not _w002("root")
