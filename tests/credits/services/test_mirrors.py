"""Mirrors counted once: copies found by SHA or by mirror registration, the earliest merge credited."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import ForgeIdentity
from credits.models import AuditEvent, Contribution
from credits.services.mirrors import duplicates_mark
from credits.services.registry import repository_add
from credits.services.sync import repository_sync
from tests.factories import ContributionFactory, ForgeIdentityFactory, RepositoryFactory, UserFactory

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(dt.datetime(2026, 3, 1, 12, 0), dt.UTC)
SHA_A, SHA_B = "a" * 40, "b" * 40


def _pair(user=None):
    """One person's GitHub and Gitee identities."""
    user = user or UserFactory()
    return (ForgeIdentityFactory(user=user, platform="github"), ForgeIdentityFactory(user=user, platform="gitee"))


def _contribution(identity, *, merged_at, repository=None, **kwargs):
    repository = repository or RepositoryFactory(platform=identity.platform)
    return ContributionFactory(identity=identity, repository=repository, merged_at=merged_at, **kwargs)


def test_same_head_sha_on_two_forges_is_credited_once_to_the_earlier_merge():
    github, gitee = _pair()
    later = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=1), head_sha=SHA_A)
    earlier = _contribution(github, merged_at=T0, head_sha=SHA_A)
    assert duplicates_mark(contribution_ids=[later.pk]) == 1
    later.refresh_from_db()
    earlier.refresh_from_db()
    assert earlier.duplicate_of_id is None
    assert later.duplicate_of_id == earlier.pk
    assert later.duplicate_reason.startswith("same commit aaaaaaaaaaaa as github:")
    assert AuditEvent.objects.filter(action="contribution_duplicate", subject_id=str(later.pk)).count() == 1


def test_a_merge_sha_matching_the_other_copys_head_sha_is_the_same_change():
    github, gitee = _pair()
    first = _contribution(github, merged_at=T0, head_sha=SHA_B, merge_commit_sha=SHA_A)
    copy = _contribution(gitee, merged_at=T0 + dt.timedelta(days=2), head_sha=SHA_A)
    duplicates_mark(contribution_ids=[first.pk])
    copy.refresh_from_db()
    assert copy.duplicate_of_id == first.pk


def test_unrelated_contributions_are_left_alone_and_rerunning_changes_nothing():
    github, gitee = _pair()
    a = _contribution(github, merged_at=T0, head_sha=SHA_A)
    b = _contribution(gitee, merged_at=T0, head_sha=SHA_B, title="Something else")
    assert duplicates_mark(contribution_ids=[a.pk, b.pk]) == 0
    assert not Contribution.objects.filter(duplicate_of__isnull=False).exists()
    copy = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=3), head_sha=SHA_A)
    assert duplicates_mark(contribution_ids=[copy.pk]) == 1
    assert duplicates_mark(contribution_ids=[a.pk, copy.pk]) == 0  # idempotent
    assert AuditEvent.objects.filter(subject_type="contribution").count() == 1


def test_an_earlier_copy_arriving_later_takes_the_credit_over():
    github, gitee = _pair()
    gitlab_identity = ForgeIdentityFactory(user=github.user, platform="gitlab")
    first_seen = _contribution(github, merged_at=T0 + dt.timedelta(hours=2), head_sha=SHA_A)
    second = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=3), head_sha=SHA_A)
    duplicates_mark(contribution_ids=[second.pk])
    assert Contribution.objects.get(pk=second.pk).duplicate_of_id == first_seen.pk
    oldest = _contribution(gitlab_identity, merged_at=T0, head_sha=SHA_A)  # a backfill finds an older copy
    assert duplicates_mark(contribution_ids=[oldest.pk]) == 2
    rows = {c.pk: c for c in Contribution.objects.all()}
    assert rows[oldest.pk].duplicate_of_id is None
    assert rows[first_seen.pk].duplicate_of_id == oldest.pk and rows[second.pk].duplicate_of_id == oldest.pk


def test_equal_merge_times_break_ties_deterministically_source_before_mirror():
    github, gitee = _pair()
    source = RepositoryFactory(platform="github")
    mirror = RepositoryFactory(platform="gitee", mirror_of=source)
    on_mirror = _contribution(gitee, merged_at=T0, repository=mirror, head_sha=SHA_A)
    on_source = _contribution(github, merged_at=T0, repository=source, head_sha=SHA_A)
    duplicates_mark(contribution_ids=[on_mirror.pk, on_source.pk])
    assert Contribution.objects.get(pk=on_mirror.pk).duplicate_of_id == on_source.pk
    assert Contribution.objects.get(pk=on_source.pk).duplicate_of_id is None


