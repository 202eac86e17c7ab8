"""Helpers for the Gitee and GitLab client tests: fill forgesim with many merged pulls."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

BASE = datetime(2026, 3, 1, tzinfo=UTC)


def add_merged(world, repo: str, author: str, count: int, *, start: datetime = BASE, step_minutes: int = 7) -> list:
    """Add `count` merged pulls with distinct, increasing update times (so newest-first order is known)."""
    pulls = []
    for i in range(count):
        moment = start + timedelta(minutes=step_minutes * i)
        pulls.append(world.add_pull(repo, author=author, title=f"Change {i}", created_at=moment - timedelta(hours=1),
                                    merged_at=moment, updated_at=moment, additions=10 + i, deletions=i % 5,
                                    changed_files=1 + i % 3))
    return pulls


def budget_spent(sim, platform: str) -> int:
    """Requests forgesim charged to a platform's budgets (304s are free)."""
    return sim.stats()["platforms"].get(platform, {}).get("budget_spent", 0)


@pytest.fixture
def gitee_token(world) -> str:
    return "gitee_demo_service_1"


@pytest.fixture
def gitlab_token(world) -> str:
    return "glpat-demo-service-1"
