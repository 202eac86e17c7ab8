"""GitHub repository sync and identity backfill, driving the real PyGithub against forgesim over HTTP."""
from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import ForgeIdentity
from credits.forges import ForgeAuthError, ForgeNotFound, ForgeRateLimited, ForgeUnavailable
from credits.models import Contribution, IdentitySyncState, SyncState
from credits.services.sync import identity_backfill, repository_sync
from tests.credits.sync_helpers import BASE, add_merged, endpoint_requests, link, register, spent

pytestmark = pytest.mark.django_db
DEEPSEEK = "github:deepseek-ai/DeepSeek-V3"
LIST = "github GET /repos/{owner}/{repo}/pulls"
DETAIL = "github GET /repos/{owner}/{repo}/pulls/{number}"


def test_first_sync_walks_every_page_and_keeps_only_linked_students_merged_prs(sim):
    add_merged(sim, DEEPSEEK, "wangxm", 230)
    add_merged(sim, DEEPSEEK, "maint", 40, start=BASE + timedelta(days=1))     # not a student
    add_merged(sim, DEEPSEEK, "wangxm", 15, start=BASE + timedelta(days=2), merged=False)  # closed unmerged
    identity = link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)

    report = repository_sync(repository_id=repository.pk)

    stored = Contribution.objects.filter(repository=repository)
    assert stored.count() == 231  # 230 new + PR #101 from the scenario
    assert set(stored.values_list("identity_id", flat=True)) == {identity.pk}
    total_closed = sum(1 for p in sim.world.pulls_of("github", "deepseek-ai/DeepSeek-V3").values()
                       if p.state != "open")
    assert report.pulls_seen == total_closed
    assert endpoint_requests(sim, LIST) == -(-total_closed // 100)  # every page, once
    assert endpoint_requests(sim, DETAIL) == 231  # details only for kept PRs
    one = stored.get(number=101)
    assert (one.additions, one.deletions, one.changed_files, one.merged_by_login) == (48, 12, 3, "chen-maintainer")
    assert one.labels == ["bug"] and one.url.endswith("/pull/101")


def test_unchanged_repository_answers_304_and_costs_no_rate_limit(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    repository_sync(repository_id=repository.pk)
    before = spent(sim)

    report = repository_sync(repository_id=repository.pk)

    assert report.not_modified and report.requests_spent == 0
    assert spent(sim) == before
    state = SyncState.objects.get(repository=repository)
    assert state.not_modified == 1 and state.last_status == "not_modified"


def test_incremental_sync_reads_one_page_and_details_only_new_student_prs(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 150)
    repository_sync(repository_id=repository.pk)
    sim.reset_stats()
    add_merged(sim, DEEPSEEK, "wangxm", 3, start=BASE + timedelta(days=30))
    add_merged(sim, DEEPSEEK, "maint", 2, start=BASE + timedelta(days=31))

    report = repository_sync(repository_id=repository.pk)

    assert report.stored == 3
    assert endpoint_requests(sim, LIST) == 1 and endpoint_requests(sim, DETAIL) == 3
    assert spent(sim) == 4
    assert Contribution.objects.filter(repository=repository).count() == 154


def test_a_failed_page_leaves_watermark_and_etag_so_the_next_run_stores_everything_once(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250)
    sim.inject_fault("github", r"/pulls\?.*page=2", "status", status=502)

    with pytest.raises(ForgeUnavailable):
        repository_sync(repository_id=repository.pk)

    state = SyncState.objects.get(repository=repository)
    assert state.watermark is None and state.etag == "" and state.last_status == "retrying"
    assert "502" in state.last_error
    repository_sync(repository_id=repository.pk)
    assert Contribution.objects.filter(repository=repository).count() == 251
    repository_sync(repository_id=repository.pk)  # a re-run neither duplicates nor loses anything
    assert Contribution.objects.filter(repository=repository).count() == 251


def test_a_malformed_page_is_a_transient_error_and_moves_nothing(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    repository_sync(repository_id=repository.pk)
    watermark = SyncState.objects.get(repository=repository).watermark
    add_merged(sim, DEEPSEEK, "wangxm", 5, start=BASE + timedelta(days=40))
    sim.inject_fault("github", r"/pulls\?", "malformed")

    with pytest.raises(ForgeUnavailable, match="not JSON"):
        repository_sync(repository_id=repository.pk)

    assert SyncState.objects.get(repository=repository).watermark == watermark
    assert repository_sync(repository_id=repository.pk).stored == 5


def test_rate_limited_list_raises_with_the_forges_reset_time(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    for token in settings.FORGE_TOKENS["github"]:
        sim.set_budget("github", token, remaining=0, reset_in_seconds=120)

    with pytest.raises(ForgeRateLimited) as caught:
        repository_sync(repository_id=repository.pk)

    assert 100 <= caught.value.retry_after <= 125
    assert Contribution.objects.count() == 0


def test_secondary_rate_limit_honours_retry_after(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    sim.inject_fault("github", r"/pulls", "secondary_rate_limit", retry_after=42)

    with pytest.raises(ForgeRateLimited) as caught:
        repository_sync(repository_id=repository.pk)

    assert caught.value.retry_after == 42


def test_the_pool_uses_the_token_with_the_most_budget_left(sim, settings):
    from credits.forges.github import client_from_settings

    first, second = settings.FORGE_TOKENS["github"][:2]
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    sim.set_budget("github", first, remaining=3, reset_in_seconds=3000)
    sim.set_budget("github", second, remaining=4000, reset_in_seconds=3000)
    # One request on each token teaches the shared pool what the forge says each has left.
    for token in (first, second):
        client_from_settings(token=token).get_user("wangxm-ai")
    sim.reset_stats()

    repository_sync(repository_id=repository.pk, client=client_from_settings())

    tokens = sim.stats()["tokens"]
    assert tokens.get(f"github:{second}", {}).get("requests", 0) >= 2
    assert tokens.get(f"github:{first}", {}).get("requests", 0) == 0


def test_a_rejected_token_is_a_permanent_error_recorded_on_the_state(sim, settings):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    settings.FORGE_TOKENS = {**settings.FORGE_TOKENS, "github": ["ghp_revoked_token"]}

    with pytest.raises(ForgeAuthError) as caught:
        repository_sync(repository_id=repository.pk)

    assert caught.value.permanent
    state = SyncState.objects.get(repository=repository)
    assert state.last_status == "error" and "401" in state.last_error


def test_a_repository_the_forge_no_longer_knows_is_a_permanent_404(sim):
    link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    repository.path = "deepseek-ai/Deleted"
    repository.save()

    with pytest.raises(ForgeNotFound, match="404"):
        repository_sync(repository_id=repository.pk)
    assert SyncState.objects.get(repository=repository).last_status == "error"


def test_a_renamed_login_keeps_the_numeric_id_and_follows_the_forge(sim):
    identity = link(sim, "lihua", login="lihua-old")  # linked before the rename
    repository = register(sim, DEEPSEEK)

    repository_sync(repository_id=repository.pk)

    identity.refresh_from_db()
    assert identity.external_id == 1002 and identity.login == "lihua-nlp"
    assert Contribution.objects.get(identity=identity).author_login == "lihua-nlp"


def test_backfill_finds_a_new_identitys_prs_in_registry_repositories_only(sim):
    identity = link(sim, "lihua")
    register(sim, DEEPSEEK)
    register(sim, "github:PaddlePaddle/Paddle")  # vllm is not registered: its PRs are ignored

    report = identity_backfill(identity_id=identity.pk)

    numbers = sorted(Contribution.objects.filter(identity=identity).values_list("number", flat=True))
    assert numbers == [102, 70001]
    assert report.stored == 2
    # The search item id is the issue id; the stored id is the pull request's own.
    pull = sim.world.pull("github", "deepseek-ai/DeepSeek-V3", 102)
    assert Contribution.objects.get(number=102).external_id == pull.id
    assert IdentitySyncState.objects.get(identity=identity).last_status == "ok"


def test_backfill_slices_by_date_past_the_1000_result_search_cap(sim):
    identity = link(sim, "wangxm")
    register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 1100, start=BASE - timedelta(days=400))

    identity_backfill(identity_id=identity.pk)

    assert Contribution.objects.filter(identity=identity).count() == 1101
    assert endpoint_requests(sim, "github GET /search/issues") > 11  # more than one query's worth


def test_resyncing_refreshes_forge_fields_in_place(sim):
    identity = link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    repository_sync(repository_id=repository.pk)
    row = Contribution.objects.get(identity=identity, number=101)
    sim.world.update_pull(DEEPSEEK, 101, title="Fix RoPE scaling (v2)", labels=["bug", "reviewed"])

    repository_sync(repository_id=repository.pk)

    again = Contribution.objects.get(number=101)
    assert again.pk == row.pk and again.first_seen_at == row.first_seen_at
    assert again.title == "Fix RoPE scaling (v2)" and again.labels == ["bug", "reviewed"]


def test_a_backfill_cut_short_by_the_search_limit_resumes_without_refetching(sim, settings):
    identity = link(sim, "wangxm")
    register(sim, DEEPSEEK)
    add_merged(sim, DEEPSEEK, "wangxm", 250, start=BASE - timedelta(days=100))
    sim.inject_fault("github", r"/search/issues.*page=3", "rate_limit", retry_after=30)

    with pytest.raises(ForgeRateLimited):
        identity_backfill(identity_id=identity.pk)
    stored_first = Contribution.objects.filter(identity=identity).count()
    assert stored_first >= 200  # two full pages were stored before the limit
    sim.reset_stats()

    identity_backfill(identity_id=identity.pk)

    assert Contribution.objects.filter(identity=identity).count() == 251
    assert endpoint_requests(sim, DETAIL) == 251 - stored_first  # only the missing details


def test_unlinked_identities_are_not_synced(sim):
    identity = link(sim, "wangxm")
    ForgeIdentity.objects.filter(pk=identity.pk).update(unlinked_at=BASE)
    repository = register(sim, DEEPSEEK)

    assert repository_sync(repository_id=repository.pk).stored == 0


def test_a_repository_with_no_closed_prs_syncs_cleanly(sim):
    link(sim, "wangxm")
    repository = register(sim, "github:QwenLM/Qwen3")  # only an open PR

    report = repository_sync(repository_id=repository.pk)

    state = SyncState.objects.get(repository=repository)
    assert report.stored == 0 and state.last_status == "ok" and state.watermark is None


def test_a_resync_never_moves_a_contribution_to_the_accounts_next_owner(sim):
    from accounts.models import Verification
    from accounts.services.identities import identity_link
    from tests.factories import student

    first = link(sim, "wangxm")
    repository = register(sim, DEEPSEEK)
    repository_sync(repository_id=repository.pk)
    ForgeIdentity.objects.filter(pk=first.pk).update(unlinked_at=BASE)
    successor = identity_link(user=student().user, platform="github", external_id=1001, login="wangxm-ai",
                              via=Verification.OPERATOR)
    sim.world.update_pull(DEEPSEEK, 101, title="Fix RoPE scaling (touched)")
    SyncState.objects.filter(repository=repository).update(etag="", watermark=None)

    repository_sync(repository_id=repository.pk)

    row = Contribution.objects.get(number=101)
    assert row.identity_id == first.pk and row.title == "Fix RoPE scaling (touched)"
    assert not Contribution.objects.filter(identity=successor).exists()


def test_a_backfill_for_an_identity_unlinked_meanwhile_stores_nothing(sim):
    identity = link(sim, "lihua")
    register(sim, DEEPSEEK)
    ForgeIdentity.objects.filter(pk=identity.pk).update(unlinked_at=BASE)
    sim.reset_stats()

    report = identity_backfill(identity_id=identity.pk)

    assert report.stored == 0 and not Contribution.objects.exists()
    assert sim.stats()["platforms"].get("github", {}).get("requests", 0) == 0


def test_the_overdue_sweep_skips_finished_failed_and_still_moving_work(sim):
    from django.utils import timezone

    from credits.services.sync import overdue_work

    old, recent = timezone.now() - timedelta(hours=5), timezone.now() - timedelta(seconds=30)
    due_later = timezone.now() + timedelta(hours=1)
    never, done, failed, waiting = (link(sim, key) for key in ("wangxm", "lihua", "zhangsan", "maint"))
    ForgeIdentity.objects.update(created_at=old)
    for identity, status, started in ((done, "ok", old), (failed, "error", old), (waiting, "retrying", old)):
        IdentitySyncState.objects.create(identity=identity, last_status=status, last_started_at=started,
                                         heartbeat_at=started,
                                         next_attempt_at=due_later if identity == waiting else None)
    stale, moving = register(sim, DEEPSEEK), register(sim, "github:PaddlePaddle/Paddle")
    SyncState.objects.filter(repository=moving).update(last_started_at=recent, heartbeat_at=recent,
                                                       last_status="running")

    repositories, identities = overdue_work(max_age_minutes=180, stale_seconds=120)

    assert repositories == [stale.pk]
    assert identities == [never.pk]  # done, permanently failed and rescheduled backfills are left alone


def test_the_sweep_brings_back_silent_in_flight_work_whatever_its_age(sim):
    from django.utils import timezone

    from credits.services.sync import overdue_work

    silent = timezone.now() - timedelta(minutes=4)
    queued, lost = link(sim, "wangxm"), link(sim, "lihua")  # linked minutes ago, not hours
    ForgeIdentity.objects.update(created_at=silent)
    IdentitySyncState.objects.create(identity=queued, last_status="queued", heartbeat_at=silent)
    running = register(sim, DEEPSEEK)
    SyncState.objects.filter(repository=running).update(last_status="running", heartbeat_at=silent,
                                                        last_started_at=silent, last_finished_at=timezone.now())

    repositories, identities = overdue_work(max_age_minutes=180, stale_seconds=120)

    assert repositories == [running.pk]
    assert sorted(identities) == sorted([queued.pk, lost.pk])
