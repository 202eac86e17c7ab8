"""forgesim: a standalone simulator of the GitHub, Gitee and GitLab REST subsets Xuefen uses (no Django)."""

from __future__ import annotations

from forgesim.generator import generate
from forgesim.model import SimPull, SimRepo, SimUser, World
from forgesim.scenario import build_world, load_scenario
from forgesim.server import Simulator

__all__ = ["Simulator", "World", "SimUser", "SimRepo", "SimPull", "load_scenario", "build_world", "generate"]
