"""Linking forge accounts by OAuth end to end (Django test client + forgesim over HTTP), and unlinking."""
from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.core.exceptions import ImproperlyConfigured

from accounts.models import ForgeIdentity, Verification
from accounts.providers.config import socialaccount_providers
from accounts.services.identities import IdentityNotLinked, identity_unlink
from credits.models import AuditEvent, Contribution
from tests.accounts.linking_fixtures import (  # noqa: F401
    WANGXM,
    consent,
    link_via_oauth,
    oauth_sim,
    start_link,
)
from tests.factories import ForgeIdentityFactory, RepositoryFactory, StudentProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def student_client(client):
    """A signed-in student (by the university account, not a forge)."""
    profile = StudentProfileFactory(student_id="202600001", name="王小明")
    client.force_login(profile.user)
    client.user = profile.user
    return client


@pytest.mark.parametrize("platform", ["github", "gitee", "gitlab"])
@pytest.mark.usefixtures("oauth_sim")
def test_linking_by_oauth_stores_the_forges_numeric_id_verified_by_oauth(student_client, platform):
    login, uid = WANGXM[platform]

    resp = link_via_oauth(student_client, platform, login)

    assert resp.status_code == 302 and resp["Location"] == "/accounts/forges/"
    identity = ForgeIdentity.objects.get(user=student_client.user, platform=platform)
    assert (identity.external_id, identity.login, identity.verified_via) == (uid, login, Verification.OAUTH)
    assert identity.verified_by is None and identity.unlinked_at is None
    assert AuditEvent.objects.filter(action="identity_link", subject_id=str(identity.pk)).count() == 1
    # allauth keeps nothing of its own: no social account row, and no token anywhere.
    assert not SocialAccount.objects.exists() and not SocialToken.objects.exists()


@pytest.mark.usefixtures("oauth_sim", "eager_tasks")
def test_linking_starts_a_backfill_that_brings_in_past_merged_work(student_client, django_capture_on_commit_callbacks):
    RepositoryFactory(platform="github", path="deepseek-ai/DeepSeek-V3", external_id=100001)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        link_via_oauth(student_client, "github", "wangxm-ai")

    assert len(callbacks) == 1  # exactly one backfill queued, after the link committed
    identity = ForgeIdentity.objects.get(user=student_client.user)
    assert list(Contribution.objects.filter(identity=identity).values_list("number", flat=True)) == [101]


@pytest.mark.usefixtures("oauth_sim")
def test_authorize_redirect_goes_to_the_configured_github_url_not_the_import_time_one(sim, student_client):
    authorize_url = start_link(student_client, "github")

    assert authorize_url.startswith(sim.github_url + "/login/oauth/authorize?")
    assert "client_id=xuefen-test-github" in authorize_url
    assert "process" not in authorize_url  # our state stays in our session; only its id travels


