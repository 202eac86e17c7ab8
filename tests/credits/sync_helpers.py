"""Helpers for GitHub sync tests: register forgesim repositories and link demo students."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from accounts.models import ForgeIdentity, Verification
from accounts.services.identities import identity_link
from credits.models import Repository, SyncState
from tests.factories import student

BASE = datetime(2026, 3, 10, tzinfo=UTC)


def register(sim, spec: str, tier: str = "core") -> Repository:
    """A registry entry for a forgesim repository, with the forge's numeric id."""
    platform, path = spec.split(":", 1)
    repo = sim.world.repo(platform, path)
    repository = Repository.objects.create(platform=platform, path=path, external_id=repo.id, tier=tier)
    SyncState.objects.create(repository=repository)
    return repository


def link(sim, key: str, platform: str = "github", login: str | None = None) -> ForgeIdentity:
    """Link a scenario user's forge account to a new student, without enqueuing a backfill."""
    user = sim.world.users[key]
    profile = student(student_id=user.student["student_id"]) if user.student else student()
    return ForgeIdentity.objects.create(
        user=profile.user, platform=platform, external_id=user.uid(platform),
        login=login or user.login(platform), verified_via=Verification.OPERATOR, verified_at=BASE,
    )


def link_via_service(sim, key: str, platform: str = "github") -> ForgeIdentity:
    """Link through the real service (which enqueues the backfill on commit)."""
    user = sim.world.users[key]
    profile = student(student_id=user.student["student_id"])
    return identity_link(user=profile.user, platform=platform, external_id=user.uid(platform),
                         login=user.login(platform), via=Verification.OPERATOR)


def add_merged(sim, spec: str, author: str, count: int, *, start: datetime = BASE, merged: bool = True) -> list:
    """`count` pulls by `author` with increasing update times (newest-first order is then known)."""
    pulls = []
    for i in range(count):
        moment = start + timedelta(minutes=5 * i)
        pulls.append(sim.world.add_pull(
            spec, author=author, title=f"Improve kernel {i}", created_at=moment - timedelta(hours=2),
            merged_at=moment if merged else None, closed_at=moment, updated_at=moment,
            state="merged" if merged else "closed", additions=20 + i, deletions=i % 7, changed_files=1 + i % 4))
    return pulls


def spent(sim, platform: str = "github") -> int:
    """Rate-limit budget forgesim charged so far on `platform` (304s are free)."""
    return sim.stats()["platforms"].get(platform, {}).get("budget_spent", 0)


def endpoint_requests(sim, endpoint: str) -> int:
    """Requests forgesim answered for one endpoint template, e.g. 'github GET /repos/{owner}/{repo}/pulls'."""
    return sim.stats()["endpoints"].get(endpoint, {}).get("requests", 0)
