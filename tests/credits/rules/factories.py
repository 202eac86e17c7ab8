"""Builders for engine inputs: a small policy and facts with sensible defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any

from credits.rules import ContributionFacts, Policy, TermWindow

UTC = dt.UTC
TERM = TermWindow("2026-autumn", dt.datetime(2026, 8, 31, 16, tzinfo=UTC), dt.datetime(2027, 1, 31, 16, tzinfo=UTC))
NOW = dt.datetime(2027, 1, 20, tzinfo=UTC)  # late in the term: everything merged before 01-13 has matured
_ids = count(1)


def policy(**overrides: Any) -> Policy:
    """A policy with round numbers: PR 10 points, 20 points a credit, steps of 0.5, no caps unless asked."""
    data: dict[str, Any] = {
        "version": "t1",
        "title_zh": "测试",
        "title_en": "test",
        "effective_from": dt.date(2026, 8, 1),
        "course": {"code": "AI101", "name_zh": "课", "name_en": "course"},
        "tiers": {"core": Decimal(1), "ecosystem": Decimal("0.5")},
        "kinds": {"pull_request": {"points": 10, "min_changed_lines": 5}},
        "maturation_days": 7,
        "diminishing_returns": {"schedule": [1]},
        "credits": {"points_per_credit": 20, "rounding_step": Decimal("0.5"), "rounding": "down"},
    }
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Policy.model_validate(data)


def fact(**overrides: Any) -> ContributionFacts:
    """A merged 20-line PR into a core repository in the middle of the term."""
    n = next(_ids)
    data: dict[str, Any] = {
        "key": f"github:{n}",
        "platform": "github",
        "repository": "deepseek-ai/DeepSeek-V3",
        "repository_tier": "core",
        "kind": "pull_request",
        "merged_at": dt.datetime(2026, 10, 1, tzinfo=UTC) + dt.timedelta(minutes=n),
        "author_login": "lihua",
        "author_external_id": "1001",
        "merged_by_login": "maintainer",
        "merged_by_external_id": "9",
        "additions": 15,
        "deletions": 5,
        "number": n,
        "contribution_id": n,
    }
    data.update(overrides)
    return ContributionFacts(**data)