@pytest.mark.usefixtures("oauth_sim")
def test_linked_accounts_appear_on_my_forge_accounts_page(student_client):
    link_via_oauth(student_client, "gitee", "wangxm")

    page = student_client.get("/accounts/forges/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    text = page.content.decode()
    assert page.status_code == 200
    assert "我的代码平台账户" in text and "wangxm" in text and "2001" in text
    assert "通过 OAuth 验证" in text or "verified by OAuth" in text
    assert "/accounts/oauth/github/login/" in text  # GitHub and GitLab still offer a link button


@pytest.mark.usefixtures("oauth_sim")
def test_page_speaks_english_when_asked(student_client):
    page = student_client.get("/accounts/forges/", HTTP_ACCEPT_LANGUAGE="en")

    assert "My forge accounts" in page.content.decode()


@pytest.mark.usefixtures("oauth_sim")
def test_account_linked_to_someone_else_is_refused_with_a_page_and_an_audit_row(student_client):
    other = ForgeIdentityFactory(platform="github", external_id=1001, login="wangxm-ai")

    resp = link_via_oauth(student_client, "github", "wangxm-ai")

    assert resp.status_code == 409
    assert "wangxm-ai" in resp.content.decode()
    assert not ForgeIdentity.objects.filter(user=student_client.user).exists()
    refusal = AuditEvent.objects.get(action="identity_link_refused")
    assert refusal.subject_id == str(other.pk) and refusal.data["requested_for"] == student_client.user.pk


@pytest.mark.usefixtures("oauth_sim")
def test_second_account_on_the_same_forge_is_refused_until_the_first_is_unlinked(student_client):
    link_via_oauth(student_client, "gitlab", "wangxm")

    resp = link_via_oauth(student_client, "gitlab", "lihua")

    assert resp.status_code == 409
    assert list(ForgeIdentity.objects.filter(user=student_client.user).values_list("login", flat=True)) == ["wangxm"]


@pytest.mark.usefixtures("oauth_sim")
def test_denied_authorization_links_nothing_and_says_so(student_client):
    resp = link_via_oauth(student_client, "github", "wangxm-ai", decision="deny")

    assert resp.status_code == 400
    assert 'data-kind="denied"' in resp.content.decode()
    assert not ForgeIdentity.objects.exists()


@pytest.mark.usefixtures("oauth_sim")
def test_forge_failing_to_return_the_profile_links_nothing_and_says_so(sim, student_client):
    sim.inject_fault("gitee", r"^/user", "status", status=502)

    resp = link_via_oauth(student_client, "gitee", "wangxm")

    assert resp.status_code == 400 and 'data-kind="failed"' in resp.content.decode()
    assert not ForgeIdentity.objects.exists()


@pytest.mark.usefixtures("oauth_sim")
def test_replayed_callback_is_refused_and_links_nothing_more(student_client):
    callback = consent(start_link(student_client, "gitee"), login="wangxm")
    assert student_client.get(callback).status_code == 302
    ForgeIdentity.objects.all().update(unlinked_at="2026-01-01T00:00:00Z")

    replay = student_client.get(callback)

    assert replay.status_code == 400 and 'data-kind="state"' in replay.content.decode()
    assert ForgeIdentity.objects.filter(unlinked_at__isnull=True).count() == 0


@pytest.mark.usefixtures("oauth_sim")
def test_mismatched_state_is_refused(student_client):
    callback = consent(start_link(student_client, "github"), login="wangxm-ai")
    forged = callback.split("state=")[0] + "state=not-the-one-we-issued"

    resp = student_client.get(forged)

    assert resp.status_code == 400 and 'data-kind="state"' in resp.content.decode()
    assert not ForgeIdentity.objects.exists()


@pytest.mark.usefixtures("oauth_sim")
def test_expired_session_between_start_and_callback_links_nothing(student_client):
    callback = consent(start_link(student_client, "gitlab"), login="wangxm")
    student_client.session.flush()
    student_client.cookies.clear()

    resp = student_client.get(callback)

    assert resp.status_code == 400 and 'data-kind="state"' in resp.content.decode()
    assert not ForgeIdentity.objects.exists()


@pytest.mark.usefixtures("oauth_sim")
def test_a_forge_account_cannot_be_used_to_sign_in(client):
    resp = client.post("/accounts/oauth/github/login/", {"process": "login"})
    callback = consent(resp["Location"], login="wangxm-ai")

    resp = client.get(callback)

    assert resp.status_code == 403 and 'data-kind="sign-in"' in resp.content.decode()
    assert "_auth_user_id" not in client.session
    assert not ForgeIdentity.objects.exists() and not SocialAccount.objects.exists()


@pytest.mark.usefixtures("oauth_sim")
def test_unlink_frees_the_account_keeps_the_row_and_audits(student_client):
    link_via_oauth(student_client, "github", "wangxm-ai")
    identity = ForgeIdentity.objects.get()

    resp = student_client.post(f"/accounts/forges/{identity.pk}/unlink/")

    assert resp.status_code == 302
    identity.refresh_from_db()
    assert identity.unlinked_at is not None
    assert AuditEvent.objects.filter(action="identity_unlink", subject_id=str(identity.pk)).exists()
    page = student_client.get("/accounts/forges/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="past-accounts"' in page and "wangxm-ai" in page
    # The freed account can be linked again (a new row; the old one keeps its history).
    assert link_via_oauth(student_client, "github", "wangxm-ai").status_code == 302
    assert ForgeIdentity.objects.filter(external_id=1001).count() == 2


def test_nobody_can_unlink_someone_elses_identity(student_client):
    other = ForgeIdentityFactory(platform="gitee")

    resp = student_client.post(f"/accounts/forges/{other.pk}/unlink/")

    assert resp.status_code == 404
    other.refresh_from_db()
    assert other.unlinked_at is None
    with pytest.raises(IdentityNotLinked):
        identity_unlink(identity_id=other.pk, user=student_client.user)


def test_unlink_is_post_only(student_client):
    identity = ForgeIdentityFactory(user=student_client.user)

    assert student_client.get(f"/accounts/forges/{identity.pk}/unlink/").status_code == 405


def test_page_requires_sign_in(client):
    resp = client.get("/accounts/forges/")

    assert resp.status_code == 302 and resp["Location"].startswith("/accounts/login/")


def test_forge_without_an_oauth_app_offers_no_link_button(settings, student_client):
    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        github_url="https://github.com", gitee_url="https://gitee.com", gitee_api_url="https://gitee.com/api/v5",
        gitlab_url="https://gitlab.com", clients={"gitee": ("id", "secret")},
    )

    text = student_client.get("/accounts/forges/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "/accounts/oauth/gitee/login/" in text
    assert "/accounts/oauth/github/login/" not in text and "/accounts/oauth/gitlab/login/" not in text


def test_client_id_without_secret_fails_loudly():
    with pytest.raises(ImproperlyConfigured, match="GITHUB_CLIENT_SECRET"):
        socialaccount_providers(github_url="x", gitee_url="x", gitee_api_url="x", gitlab_url="x",
                                clients={"github": ("id", "")})


def test_university_sso_is_configured_only_when_its_server_url_is_set():
    base = {"github_url": "x", "gitee_url": "x", "gitee_api_url": "x", "gitlab_url": "x", "clients": {}}

    assert "openid_connect" not in socialaccount_providers(**base, oidc={"server_url": ""})
    sso = socialaccount_providers(**base, oidc={"server_url": "https://idp.example.edu.cn", "client_id": "c",
                                                "secret": "s"})["openid_connect"]["APPS"][0]
    assert sso["provider_id"] == "university" and sso["settings"]["server_url"] == "https://idp.example.edu.cn"


@pytest.fixture
def sso_request(settings, rf):
    """A request inside allauth's context, with university SSO configured (there is no IdP to dance with)."""
    from allauth.core import context
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    settings.SOCIALACCOUNT_PROVIDERS = socialaccount_providers(
        github_url="x", gitee_url="x", gitee_api_url="x", gitlab_url="x", clients={},
        oidc={"server_url": "https://idp.example.edu.cn", "client_id": "c", "secret": "s"},
    )
    request = rf.get("/accounts/oauth/oidc/university/login/callback/")
    request.session, request.user = SessionStore(), AnonymousUser()
    with context.request_context(request):
        yield request


def sso_login(sub: str, claims: dict):
    from allauth.socialaccount.models import SocialLogin

    return SocialLogin(account=SocialAccount(provider="university", uid=sub, extra_data={"userinfo": claims}))


def test_first_university_sso_sign_in_attaches_to_the_rostered_student(sso_request):
    from accounts.linking.adapter import SocialAccountAdapter

    profile = StudentProfileFactory(student_id="202600042")
    login = sso_login("sub-42", {"sub": "sub-42", "preferred_username": "202600042"})

    SocialAccountAdapter().pre_social_login(sso_request, login)

    assert SocialAccount.objects.get(provider="university", uid="sub-42").user == profile.user
    assert not SocialToken.objects.exists()


def test_university_sso_for_someone_not_on_the_roster_is_refused(sso_request):
    from allauth.core.exceptions import ImmediateHttpResponse

    from accounts.linking.adapter import SocialAccountAdapter

    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter().pre_social_login(sso_request, sso_login("sub-x", {"preferred_username": "nobody"}))

    assert refused.value.response.status_code == 403
    assert not SocialAccount.objects.exists()


def test_first_university_sso_sign_in_is_recorded_in_the_audit_log(sso_request):
    from accounts.linking.adapter import SocialAccountAdapter

    profile = StudentProfileFactory(student_id="202600043")

    SocialAccountAdapter().pre_social_login(sso_request, sso_login("sub-43", {"preferred_username": "202600043"}))

    event = AuditEvent.objects.get(action="sso_attach")
    assert event.actor == profile.user and event.subject_id == str(profile.user.pk)
    assert event.data["uid"] == "sub-43" and event.data["claim"] == "202600043"


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}, {}])
def test_university_sso_never_attaches_by_username_to_an_operator_or_anyone_else(sso_request, flags):
    from allauth.core.exceptions import ImmediateHttpResponse

    from accounts.linking.adapter import SocialAccountAdapter
    from tests.factories import UserFactory

    UserFactory(username="admin", **flags)

    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter().pre_social_login(sso_request, sso_login("sub-a", {"preferred_username": "admin"}))

    assert refused.value.response.status_code == 403
    assert not SocialAccount.objects.exists() and not AuditEvent.objects.filter(action="sso_attach").exists()