def test_registered_mirror_without_shared_sha_matches_same_person_and_title():
    github, gitee = _pair()
    source = RepositoryFactory(platform="github")
    mirror = RepositoryFactory(platform="gitee", mirror_of=source)
    original = _contribution(github, merged_at=T0, repository=source, title="Fix  dtype promotion", head_sha=SHA_A)
    reapplied = _contribution(gitee, merged_at=T0 + dt.timedelta(days=1), repository=mirror,
                              title="fix dtype promotion", head_sha=SHA_B)
    duplicates_mark(contribution_ids=[reapplied.pk])
    reapplied.refresh_from_db()
    assert reapplied.duplicate_of_id == original.pk
    assert reapplied.duplicate_reason == (
        f"same title and author, merged 24 hours apart, as {source.spec}#{original.number}")


def test_mirror_matching_needs_the_same_person_a_close_merge_and_a_registered_mirror():
    github, gitee = _pair()
    stranger = ForgeIdentityFactory(platform="gitee")
    source = RepositoryFactory(platform="github")
    mirror = RepositoryFactory(platform="gitee", mirror_of=source)
    unrelated = RepositoryFactory(platform="gitee")
    _contribution(github, merged_at=T0, repository=source, title="Add docs")
    others = [
        _contribution(stranger, merged_at=T0, repository=mirror, title="Add docs"),  # someone else
        _contribution(gitee, merged_at=T0 + dt.timedelta(days=90), repository=mirror, title="Add docs"),  # too late
        _contribution(gitee, merged_at=T0, repository=unrelated, title="Add docs"),  # not a mirror
    ]
    assert duplicates_mark(contribution_ids=[c.pk for c in others]) == 0


def test_a_cleared_mirror_link_restores_the_credit_on_the_next_mark():
    github, gitee = _pair()
    source = RepositoryFactory(platform="github")
    mirror = RepositoryFactory(platform="gitee", mirror_of=source)
    _contribution(github, merged_at=T0, repository=source, title="Add docs")
    copy = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=1), repository=mirror, title="Add docs")
    duplicates_mark(contribution_ids=[copy.pk])
    assert Contribution.objects.get(pk=copy.pk).duplicate_of_id is not None
    mirror.mirror_of = None
    mirror.save()
    assert duplicates_mark(contribution_ids=[copy.pk]) == 1
    copy.refresh_from_db()
    assert copy.duplicate_of_id is None and copy.duplicate_reason == ""


def test_mirrored_pr_synced_from_github_and_gitee_is_counted_once_and_shown_so(sim, world, client):
    """The demo's Paddle change exists on GitHub and on its Gitee mirror with the same SHAs."""
    source = repository_add(spec="github:PaddlePaddle/Paddle")
    mirror = repository_add(spec="gitee:paddlepaddle/Paddle", mirror_of="github:PaddlePaddle/Paddle")
    assert mirror.mirror_of == source
    user = UserFactory()
    lihua = world.users["lihua"]
    for platform, uid, login in (("gitee", lihua.gitee_id, lihua.gitee_login),
                                 ("github", lihua.github_id, lihua.github_login)):
        ForgeIdentity.objects.create(user=user, platform=platform, external_id=uid, login=login,
                                     verified_via="operator", verified_at=timezone.now())
    repository_sync(repository_id=mirror.pk)  # the mirror's copy arrives first, merged an hour later
    repository_sync(repository_id=source.pk)
    on_github = Contribution.objects.get(platform="github")
    on_gitee = Contribution.objects.get(platform="gitee")
    assert on_github.duplicate_of_id is None
    assert on_gitee.duplicate_of_id == on_github.pk
    assert "github:PaddlePaddle/Paddle#70001" in on_gitee.duplicate_reason
    assert Contribution.objects.filter(identity__user=user, duplicate_of__isnull=True).count() == 1

    client.force_login(user)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert page.count("not counted:") == 1  # on the Gitee copy only
    assert f"(not counted: {on_gitee.duplicate_reason})" in page
    assert on_gitee.duplicate_reason == f"same commit {on_gitee.head_sha[:12]} as github:PaddlePaddle/Paddle#70001"


