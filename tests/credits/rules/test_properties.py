"""Invariants of the engine, checked by hypothesis over random policies and contributions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credits.rules import ContributionFacts, evaluate

from .factories import NOW, TERM, UTC, policy

REPOS = ["a/one", "b/two", "lihua/own", "c/three"]
MERGED = st.one_of(
    st.none(),
    st.datetimes(min_value=dt.datetime(2026, 8, 1), max_value=dt.datetime(2027, 2, 28), timezones=st.just(UTC)),
)


@st.composite
def facts(draw, key: str | None = None) -> ContributionFacts:
    return ContributionFacts(
        key=key or f"github:{draw(st.integers(0, 10**9))}",
        platform=draw(st.sampled_from(["github", "gitee"])),
        repository=draw(st.sampled_from(REPOS)),
        repository_tier=draw(st.sampled_from(["core", "ecosystem", "other"])),
        kind=draw(st.sampled_from(["pull_request", "pull_request", "review", "issue"])),
        merged_at=draw(MERGED),
        author_login="lihua",
        author_external_id="1",
        author_is_bot=draw(st.booleans()) and draw(st.booleans()),
        merged_by_login=draw(st.sampled_from(["lihua", "maint"])),
        merged_by_external_id=None,
        additions=draw(st.one_of(st.none(), st.integers(0, 800))),
        deletions=draw(st.integers(0, 50)),
        labels=tuple(draw(st.lists(st.sampled_from(["bug", "spam", "docs"]), max_size=2))),
        duplicate_of=draw(st.sampled_from([None, None, None, "gitee:5"])),
    )


def unique(items: list[ContributionFacts]) -> list[ContributionFacts]:
    seen: dict[str, ContributionFacts] = {}
    for item in items:
        seen.setdefault(item.key, item)
    return list(seen.values())


CAPS = st.fixed_dictionaries(
    {
        "per_term": st.sampled_from([None, Decimal(1), Decimal(2), Decimal("3.5")]),
        "per_repository_per_term": st.sampled_from([None, Decimal(1), Decimal("1.5")]),
        "per_student_total": st.sampled_from([None, Decimal(2), Decimal(4)]),
    }
)
POLICIES = st.builds(
    lambda caps, schedule, rounding, review: policy(
        caps=caps,
        diminishing_returns={"schedule": schedule},
        credits={"rounding": rounding},
        kinds={
            "pull_request": {
                "points": 10,
                "min_changed_lines": 5,
                "size_bands": [{"from_lines": 100, "multiplier": 2}],
            },
            **({"review": {"points": 3}} if review else {}),
        },
    ),
    CAPS,
    st.sampled_from([[1], [1, Decimal("0.5")], [1, 1, Decimal("0.75"), Decimal("0.25"), 0]]),
    st.sampled_from(["down", "half_up"]),
    st.booleans(),
)
APPROVED = st.sampled_from([Decimal(0), Decimal("0.5"), Decimal("1.5"), Decimal(4)])
FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(pol, items, approved=Decimal(0)):
    return evaluate(pol, items, term=TERM, now=NOW, previously_approved=approved)


@FAST
@given(pol=POLICIES, items=st.lists(facts(), max_size=25), seed=st.randoms(use_true_random=False), approved=APPROVED)
def test_order_of_contributions_never_changes_the_result(pol, items, seed, approved):
    items = unique(items)
    shuffled = list(items)
    seed.shuffle(shuffled)
    assert run(pol, items, approved) == run(pol, shuffled, approved)


@FAST
@given(pol=POLICIES, items=st.lists(facts(), max_size=25), approved=APPROVED)
def test_same_input_gives_the_same_output(pol, items, approved):
    items = unique(items)
    first, second = run(pol, items, approved), run(pol, list(items), approved)
    assert first == second and first.fingerprint() == second.fingerprint()


@FAST
@given(pol=POLICIES, items=st.lists(facts(), max_size=25), extra=facts(key="github:new-one"), approved=APPROVED)
def test_adding_a_contribution_never_lowers_the_total(pol, items, extra, approved):
    # Stronger than required: caps are min() of a monotone sum, so even a binding cap never lowers a total.
    items = [f for f in unique(items) if f.key != extra.key]
    before, after = run(pol, items, approved), run(pol, [*items, extra], approved)
    assert after.credits >= before.credits
    assert after.points >= before.points or after.caps_applied


@FAST
@given(pol=POLICIES, items=st.lists(facts(), max_size=40), approved=APPROVED)
def test_totals_never_exceed_any_cap(pol, items, approved):
    result = run(pol, unique(items), approved)
    caps, ppc = pol.caps, pol.credits.points_per_credit
    if caps.per_term is not None:
        assert result.credits <= caps.per_term and result.points <= caps.per_term * ppc
    if caps.per_student_total is not None:
        assert result.credits + approved <= max(caps.per_student_total, approved)
    if caps.per_repository_per_term is not None:
        per_repo: dict[str, Decimal] = {}
        repo_of = {f.key: f.repository_ref for f in items}
        for line in result.lines:
            per_repo[repo_of[line.key]] = per_repo.get(repo_of[line.key], Decimal(0)) + line.points
        assert all(v <= caps.per_repository_per_term * ppc for v in per_repo.values())
    assert result.credits % pol.credits.rounding_step == 0
    assert result.credits >= 0 and all(line.points > 0 for line in result.lines)


@FAST
@given(pol=POLICIES, items=st.lists(facts(), max_size=25))
def test_every_contribution_is_either_credited_or_refused_exactly_once(pol, items):
    items = unique(items)
    result = run(pol, items)
    keys = [line.key for line in result.lines] + [r.key for r in result.refusals]
    assert sorted(keys) == sorted(f.key for f in items)


@FAST
@given(pol=POLICIES, items=st.lists(facts(key="github:same"), min_size=2, max_size=4), seed=st.randoms())
def test_order_does_not_matter_even_when_a_key_is_listed_twice(pol, items, seed):
    shuffled = list(items)
    seed.shuffle(shuffled)
    assert run(pol, items) == run(pol, shuffled)