def test_university_sso_does_not_attach_to_a_staff_member_with_a_student_profile(sso_request):
    from allauth.core.exceptions import ImmediateHttpResponse

    from accounts.linking.adapter import SocialAccountAdapter

    profile = StudentProfileFactory(student_id="202600044")
    profile.user.is_staff = True
    profile.user.save(update_fields=["is_staff"])

    with pytest.raises(ImmediateHttpResponse):
        SocialAccountAdapter().pre_social_login(sso_request, sso_login("sub-44", {"preferred_username": "202600044"}))

    assert not SocialAccount.objects.exists()


def test_sign_in_page_offers_university_sso_only_when_configured(sso_request, client, settings):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "/accounts/oauth/oidc/university/login/" in page and "使用 University SSO 登录" in page

    settings.SOCIALACCOUNT_PROVIDERS = {k: v for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()
                                        if k != "openid_connect"}
    assert "/oidc/" not in client.get("/accounts/login/").content.decode()


def test_unlinking_keeps_past_contributions_attached(student_client):
    from tests.factories import ContributionFactory

    contribution = ContributionFactory(identity=ForgeIdentityFactory(user=student_client.user, platform="gitlab"))

    identity_unlink(identity_id=contribution.identity_id, user=student_client.user)

    contribution.refresh_from_db()
    assert contribution.identity.user == student_client.user and contribution.identity.unlinked_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("oauth_sim", "eager_tasks")
