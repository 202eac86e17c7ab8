"""Reads of policy versions: what changed between two of them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from credits.models import PolicyVersion


@dataclass(frozen=True)
class PolicyDiff:
    """What changed between two policy versions: field by field, and line by line in the source."""

    old: PolicyVersion
    new: PolicyVersion
    changes: list[tuple[str, Any, Any]]
    source_diff: list[str]


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return flat
    return {prefix: value}


def policy_diff(*, old: PolicyVersion, new: PolicyVersion) -> PolicyDiff:
    """Compare two versions: every changed setting (dotted path, old, new) and a unified diff of the YAML."""
    a, b = _flatten(old.document), _flatten(new.document)
    changes = [(key, a.get(key), b.get(key)) for key in sorted(a.keys() | b.keys()) if a.get(key) != b.get(key)]
    source = list(
        difflib.unified_diff(
            old.source_text.splitlines(), new.source_text.splitlines(),
            fromfile=f"{old.version} ({old.source_name})", tofile=f"{new.version} ({new.source_name})", lineterm="",
        )
    )
    return PolicyDiff(old, new, changes, source)