def test_registering_a_mirror_later_marks_copies_already_stored(sim):
    from django.core.management import call_command

    source = repository_add(spec="github:PaddlePaddle/Paddle")
    mirror = repository_add(spec="gitee:paddlepaddle/Paddle")  # first registered as independent
    github, gitee = _pair()
    _contribution(github, merged_at=T0, repository=source, title="Add docs", head_sha=SHA_A)
    copy = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=1), repository=mirror, title="Add docs",
                         head_sha=SHA_B)
    call_command("add_repository", "gitee:paddlepaddle/Paddle", "--mirror-of", "github:PaddlePaddle/Paddle")
    copy.refresh_from_db()
    assert copy.duplicate_reason.startswith("same title and author, merged 60 minutes apart, as "
                                            "github:PaddlePaddle/Paddle#")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_forges_storing_copies_at_once_still_count_them_once(postgres_only):
    """Each writer marks inside its own transaction; the advisory lock makes the second one see the first."""
    import threading
    import time as clock

    from django.db import connection, transaction

    github, gitee = _pair()
    repos = {"github": RepositoryFactory(platform="github"), "gitee": RepositoryFactory(platform="gitee")}
    started = threading.Barrier(2)
    errors: list[BaseException] = []

    def store_and_mark(identity, merged_at, hold: float) -> None:
        try:
            started.wait()
            with transaction.atomic():
                copy = _contribution(identity, merged_at=merged_at, repository=repos[identity.platform],
                                     head_sha=SHA_A)
                duplicates_mark(contribution_ids=[copy.pk])
                clock.sleep(hold)  # still uncommitted while the other writer marks
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=store_and_mark, args=(github, T0, 0.5)),
               threading.Thread(target=store_and_mark, args=(gitee, T0 + dt.timedelta(hours=1), 0.0))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert Contribution.objects.count() == 2
    assert Contribution.objects.filter(duplicate_of__isnull=True).count() == 1


def _family():
    """A GitHub repository with its registered Gitee mirror, and one person's identities on both."""
    source = RepositoryFactory(platform="github", path="ascend/samples")
    mirror = RepositoryFactory(platform="gitee", path="ascend/samples", mirror_of=source)
    github, gitee = _pair()
    return source, mirror, github, gitee


def _counted(ids) -> set[int]:
    return set(Contribution.objects.filter(id__in=ids, duplicate_of__isnull=True).values_list("id", flat=True))


def test_five_alike_titled_prs_on_both_forges_are_five_changes_each_copy_citing_its_own_counterpart():
    source, mirror, github, gitee = _family()
    pairs = []
    for i in range(5):  # one every 10 minutes on GitHub, its Gitee copy 3 minutes later
        merged = T0 + dt.timedelta(minutes=10 * i)
        original = _contribution(github, merged_at=merged, repository=source, number=250 + i, title="squashMerge")
        copy = _contribution(gitee, merged_at=merged + dt.timedelta(minutes=3), repository=mirror, number=250 + i,
                             title="squashMerge")
        pairs.append((original, copy))
    assert duplicates_mark(contribution_ids=[copy.pk for _, copy in pairs]) == 5
    everything = [c.pk for pair in pairs for c in pair]
    assert _counted(everything) == {original.pk for original, _ in pairs}
    for original, copy in pairs:
        copy.refresh_from_db()
        assert copy.duplicate_of_id == original.pk
        expected = f"same title and author, merged 3 minutes apart, as {source.spec}#{original.number}"
        assert copy.duplicate_reason == expected
    assert duplicates_mark(contribution_ids=everything) == 0


def test_two_alike_titled_prs_in_one_repository_both_count_with_or_without_a_mirror():
    lone = RepositoryFactory(platform="github")
    github = ForgeIdentityFactory(platform="github")
    a = _contribution(github, merged_at=T0, repository=lone, title="Fix typo")
    b = _contribution(github, merged_at=T0 + dt.timedelta(minutes=5), repository=lone, title="Fix typo")
    assert duplicates_mark(contribution_ids=[a.pk, b.pk]) == 0
    # The reported case: GitHub #255 ~ Gitee #255 by title, and #267 on GitHub titled alike within the hour.
    source, mirror, github, gitee = _family()
    gh255 = _contribution(github, merged_at=T0, repository=source, number=255, title="updateContentSquashMerge")
    ge255 = _contribution(gitee, merged_at=T0 + dt.timedelta(minutes=2), repository=mirror, number=255,
                          title="updateContentSquashMerge")
    gh267 = _contribution(github, merged_at=T0 + dt.timedelta(minutes=40), repository=source, number=267,
                          title="updateContentSquashMerge")
    duplicates_mark(contribution_ids=[gh255.pk, ge255.pk, gh267.pk])
    assert _counted([a.pk, b.pk, gh255.pk, ge255.pk, gh267.pk]) == {a.pk, b.pk, gh255.pk, gh267.pk}
    assert Contribution.objects.get(pk=ge255.pk).duplicate_of_id == gh255.pk