def test_link_stands_when_its_backfill_fails(sim, client, caplog):
    profile = StudentProfileFactory()
    client.force_login(profile.user)
    sim.inject_fault("github", r"^/user/1001", "status", times=None, status=500)

    resp = link_via_oauth(client, "github", "wangxm-ai")

    assert resp.status_code == 302 and resp["Location"] == "/accounts/forges/"
    assert ForgeIdentity.objects.filter(user=profile.user, external_id=1001).exists()
    assert any("on_commit" in r.getMessage() or r.exc_info for r in caplog.records if r.levelname == "ERROR")


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("sim", "eager_tasks")  # the backfill the winner starts goes to forgesim
def test_two_people_claiming_one_account_at_once_get_one_link_and_one_audited_refusal(postgres_only):
    import threading

    from django.db import connection

    from accounts.services.identities import IdentityConflict, identity_link

    first, second = StudentProfileFactory().user, StudentProfileFactory().user
    barrier, outcomes = threading.Barrier(2), []

    def claim(user):
        try:
            barrier.wait()
            identity_link(user=user, platform="github", external_id=1001, login="wangxm-ai", via=Verification.OAUTH)
            outcomes.append("linked")
        except IdentityConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(outcomes) == ["linked", "refused"]
    assert ForgeIdentity.objects.filter(external_id=1001, unlinked_at__isnull=True).count() == 1
    assert AuditEvent.objects.filter(action="identity_link_refused").count() == 1


@pytest.mark.parametrize("path", ["/accounts/oauth/github/login/", "/accounts/oauth/gitee/login/",
                                  "/accounts/oauth/gitlab/login/callback/"])
def test_a_forge_without_an_oauth_app_answers_a_clear_page_not_a_500(client, settings, path):
    settings.SOCIALACCOUNT_PROVIDERS = {
        name: {**conf, "APPS": []} for name, conf in settings.SOCIALACCOUNT_PROVIDERS.items()
    }
    client.force_login(StudentProfileFactory().user)

    response = client.get(path)

    assert response.status_code == 404
    assert "_CLIENT_ID" in response.content.decode()
