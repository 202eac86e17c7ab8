"""Every URL the project routes × every role: who gets the page, who is sent to sign in, who is refused.

Routes are discovered from the URL resolver at collection time, so a view added later is included
automatically; `test_every_route_has_an_access_rule` fails until its author states who may see it in RULES.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.providers.config import OIDC_PROVIDER_ID, socialaccount_providers
from accounts.roles import Role, has_role

ROLES = ("anonymous", "student", "other_student", "reviewer_same_dept", "reviewer_other_dept", "registrar", "operator")
OK, LOGIN, FORBIDDEN, HIDDEN, NOT_ALLOWED, ADMIN_LOGIN, REDIRECT, ANY = (
    "200", "login", "403", "404", "405", "admin-login", "redirect", "any<500")
STAFF_OK = {"registrar": OK, "operator": OK}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]


def _walk(resolver: URLResolver, prefix: str = "", ns: str = "", params: tuple = ()):
    for p in resolver.url_patterns:
        here = params + tuple(_params_of(p.pattern))
        if isinstance(p, URLResolver):
            yield from _walk(p, prefix + str(p.pattern), ns + (f"{p.namespace}:" if p.namespace else ""), here)
        elif isinstance(p, URLPattern):
            yield Route(ns + (p.name or f"<unnamed {prefix}{p.pattern}>"), prefix + str(p.pattern), here)


def _params_of(pattern) -> list[str]:
    return list(pattern.regex.groupindex)  # both path() and re_path() patterns compile to named groups


ROUTES = sorted({r.name: r for r in _walk(get_resolver())}.values(), key=lambda r: r.name)


@dataclass
class Check:
    """One request (method + URL arguments) and the outcome each role must get; unlisted roles get `default`."""

    expect: dict[str, str]
    default: str = OK
    method: str = "get"
    kwargs: Callable | None = None
    data: dict = field(default_factory=dict)
    url: str = ""  # for unnamed routes, which cannot be reversed

    def outcome(self, role: str) -> str:
        return self.expect.get(role, self.default)


PUBLIC = [Check({})]
SIGNED_IN = [Check({"anonymous": LOGIN})]
OWN_ONLY_POST = {r: HIDDEN for r in ROLES} | {"anonymous": LOGIN}


def a_student_id(p):
    return {"student_id": p.student_a.student_id}


def a_batch(p):
    """A rendered export batch of the approved record B (created once, reused by every check)."""
    from credits.models import ExportBatch
    from credits.services.exports import batch_create, batch_render

    batch = ExportBatch.objects.first() or batch_create(term=p.record_b.term, actor=p.registrar)
    return {"batch_id": batch_render(batch_id=batch.id).id}


REGISTRAR_ONLY = {"anonymous": LOGIN, **STAFF_OK}


def a_record(p):
    return {"record_id": p.record_a.pk}


def b_record(p):
    return {"record_id": p.record_b.pk}


RULES: dict[str, list[Check]] = {
    "home": PUBLIC,
    "healthz": PUBLIC,
    "set_language": [Check({}, default=ANY)],
    "login": PUBLIC,
    "logout": [Check({}, default=NOT_ALLOWED)],
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_reset_confirm": [Check({}, kwargs=lambda p: {"uidb64": "MQ", "token": "not-a-token"})],
    # Credit pages (credits.views): one's own records, read through accounts.access.records_visible_to.
    "my_credit": SIGNED_IN,
    # Approval workflow (credits.views.records / review): record_a is student A's, waiting at the department stage.
    "record_submit": [
        Check({}, default=NOT_ALLOWED, kwargs=a_record),
        # A's record is already submitted: A hears so (a message, back to the page); anyone else: no such record.
        Check(OWN_ONLY_POST | {"student": REDIRECT}, method="post", kwargs=a_record),
    ],
    "record_withdraw": [
        Check({}, default=NOT_ALLOWED, kwargs=a_record),
        Check(OWN_ONLY_POST | {"student": REDIRECT}, method="post", kwargs=a_record),
    ],
    "record_detail": [
        Check({"anonymous": LOGIN, "other_student": HIDDEN, "reviewer_other_dept": HIDDEN, "registrar": HIDDEN},
              kwargs=a_record),
        Check({"anonymous": LOGIN, "student": HIDDEN, "reviewer_same_dept": HIDDEN}, kwargs=b_record),
    ],
    # Only the department's stage holder gets past the mandate check (a return without a reason: refused,
    # back to the page); everyone else, operator included, gets 404 for a record outside their mandate.
    "record_decide": [
        Check({}, default=NOT_ALLOWED, kwargs=a_record),
        Check(OWN_ONLY_POST | {"reviewer_same_dept": REDIRECT}, method="post", kwargs=a_record,
              data={"action": "return", "reason": ""}),
    ],
    "record_object": [
        Check({}, default=NOT_ALLOWED, kwargs=a_record),
        # Not on notice: a department member hears so; outsiders and the student themselves get 404.
        Check(OWN_ONLY_POST | {"reviewer_same_dept": REDIRECT}, method="post", kwargs=a_record,
              data={"reason": "not theirs"}),
    ],
    "review_queue": [Check({"anonymous": LOGIN, "student": FORBIDDEN, "other_student": FORBIDDEN})],
    "review_bulk_approve": [
        Check({}, default=NOT_ALLOWED),
        Check({"anonymous": LOGIN, "student": FORBIDDEN, "other_student": FORBIDDEN}, default=REDIRECT,
              method="post", data={"record": ["1"]}),
    ],
    "review_backlog": [Check({"anonymous": LOGIN, **STAFF_OK}, default=FORBIDDEN)],
    "public_notice": SIGNED_IN,
    "my_contributions": SIGNED_IN,
    # Sync now: POST only; each person queues their own accounts (nothing to see of anyone else's).
    "sync_now": [Check({}, default=NOT_ALLOWED), Check({"anonymous": LOGIN}, method="post")],
    "sync_progress": SIGNED_IN,
    # Staff pages (credits.views.staff): the registrar's overview and the operator's sync dashboard.
    "registrar_overview": [Check({"anonymous": LOGIN, **STAFF_OK}, default=FORBIDDEN)],
    "sync_dashboard": [Check({"anonymous": LOGIN, "operator": OK}, default=FORBIDDEN)],
    # People pages (accounts.views): scoped by accounts.access in the query.
    "student_list": SIGNED_IN,
    "student_detail": [
        Check({"anonymous": LOGIN, "other_student": HIDDEN, "reviewer_other_dept": HIDDEN}, kwargs=a_student_id),
        # Someone else's id typed by student A: 404, never the page.
        Check({"anonymous": LOGIN, "student": HIDDEN, "reviewer_same_dept": HIDDEN},
              kwargs=lambda p: {"student_id": p.student_b.student_id}),
    ],
    "roster_upload": [
        Check({"anonymous": LOGIN, **STAFF_OK}, default=FORBIDDEN),
        Check({"anonymous": LOGIN, **STAFF_OK}, default=FORBIDDEN, method="post"),
    ],
    # Registrar export (credits.views.exports): the registrar and operators only.
    "export_list": [
        Check(REGISTRAR_ONLY, default=FORBIDDEN),
        Check(REGISTRAR_ONLY, default=FORBIDDEN, method="post"),  # an empty form: shown again with its errors
    ],
    "export_download": [Check(REGISTRAR_ONLY, default=FORBIDDEN, kwargs=a_batch)],
    "export_progress": [Check(REGISTRAR_ONLY, default=FORBIDDEN, kwargs=a_batch)],
    "export_book": [
        Check({}, default=NOT_ALLOWED, kwargs=a_batch),
        Check({"anonymous": LOGIN, "registrar": REDIRECT, "operator": REDIRECT}, default=FORBIDDEN, method="post",
              kwargs=a_batch),
    ],
    "export_retry": [
        Check({}, default=NOT_ALLOWED, kwargs=a_batch),
        Check({"anonymous": LOGIN, "registrar": REDIRECT, "operator": REDIRECT}, default=FORBIDDEN, method="post",
              kwargs=a_batch),
    ],
    # Forge linking (accounts.linking): one's own accounts only; unlinking another person's id is a 404.
    "forge_accounts": SIGNED_IN,
    "forge_unlink": [
        Check({}, default=NOT_ALLOWED, kwargs=lambda p: {"identity_id": p.contribution_a.identity_id}),
        Check(OWN_ONLY_POST | {"student": REDIRECT}, method="post",
              kwargs=lambda p: {"identity_id": p.contribution_a.identity_id}),
    ],
    # OAuth dance ends (allauth): behaviour is covered by the linking tests; here: never a server error.
    **{f"{forge}_{end}": [Check({}, default=ANY)] for forge in ("github", "gitee", "gitlab")
       for end in ("login", "callback")},
    "openid_connect_login": [Check({}, default=ANY, kwargs=lambda p: {"provider_id": OIDC_PROVIDER_ID})],
    "openid_connect_callback": [Check({}, default=ANY, kwargs=lambda p: {"provider_id": OIDC_PROVIDER_ID})],
}


def _admin_checks(route: Route) -> list[Check]:
    """The admin: only operators (staff) get in; everyone else is sent to the admin's sign-in."""
    if route.name == "admin:login":
        return [Check({}, default=ANY)]
    if route.name == "admin:logout":
        return [Check({}, default=ANY)]
    if route.name.startswith("admin:<unnamed"):  # the admin's catch-all: still behind its sign-in
        return [Check({"operator": ANY}, default=ADMIN_LOGIN, url="/admin/no-such-page/")]
    kwargs = {}
    for name in route.params:
        if name == "app_label":
            kwargs[name] = re.search(r"\(\?P<app_label>([^)]*)\)", route.pattern).group(1).split("|")[0]
        else:
            kwargs[name] = "1"
    return [Check({"operator": ANY}, default=ADMIN_LOGIN, kwargs=lambda p: kwargs)]


