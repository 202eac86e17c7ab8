"""Gitee and GitLab through the shared sync: registry, link backfill, watermark walks and rate-limit retries."""
from __future__ import annotations

from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.core.management import call_command
from django.utils import timezone

from accounts.models import ForgeIdentity
from credits.forges import ForgeNotFound, ForgeUnavailable
from credits.models import Contribution, Repository, SyncState
from credits.services.registry import repository_add
from credits.services.sync import identity_backfill, repository_sync
from credits.tasks import sync_repository
from tests.factories import student

from .conftest import add_merged

pytestmark = pytest.mark.django_db

# platform -> (repository spec, the same project by numeric id, wangxm's login, his merged PR number, its size)
CASES = {
    "gitee": ("gitee:mindspore/mindspore", None, "wangxm", 88001, (66, 10, 3)),
    "gitlab": ("gitlab:ai-lab/nlp/toolkit", "gitlab:300001", "wangxm", 1, (210, 15, 6)),
}


def _link(platform: str, login: str, callbacks) -> ForgeIdentity:
    profile = student()
    with callbacks(execute=True):
        call_command("link_identity", profile.student_id, f"{platform}:{login}")
    return ForgeIdentity.objects.get(user=profile.user, platform=platform)


@pytest.mark.parametrize("platform", ["gitee", "gitlab"])
def test_link_backfills_merged_work_into_registry_repositories(
    platform, sim, eager_tasks, django_capture_on_commit_callbacks
):
    spec, _, login, number, size = CASES[platform]
    repository = repository_add(spec=spec)
    identity = _link(platform, login, django_capture_on_commit_callbacks)
    contribution = Contribution.objects.get(identity=identity)
    assert (contribution.repository, contribution.number) == (repository, number)
    assert (contribution.additions, contribution.deletions, contribution.changed_files) == size
    assert contribution.merged_at is not None and contribution.author_external_id == identity.external_id
    assert identity.sync_state.last_status == "ok" and identity.sync_state.backfilled_until is not None


def test_gitlab_project_by_path_and_by_id_is_one_registry_entry(sim):
    by_path = repository_add(spec="gitlab:ai-lab/nlp/toolkit")
    by_id = repository_add(spec="gitlab:300001", tier="core")
    assert by_id.pk == by_path.pk and Repository.objects.filter(platform="gitlab").count() == 1
    by_id.refresh_from_db()
    assert (by_id.path, by_id.external_id, by_id.tier) == ("ai-lab/nlp/toolkit", 300001, "core")


@pytest.mark.parametrize("platform", ["gitee", "gitlab"])
def test_incremental_sync_resumes_from_the_watermark(platform, sim, world):
    spec, _, login, _, _ = CASES[platform]
    repository = repository_add(spec=spec)
    profile = student()
    forge_id = world.users["wangxm"].uid(platform)
    identity = ForgeIdentity.objects.create(user=profile.user, platform=platform, external_id=forge_id, login=login,
                                            verified_via="operator", verified_at=repository.added_at)
    add_merged(world, spec, "zhangsan", 130)  # someone else's work to page through on the first walk

    first = repository_sync(repository_id=repository.pk)
    assert first.stored == 1 and first.pulls_seen == {"gitee": 131, "gitlab": 132}[platform]
    watermark = SyncState.objects.get(repository=repository).watermark
    assert watermark is not None

    newest = max(p.updated_at for p in world.pulls_of(platform, spec.split(":", 1)[1]).values())
    new = world.add_pull(spec, author="wangxm", title="Faster attention kernel",
                         merged_at=newest + timedelta(hours=1), updated_at=newest + timedelta(hours=1))
    second = repository_sync(repository_id=repository.pk)
    stored = Contribution.objects.filter(identity=identity).order_by("number")
    assert new.number in {c.number for c in stored} and stored.count() == 2
    assert second.pulls_seen <= 3  # stopped at the watermark instead of re-walking 130 pulls
    # One list page, then Gitee's detail or GitLab's diffs (the MR itself came with the list page).
    assert second.requests_spent == 2
    assert SyncState.objects.get(repository=repository).watermark > watermark

    quiet = repository_sync(repository_id=repository.pk)
    assert quiet.not_modified and quiet.requests_spent == 0 and quiet.stored == 0


