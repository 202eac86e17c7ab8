"""Each rule and exclusion of the engine, one behaviour per test."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from credits.rules import evaluate

from .factories import NOW, TERM, UTC, fact, policy


def run(pol, facts, **kw):
    return evaluate(pol, facts, term=TERM, now=kw.pop("now", NOW), **kw)


def only_refusal(result):
    assert not result.lines
    assert len(result.refusals) == 1
    return result.refusals[0]


def test_merged_pull_request_earns_its_points_with_a_reason():
    result = run(policy(), [fact(number=12)])
    (line,) = result.lines
    assert line.points == 10 and line.rule == "kinds.pull_request"
    assert "#12" in line.reason and "github:deepseek-ai/DeepSeek-V3" in line.reason
    assert "10 分" in line.reason_zh
    assert result.points == 10 and result.credits == Decimal("0.5")


def test_tier_weight_scales_points():
    result = run(policy(), [fact(repository_tier="ecosystem")])
    assert result.lines[0].points == 5
    assert "tier weight" in result.lines[0].reason


def test_ineligible_tier_is_refused():
    refusal = only_refusal(run(policy(), [fact(repository_tier="archived")]))
    assert refusal.rule == "tiers" and "archived" in refusal.reason


def test_kind_missing_from_policy_earns_nothing():
    refusal = only_refusal(run(policy(), [fact(kind="review", additions=None, deletions=None)]))
    assert refusal.rule == "kinds"


def test_review_kind_counts_when_the_policy_lists_it():
    pol = policy(kinds={"pull_request": {"points": 10}, "review": {"points": 2}})
    result = run(pol, [fact(kind="review", additions=None, deletions=None)])
    assert result.lines[0].points == 2 and result.lines[0].rule == "kinds.review"


def test_fewer_than_minimum_changed_lines_earns_nothing():
    refusal = only_refusal(run(policy(), [fact(additions=3, deletions=1)]))
    assert refusal.rule == "size" and refusal.reason == "only 4 changed lines (minimum 5)"
    assert not refusal.pending


def test_exactly_minimum_changed_lines_counts():
    assert run(policy(), [fact(additions=5, deletions=0)]).points == 10


def test_unknown_size_is_pending_not_final():
    refusal = only_refusal(run(policy(), [fact(additions=None, deletions=None)]))
    assert refusal.rule == "size" and refusal.pending


def test_size_band_multiplies_points():
    pol = policy(kinds={"pull_request": {"points": 10, "min_changed_lines": 5,
                                         "size_bands": [{"from_lines": 100, "multiplier": "1.5"},
                                                        {"from_lines": 500, "multiplier": 2}]}})
    result = run(pol, [fact(additions=150, deletions=0), fact(additions=600, deletions=0), fact()])
    assert sorted(line.points for line in result.lines) == [10, 15, 20]


def test_self_merged_pr_into_own_repository_earns_nothing():
    f = fact(repository="lihua/tiny-llm", merged_by_login="lihua", merged_by_external_id="1001")
    refusal = only_refusal(run(policy(), [f]))
    assert refusal.rule == "exclusions.self_merged" and refusal.reason == "merged into own repository"


def test_self_merge_is_matched_on_numeric_id_even_after_a_rename():
    f = fact(repository="LiHua/tiny-llm", merged_by_login="old-name", merged_by_external_id="1001")
    assert only_refusal(run(policy(), [f])).rule == "exclusions.self_merged"


def test_self_merge_elsewhere_is_allowed_by_default_but_refusable():
    f = fact(merged_by_login="lihua", merged_by_external_id="1001")
    assert run(policy(), [f]).points == 10
    strict = policy(exclusions={"self_merged": "anywhere"})
    assert only_refusal(run(strict, [f])).reason == "merged by its own author"


def test_repository_owned_by_the_student_earns_nothing():
    refusal = only_refusal(run(policy(), [fact(repository="lihua/tiny-llm")]))
    assert refusal.rule == "exclusions.own_repositories"


def test_own_repository_counts_when_the_policy_allows_it():
    pol = policy(exclusions={"own_repositories": False, "self_merged": "allowed"})
    assert run(pol, [fact(repository="lihua/tiny-llm", merged_by_login="lihua")]).points == 10


def test_bot_accounts_earn_nothing():
    for f in (fact(author_is_bot=True), fact(author_login="dependabot[bot]")):
        assert only_refusal(run(policy(), [f])).rule == "exclusions.bots"
    listed = policy(exclusions={"bot_logins": ["CI-Helper"]})
    assert only_refusal(run(listed, [fact(author_login="ci-helper")])).rule == "exclusions.bots"


def test_maintainer_spam_label_voids_the_contribution():
    refusal = only_refusal(run(policy(), [fact(labels=("bug", "Spam"))]))
    assert refusal.rule == "exclusions.labels" and refusal.reason == "label Spam"


def test_mirror_already_counted_earns_nothing():
    refusal = only_refusal(run(policy(), [fact(duplicate_of="github:77")]))
    assert refusal.rule == "exclusions.counted_mirrors" and "github:77" in refusal.reason


def test_unmerged_and_out_of_term_contributions_are_refused():
    result = run(policy(), [fact(merged_at=None), fact(merged_at=dt.datetime(2027, 3, 1, tzinfo=UTC))])
    assert {r.rule for r in result.refusals} == {"merged", "term"}
    assert result.credits == 0


def test_term_boundary_uses_the_policy_time_zone():
    # 2026-08-31T16:00Z is 2026-09-01 00:00 in Shanghai: the first instant of the term.
    inside = fact(merged_at=TERM.starts_at)
    outside = fact(merged_at=TERM.starts_at - dt.timedelta(seconds=1))
    result = run(policy(), [inside, outside])
    assert [line.key for line in result.lines] == [inside.key]
    assert "merged on 2026-08-31" in result.refusals[0].reason


def test_maturation_gives_the_date_it_counts_from():
    merged = dt.datetime(2026, 11, 29, 2, tzinfo=UTC)
    refusal = only_refusal(run(policy(), [fact(merged_at=merged)], now=dt.datetime(2026, 12, 1, tzinfo=UTC)))
    assert refusal.rule == "maturation" and refusal.reason == "counts from 2026-12-06" and refusal.pending
    assert "2026-12-06" in refusal.reason_zh


def test_matured_contribution_counts_on_the_day():
    merged = dt.datetime(2026, 11, 29, 2, tzinfo=UTC)
    assert run(policy(), [fact(merged_at=merged)], now=merged + dt.timedelta(days=7)).points == 10


def test_diminishing_returns_give_the_highest_factor_to_the_most_valuable_work():
    pol = policy(
        diminishing_returns={"schedule": [1, "0.5"]},
        kinds={"pull_request": {"points": 10, "size_bands": [{"from_lines": 100, "multiplier": 2}]}},
    )
    small_early = fact(additions=10, merged_at=dt.datetime(2026, 9, 10, tzinfo=UTC))
    big_late = fact(additions=200, merged_at=dt.datetime(2026, 12, 1, tzinfo=UTC))
    third = fact(additions=10, merged_at=dt.datetime(2026, 12, 2, tzinfo=UTC))
    result = run(pol, [small_early, big_late, third])
    points = {line.key: line.points for line in result.lines}
    assert points == {big_late.key: 20, small_early.key: 5, third.key: 5}
    assert "2nd most valuable" in next(x for x in result.lines if x.key == small_early.key).reason


def test_diminishing_returns_are_counted_per_repository():
    pol = policy(diminishing_returns={"schedule": [1, "0.5"]})
    result = run(pol, [fact(), fact(repository="org/other")])
    assert result.points == 20


def test_zero_factor_turns_into_a_refusal():
    pol = policy(diminishing_returns={"schedule": [1, 0]})
    result = run(pol, [fact(), fact()])
    assert len(result.lines) == 1 and result.refusals[0].rule == "diminishing_returns"


def test_points_convert_to_credits_rounding_down_to_the_step():
    result = run(policy(), [fact(), fact(), fact()])  # 30 points = 1.5 credits
    assert result.credits == Decimal("1.5")
    result = run(policy(), [fact(repository_tier="ecosystem")] * 1 + [fact()])  # 15 points = 0.75
    assert result.credits == Decimal("0.5")


def test_half_up_rounding_rounds_a_half_step_up():
    pol = policy(credits={"rounding": "half_up"})
    assert run(pol, [fact(repository_tier="ecosystem"), fact()]).credits == Decimal("1.0")


def test_repository_cap_cuts_the_contribution_that_crosses_it_and_refuses_later_ones():
    pol = policy(caps={"per_repository_per_term": 1})  # 1 credit = 20 points
    facts = [fact(repository_tier="ecosystem"), fact(), fact(), fact(repository="org/other")]
    result = run(pol, facts)
    by_key = {line.key: line for line in result.lines}
    assert by_key[facts[0].key].points == 5
    assert by_key[facts[1].key].points == 10
    assert by_key[facts[2].key].points == 5 and by_key[facts[2].key].rule == "caps.per_repository_per_term"
    assert by_key[facts[3].key].points == 10
    assert result.credits == Decimal("1.5")
    assert "caps.per_repository_per_term" in result.caps_applied


def test_term_cap_refuses_with_the_cap_for_the_term_reached():
    pol = policy(caps={"per_term": 1})
    result = run(pol, [fact(), fact(), fact(repository="org/other")])
    assert result.credits == 1
    refusal = only_refusal_of(result, "caps.per_term")
    assert refusal.reason == "cap for the term reached"


def only_refusal_of(result, rule):
    (refusal,) = [r for r in result.refusals if r.rule == rule]
    return refusal


def test_total_cap_counts_credit_already_approved_in_other_terms():
    pol = policy(caps={"per_student_total": 2})
    result = run(pol, [fact() for _ in range(6)], previously_approved=Decimal("1.5"))
    assert result.credits == Decimal("0.5")
    assert "caps.per_student_total" in result.caps_applied
    exhausted = run(pol, [fact()], previously_approved=Decimal(2))
    assert exhausted.credits == 0 and exhausted.refusals[0].rule == "caps.per_student_total"


def test_listing_the_same_contribution_twice_counts_it_once():
    f = fact()
    result = run(policy(), [f, f])
    assert result.points == 10 and result.refusals[0].rule == "duplicate"


def test_exclusions_are_checked_before_maturation():
    f = fact(labels=("spam",), merged_at=dt.datetime(2027, 1, 19, tzinfo=UTC))
    assert only_refusal(run(policy(), [f])).rule == "exclusions.labels"


def test_policy_version_and_term_are_in_the_result():
    result = run(policy(), [fact()])
    assert (result.policy_version, result.term) == ("t1", "2026-autumn")
    assert len(result.fingerprint()) == 64


def test_a_zero_weight_tier_is_refused_rather_than_credited_with_zero_points():
    pol = policy(tiers={"core": 1, "listed": 0})
    refusal = only_refusal(run(pol, [fact(repository_tier="listed")]))
    assert refusal.reason.endswith("= 0") and refusal.rule == "kinds.pull_request"