def checks_for(route: Route) -> list[Check] | None:
    if route.name.startswith("admin:"):
        return _admin_checks(route)
    return RULES.get(route.name)


def _matches(expected: str, resp, login_url: str) -> bool:
    location = resp.get("Location", "")
    return {
        OK: resp.status_code == 200,
        LOGIN: resp.status_code == 302 and location.startswith(login_url),
        ADMIN_LOGIN: resp.status_code == 302 and location.startswith("/admin/login/"),
        FORBIDDEN: resp.status_code == 403,
        HIDDEN: resp.status_code == 404,
        NOT_ALLOWED: resp.status_code == 405,
        REDIRECT: resp.status_code in (301, 302, 303) and not location.startswith(login_url),
        ANY: resp.status_code < 500,
    }[expected]


@pytest.fixture(autouse=True)
def _export_files(settings, tmp_path):
    """Export batches rendered by the checks are written under the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _forges_configured(settings):
    """OAuth apps set as in production, at an address where nothing listens (no request may leave anyway)."""
    nowhere = "http://127.0.0.1:9"
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        github_url=nowhere, gitee_url=nowhere, gitee_api_url=f"{nowhere}/api/v5", gitlab_url=nowhere,
        clients={p: (f"matrix-{p}", "secret") for p in ("github", "gitee", "gitlab")},
        oidc={"server_url": f"{nowhere}/oidc", "client_id": "matrix-sso", "secret": "secret"},
    )


def test_every_route_has_an_access_rule():
    missing = [f"{r.name} ({r.pattern})" for r in ROUTES if checks_for(r) is None]
    assert not missing, "add these routes to RULES in tests/accounts/test_access_matrix.py: " + ", ".join(missing)


def test_matrix_roles_hold_the_roles_they_are_named_for(people):
    assert has_role(people.student_a.user, Role.STUDENT) and not has_role(people.student_a.user, Role.REVIEWER)
    assert has_role(people.reviewer_a, Role.REVIEWER) and has_role(people.registrar, Role.REGISTRAR)
    assert has_role(people.operator, Role.OPERATOR) and people.operator.is_staff
    assert not people.registrar.is_staff


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_route_answers_each_role_as_the_rules_say(route, people, client, settings):
    checks = checks_for(route)
    if checks is None:
        pytest.fail(f"{route.name} has no access rule (see test_every_route_has_an_access_rule)")
    login_url = reverse(settings.LOGIN_URL)
    wrong = []
    for check in checks:
        url = check.url or reverse(route.name, kwargs=check.kwargs(people) if check.kwargs else None)
        for role in ROLES:
            client.logout()
            user = people.user(role)
            if user is not None:
                client.force_login(user)
            resp = getattr(client, check.method)(url, check.data)
            expected = check.outcome(role)
            if not _matches(expected, resp, login_url):
                wrong.append(f"{check.method.upper()} {url} as {role}: expected {expected}, got "
                             f"{resp.status_code} {resp.get('Location', '')}")
    assert not wrong, "\n".join(wrong)


def _student_ids_on(client, user, url) -> set[str]:
    client.force_login(user)
    html = client.get(url).content.decode()
    return set(re.findall(r"2026\d{6}", html))


def test_student_list_shows_each_role_only_its_scope(people, client):
    a, a2, b = (people.student_a.student_id, people.student_a2.student_id, people.student_b.student_id)
    assert _student_ids_on(client, people.student_a.user, "/students/") == {a}
    assert _student_ids_on(client, people.reviewer_a, "/students/") == {a, a2}
    assert _student_ids_on(client, people.reviewer_b, "/students/") == {b}
    assert _student_ids_on(client, people.registrar, "/students/") == {a, a2, b}


def test_home_shows_only_the_viewers_own_contributions(people, client):
    client.force_login(people.student_a.user)
    html = client.get("/").content.decode()
    assert people.contribution_a.title in html and people.contribution_b.title not in html


def test_student_page_shows_registrar_approved_records_only(people, client):
    client.force_login(people.registrar)
    # English, so the status word is stable whatever the site's default language.
    html_a = client.get(f"/students/{people.student_a.student_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    html_b = client.get(f"/students/{people.student_b.student_id}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert people.contribution_a.title not in html_a  # credited only in a record not yet approved
    assert people.contribution_b.title in html_b and "approved" in html_b
