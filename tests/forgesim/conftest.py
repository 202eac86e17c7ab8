"""Fixtures for forgesim tests: a fresh demo world and a simulator on an ephemeral port (no database)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forgesim import Simulator, World, load_scenario

DEMO = Path(__file__).resolve().parents[2] / "forgesim" / "scenarios" / "demo.yaml"
GH_TOKEN = "ghp_demo_service_1"
GITEE_TOKEN = "gitee_demo_service_1"
GL_TOKEN = "glpat-demo-service-1"


@pytest.fixture
def demo_world() -> World:
    """The hand-written demo scenario, loaded fresh for each test."""
    return load_scenario(DEMO)


@pytest.fixture
def demo_sim(demo_world: World) -> Iterator[Simulator]:
    """forgesim serving the demo world on 127.0.0.1:<ephemeral>."""
    with Simulator(demo_world).start(host="127.0.0.1", port=0) as sim:
        yield sim


def add_many(world: World, repo: str, author: str, n: int, *, state: str = "merged") -> list[int]:
    """Add n pulls with distinct, increasing timestamps; returns their numbers."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    numbers = []
    for i in range(n):
        created = base + timedelta(hours=i)
        pull = world.add_pull(repo, author=author, title=f"Change {i}", state=state, created_at=created,
                              merged_at=created + timedelta(minutes=30) if state == "merged" else None,
                              closed_at=created + timedelta(minutes=30) if state != "open" else None,
                              updated_at=created + timedelta(minutes=31), additions=i + 1, deletions=i % 3,
                              changed_files=1 + i % 4)
        numbers.append(pull.number)
    return numbers
