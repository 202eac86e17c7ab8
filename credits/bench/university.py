"""A generated university in the database: every simulated repository registered, every student linked."""
from __future__ import annotations

from datetime import UTC, datetime

PLATFORMS = ("github", "gitee", "gitlab")


def seed_registry(world, *, platforms: tuple[str, ...] = PLATFORMS) -> dict:
    """Register the world's repositories and link every student's forge accounts (bulk, no backfill)."""
    from accounts.models import Department, ForgeIdentity, StudentProfile, User, Verification
    from credits.models import Repository, SyncState

    department, _ = Department.objects.get_or_create(code="bench", defaults={"name": "基准学院"})
    identities = []
    for user in world.users.values():
        if not user.student:
            continue
        account = User.objects.create(username=user.student["student_id"])
        StudentProfile.objects.create(user=account, student_id=account.username, name=user.student["name"],
                                      department=department)
        identities += [ForgeIdentity(user=account, platform=p, external_id=user.uid(p), login=user.login(p),
                                     verified_via=Verification.OPERATOR, verified_at=datetime.now(UTC))
                       for p in platforms if user.uid(p) is not None]
    ForgeIdentity.objects.bulk_create(identities)
    repos = Repository.objects.bulk_create([Repository(platform=r.platform, path=r.path, external_id=r.id)
                                            for r in world.repos.values() if r.platform in platforms])
    SyncState.objects.bulk_create([SyncState(repository=r) for r in repos])
    return {"repositories": len(repos), "identities": len(identities)}


def ground_truth(world, *, platforms: tuple[str, ...] = PLATFORMS) -> set[tuple[str, int]]:
    """(platform, PR id) of every merged PR whose author is a student with an account there: what a sync stores."""
    return {(p.platform, p.id) for p in world.all_pulls()
            if p.platform in platforms and p.state == "merged" and world.users[p.author].student
            and world.users[p.author].uid(p.platform) is not None}


def stored(*, platforms: tuple[str, ...] = PLATFORMS) -> list[tuple[str, int]]:
    """(platform, PR id) of every stored contribution, duplicates kept (a duplicate is a defect)."""
    from credits.models import Contribution

    return list(Contribution.objects.filter(platform__in=platforms).values_list("platform", "external_id"))
