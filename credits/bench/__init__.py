"""Benchmarks: every module here with a `run(quick, out) -> dict` is one (`manage.py bench` finds them)."""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

# The order of the table; modules not listed (new benchmarks) follow in name order.
ORDER = ("sync", "rules", "web", "export")


def discover() -> dict[str, ModuleType]:
    """name -> module of every benchmark present (web and export appear once their modules exist)."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module
    return dict(sorted(found.items(), key=lambda kv: (ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER), kv[0])))