def test_shared_commits_group_across_forges_and_within_one_repository_whatever_the_titles():
    github, gitee = _pair()
    on_github = _contribution(github, merged_at=T0, head_sha=SHA_A, title="Add CUDA graph support")
    elsewhere = _contribution(gitee, merged_at=T0 + dt.timedelta(days=60), head_sha=SHA_A, title="同步上游")
    reopened = _contribution(github, merged_at=T0 + dt.timedelta(days=2), repository=on_github.repository,
                             head_sha=SHA_A, title="Add CUDA graph support (again)")
    duplicates_mark(contribution_ids=[elsewhere.pk])
    assert _counted([on_github.pk, elsewhere.pk, reopened.pk]) == {on_github.pk}
    for copy in (elsewhere, reopened):
        copy.refresh_from_db()
        assert copy.duplicate_of_id == on_github.pk
        assert copy.duplicate_reason == f"same commit {SHA_A[:12]} as {on_github.repository.spec}#{on_github.number}"


def test_a_shared_commit_outranks_a_nearer_title_match_so_both_signals_agree():
    source, mirror, github, gitee = _family()
    original = _contribution(github, merged_at=T0, repository=source, title="Update README.md", head_sha=SHA_A)
    other_change = _contribution(gitee, merged_at=T0 + dt.timedelta(minutes=1), repository=mirror,
                                 title="Update README.md", head_sha=SHA_B)
    true_copy = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=5), repository=mirror,
                              title="Update README.md", head_sha=SHA_A)
    duplicates_mark(contribution_ids=[original.pk])
    assert _counted([original.pk, other_change.pk, true_copy.pk]) == {original.pk, other_change.pk}
    assert Contribution.objects.get(pk=true_copy.pk).duplicate_reason.startswith("same commit ")


def test_re_marking_moves_credit_only_where_the_matching_changes_with_an_audit_row_per_move():
    source, mirror, github, gitee = _family()

    def add(identity, repository, number, minutes):
        return _contribution(identity, merged_at=T0 + dt.timedelta(minutes=minutes), repository=repository,
                             number=number, title="Bump version")

    def state():
        return dict(Contribution.objects.values_list("id", "duplicate_of_id"))

    gh1, ge1 = add(github, source, 1, 0), add(gitee, mirror, 11, 20)
    assert duplicates_mark(contribution_ids=[ge1.pk]) == 1
    assert state() == {gh1.pk: None, ge1.pk: gh1.pk}
    gh2 = add(github, source, 2, 25)  # a second change; its copy has not been synced yet, so ge1 is nearer to it
    assert duplicates_mark(contribution_ids=[gh2.pk]) == 2
    assert state() == {gh1.pk: None, ge1.pk: None, gh2.pk: ge1.pk}  # still two changes counted, one each
    ge2 = add(gitee, mirror, 12, 27)  # gh2's copy arrives: each copy finds its own counterpart again
    assert duplicates_mark(contribution_ids=[ge2.pk]) == 3
    assert state() == {gh1.pk: None, ge1.pk: gh1.pk, gh2.pk: None, ge2.pk: gh2.pk}
    assert AuditEvent.objects.filter(subject_type="contribution").count() == 6
    assert duplicates_mark(contribution_ids=list(state())) == 0


def test_a_copy_citing_a_contribution_is_re_decided_when_only_that_contribution_is_re_marked():
    source, mirror, github, gitee = _family()
    original = _contribution(github, merged_at=T0, repository=source, title="Add docs")
    copy = _contribution(gitee, merged_at=T0 + dt.timedelta(hours=1), repository=mirror, title="Add docs")
    duplicates_mark(contribution_ids=[copy.pk])
    mirror.mirror_of = None
    mirror.save()
    assert duplicates_mark(contribution_ids=[original.pk]) == 1  # the copy is found through its pointer
    assert _counted([original.pk, copy.pk]) == {original.pk, copy.pk}


def test_the_reason_is_shown_in_chinese_on_the_students_page(client):
    source, mirror, github, gitee = _family()
    original = _contribution(github, merged_at=T0, repository=source, number=7, title="Fix typo")
    _contribution(gitee, merged_at=T0 + dt.timedelta(minutes=3), repository=mirror, title="Fix typo")
    duplicates_mark(contribution_ids=[original.pk])
    client.force_login(github.user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/").content.decode()
    assert "(不计入: 与 github:ascend/samples#7 标题和作者相同，合并时间相差 3 分钟)" in page
