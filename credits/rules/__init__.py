"""Credit policy schema and rules engine: pure code, no ORM, no clock."""

from __future__ import annotations

from credits.rules.document import PolicyError, Problem, parse_policy
from credits.rules.engine import CompiledPolicy, compile_policy, evaluate
from credits.rules.schema import Policy
from credits.rules.types import ContributionFacts, CreditLine, Evaluation, Refusal, TermWindow

__all__ = [
    "CompiledPolicy",
    "ContributionFacts",
    "CreditLine",
    "Evaluation",
    "Policy",
    "PolicyError",
    "Problem",
    "Refusal",
    "TermWindow",
    "compile_policy",
    "evaluate",
    "parse_policy",
]