@pytest.mark.parametrize("platform", ["gitee", "gitlab"])
def test_rate_limit_reschedules_the_task_at_retry_after(platform, sim, eager_tasks):
    repository = repository_add(spec=CASES[platform][0])
    sim.inject_fault(platform, r"/(pulls|merge_requests)\b", "rate_limit", retry_after=42)
    with pytest.raises(Retry) as retry:
        sync_repository.apply(args=[repository.pk], throw=True)
    assert retry.value.when == 42
    state = SyncState.objects.get(repository=repository)
    assert state.last_status == "retrying" and state.watermark is None and state.etag == ""


@pytest.mark.parametrize("platform", ["gitee", "gitlab"])
def test_renamed_user_is_still_matched_by_numeric_id_and_the_login_follows(platform, sim, world):
    spec, _, login, number, _ = CASES[platform]
    repository = repository_add(spec=spec)
    forge_id = world.users["wangxm"].uid(platform)
    identity = ForgeIdentity.objects.create(user=student().user, platform=platform, external_id=forge_id,
                                            login=login, verified_via="operator", verified_at=repository.added_at)
    world.rename_user(platform, forge_id, "wang-renamed")
    repository_sync(repository_id=repository.pk)
    assert Contribution.objects.get(identity=identity).number == number
    identity.refresh_from_db()
    assert identity.login == "wang-renamed"


@pytest.mark.parametrize("platform", ["gitee", "gitlab"])
def test_failed_walk_keeps_what_it_stored_and_resumes_at_the_failed_page(platform, sim, world):
    spec = CASES[platform][0]
    repository = repository_add(spec=spec)
    ForgeIdentity.objects.create(user=student().user, platform=platform, external_id=world.users["zhangsan"].uid(
        platform), login="z", verified_via="operator", verified_at=repository.added_at)
    add_merged(world, spec, "zhangsan", 150)
    sim.inject_fault(platform, r"page=2", "malformed")
    with pytest.raises(ForgeUnavailable):
        repository_sync(repository_id=repository.pk)
    first_page = Contribution.objects.count()
    assert 0 < first_page < 150
    state = SyncState.objects.get(repository=repository)
    assert state.watermark is None and state.last_status == "retrying"
    assert state.walk_page == 2 and state.walk_stored == first_page
    sim.reset_stats()
    report = repository_sync(repository_id=repository.pk)
    expected = sum(1 for p in world.pulls_of(platform, spec.split(":", 1)[1]).values()
                   if p.state == "merged" and p.author == "zhangsan")
    assert report.complete and Contribution.objects.count() == expected
    lists = [e for e in sim.stats()["endpoints"] if e.endswith(("/pulls", "/merge_requests"))]
    statuses = [sim.stats()["endpoints"][e]["requests"] for e in lists]
    assert sum(statuses) == 1  # the resumed walk asked for page 2 only, not page 1 again
    state = SyncState.objects.get(repository=repository)
    assert state.watermark is not None and state.walk_page == 0


def test_backfill_of_unknown_gitlab_user_is_a_permanent_error(sim):
    identity = ForgeIdentity.objects.create(user=student().user, platform="gitlab", external_id=987654321,
                                            login="ghost", verified_via="operator", verified_at=timezone.now())
    with pytest.raises(ForgeNotFound) as err:
        identity_backfill(identity_id=identity.pk)
    assert err.value.permanent
    assert identity.sync_state.last_status == "error" and not Contribution.objects.exists()


@pytest.mark.parametrize("spec", ["gitlab:ai-lab/nlp/toolkit", "gitlab:300001", "gitee:mindspore/mindspore"])
def test_commands_register_and_sync_gitee_and_gitlab_by_path_or_project_id(spec, sim, world):
    from io import StringIO

    call_command("add_repository", spec)
    platform = spec.split(":")[0]
    ForgeIdentity.objects.create(user=student().user, platform=platform, external_id=world.users["wangxm"].uid(
        platform), login="wangxm", verified_via="operator", verified_at=timezone.now())
    out = StringIO()
    call_command("sync", "--repository", spec, "--wait", "--lang", "en", stdout=out)
    assert "stored: 1" in out.getvalue()
    assert Contribution.objects.get().repository.spec == {"gitee": "gitee:mindspore/mindspore"}.get(
        platform, "gitlab:ai-lab/nlp/toolkit")


def test_a_gitlab_mirror_source_may_be_named_by_project_id(sim):
    source = repository_add(spec="gitlab:ai-lab/nlp/toolkit")
    mirror = repository_add(spec="gitlab:ai-lab/vision", mirror_of="gitlab:300001")
    assert mirror.mirror_of == source
