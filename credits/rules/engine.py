"""The rules engine: a policy and one student's facts for a term in, explained credit out.

Pure: no ORM, no clock (`now` is an argument), no I/O. Inputs are sorted canonically inside,
so the order in which the caller passes contributions never changes the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from credits.rules.schema import KINDS, KindRule, Policy
from credits.rules.types import ContributionFacts, CreditLine, Evaluation, Refusal, TermWindow

ZERO = Decimal(0)
ONE = Decimal(1)
_FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)

KIND_NAMES = {
    "pull_request": ("merged pull request", "已合并的拉取请求"),
    "review": ("review", "代码评审"),
    "issue": ("issue", "议题"),
}


@dataclass(frozen=True)
class CompiledPolicy:
    """A Policy flattened into lookups the engine can read cheaply a million times."""

    version: str
    tz: ZoneInfo
    kinds: dict[str, KindRule]
    tiers: dict[str, Decimal]
    bots: bool
    bot_logins: frozenset[str]
    labels: frozenset[str]
    self_merged: str
    own_repositories: bool
    counted_mirrors: bool
    maturation: dt.timedelta
    schedule: tuple[Decimal, ...]
    points_per_credit: Decimal
    step: Decimal
    rounding: str
    cap_term: Decimal | None
    cap_repository: Decimal | None
    cap_total: Decimal | None
    # (English, Chinese) names of tiers and kinds, as the policy names them (reasons quote them, not keys).
    tier_names: dict[str, tuple[str, str]] = field(default_factory=dict)
    kind_names: dict[str, tuple[str, str]] = field(default_factory=dict)


def compile_policy(policy: Policy) -> CompiledPolicy:
    """Flatten a validated Policy for evaluation."""
    ex = policy.exclusions
    return CompiledPolicy(
        version=policy.version,
        tz=ZoneInfo(policy.timezone),
        kinds={k: getattr(policy.kinds, k) for k in KINDS if getattr(policy.kinds, k) is not None},
        tiers=dict(policy.tiers),
        bots=ex.bots,
        bot_logins=frozenset(login.casefold() for login in ex.bot_logins),
        labels=frozenset(label.strip().casefold() for label in ex.labels),
        self_merged=ex.self_merged,
        own_repositories=ex.own_repositories,
        counted_mirrors=ex.counted_mirrors,
        maturation=dt.timedelta(days=policy.maturation_days),
        schedule=tuple(policy.diminishing_returns.schedule),
        points_per_credit=policy.credits.points_per_credit,
        step=policy.credits.rounding_step,
        rounding=policy.credits.rounding,
        cap_term=policy.caps.per_term,
        cap_repository=policy.caps.per_repository_per_term,
        cap_total=policy.caps.per_student_total,
        tier_names={k: (policy.name_of("tiers", k, "en"), policy.name_of("tiers", k, "zh")) for k in policy.tiers},
        kind_names={k: (policy.name_of("kinds", k, "en"), policy.name_of("kinds", k, "zh")) for k in KINDS},
    )


def _num(value: Decimal) -> str:
    """A Decimal for people: 10, 7.5, 0.25 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _refuse(f: ContributionFacts, rule: str, en: str, zh: str, pending: bool = False) -> Refusal:
    return Refusal(f.key, f.contribution_id, rule, en, zh, pending)


def _is_self_merged(f: ContributionFacts) -> bool:
    if f.merged_by_external_id and f.author_external_id:
        return f.merged_by_external_id == f.author_external_id
    return bool(f.merged_by_login) and f.merged_by_login.casefold() == f.author_login.casefold()


def _exclusion(p: CompiledPolicy, f: ContributionFacts, term: TermWindow, now: dt.datetime) -> Refusal | None:
    """The first rule that refuses this contribution, checked in a fixed order; None if eligible."""
    if f.kind not in p.kinds:
        name = p.kind_names.get(f.kind) or KIND_NAMES.get(f.kind, (f.kind, f.kind))
        return _refuse(f, "kinds", f"a {name[0]} earns no credit under this policy", f"本政策下{name[1]}不计学分")
    if f.merged_at is None:
        return _refuse(f, "merged", "not merged", "尚未合并")
    if not (term.starts_at <= f.merged_at < term.ends_at):
        day = f.merged_at.astimezone(p.tz).date().isoformat()
        en, zh = f"merged on {day}, outside term {term.code}", f"合并于 {day}，不在学期 {term.code} 内"
        return _refuse(f, "term", en, zh)
    if f.repository_tier not in p.tiers:
        tier = f.repository_tier or "none"
        return _refuse(f, "tiers", f"repository tier '{tier}' is not eligible", f"仓库级别“{tier}”不在认定范围内")
    login = f.author_login.casefold()
    if p.bots and (f.author_is_bot or login.endswith("[bot]") or login in p.bot_logins):
        return _refuse(f, "exclusions.bots", "authored by a bot account", "由机器人账号提交")
    if p.labels:
        for label in f.labels:
            if label.casefold() in p.labels:
                return _refuse(f, "exclusions.labels", f"label {label}", f"维护者标记为 {label}")
    if p.counted_mirrors and f.duplicate_of:
        en, zh = f"mirror of {f.duplicate_of}, already counted", f"镜像贡献，已按 {f.duplicate_of} 计入"
        return _refuse(f, "exclusions.counted_mirrors", en, zh)
    owned = f.repository.split("/", 1)[0].casefold() == login
    if p.self_merged != "allowed" and (owned or p.self_merged == "anywhere") and _is_self_merged(f):
        if owned:
            return _refuse(f, "exclusions.self_merged", "merged into own repository", "自行合并到本人仓库")
        return _refuse(f, "exclusions.self_merged", "merged by its own author", "由作者本人合并")
    if p.own_repositories and owned:
        return _refuse(f, "exclusions.own_repositories", "repository owned by the student", "仓库归学生本人所有")
    rule = p.kinds[f.kind]
    if rule.min_changed_lines:
        changed = f.changed_lines
        if changed is None:
            return _refuse(f, "size", "size not known yet", "改动行数尚未获取", pending=True)
        if changed < rule.min_changed_lines:
            noun = "line" if changed == 1 else "lines"
            return _refuse(
                f, "size", f"only {changed} changed {noun} (minimum {rule.min_changed_lines})",
                f"仅改动 {changed} 行（至少 {rule.min_changed_lines} 行）",
            )
    if p.maturation and now < f.merged_at + p.maturation:
        day = (f.merged_at + p.maturation).astimezone(p.tz).date().isoformat()
        return _refuse(f, "maturation", f"counts from {day}", f"自 {day} 起计入", pending=True)
    return None


def _base(p: CompiledPolicy, f: ContributionFacts) -> tuple[Decimal, str, str]:
    """Points before diminishing returns and caps, with the explanation."""
    rule = p.kinds[f.kind]
    weight = p.tiers[f.repository_tier]
    points = rule.points * weight
    name = p.kind_names.get(f.kind) or KIND_NAMES.get(f.kind, (f.kind, f.kind))
    tier = p.tier_names.get(f.repository_tier) or (f"tier {f.repository_tier}", f"{f.repository_tier} 级")
    number = f" #{f.number}" if f.number is not None else ""
    en = f"{name[0]}{number} in {f.repository_ref} ({tier[0]}): {_num(rule.points)} points"
    zh = f"{name[1]}{number}（{f.repository_ref}，{tier[1]}）：{_num(rule.points)} 分"
    if weight != ONE:
        en += f" × {_num(weight)} tier weight"
        zh += f" × 级别系数 {_num(weight)}"
    changed = f.changed_lines
    if rule.size_bands and changed is not None:
        band = None
        for candidate in rule.size_bands:
            if changed >= candidate.from_lines:
                band = candidate
        if band is not None and band.multiplier != ONE:
            points *= band.multiplier
            en += f" × {_num(band.multiplier)} for {changed} changed lines"
            zh += f" × {_num(band.multiplier)}（改动 {changed} 行）"
    return points, en, zh


def _round(value: Decimal, step: Decimal, mode: str) -> Decimal:
    units = (value / step).to_integral_value(rounding=ROUND_HALF_UP if mode == "half_up" else ROUND_DOWN)
    return units * step


def _merge_order(item: tuple) -> tuple:
    """Earliest merge first: the order in which caps are filled."""
    return (item[0].merged_at, item[0].key)


def evaluate(
    policy: Policy | CompiledPolicy,
    contributions: Iterable[ContributionFacts],
    *,
    term: TermWindow,
    now: dt.datetime,
    previously_approved: Decimal = ZERO,
) -> Evaluation:
    """Evaluate one student's contributions for one term under one policy version."""
    p = policy if isinstance(policy, CompiledPolicy) else compile_policy(policy)
    facts = sorted(contributions, key=lambda f: (f.merged_at or _FAR_FUTURE, f.key))
    if len({f.key for f in facts}) != len(facts):
        # The same key listed twice with different facts: break the tie on content, not on input order.
        facts.sort(key=lambda f: (f.merged_at or _FAR_FUTURE, f.key, repr(f)))
    refusals: list[Refusal] = []
    by_repo: dict[str, list[tuple[ContributionFacts, Decimal, str, str]]] = {}
    seen: set[str] = set()
    for f in facts:
        if f.key in seen:
            refusals.append(_refuse(f, "duplicate", "listed twice; counted once", "重复列出，仅计一次"))
            continue
        seen.add(f.key)
        refused = _exclusion(p, f, term, now)
        if refused is not None:
            refusals.append(refused)
            continue
        base, en, zh = _base(p, f)
        by_repo.setdefault(f.repository_ref, []).append((f, base, en, zh))

    # Diminishing returns: the most valuable contributions to a repository take the highest factors,
    # so adding a contribution can never lower what the others earn in total.
    scored: list[tuple[ContributionFacts, Decimal, str, str, str, Decimal]] = []
    schedule, last = p.schedule, len(p.schedule) - 1
    for repo in sorted(by_repo):
        ranked = sorted(by_repo[repo], key=lambda item: (-item[1], item[0].merged_at, item[0].key))
        kept: list[tuple[ContributionFacts, Decimal, str, str, str, Decimal]] = []
        for rank, (f, base, en, zh) in enumerate(ranked):
            factor = schedule[rank if rank < last else last]
            rule = f"kinds.{f.kind}"
            if factor != ONE:
                rule = "diminishing_returns"
                en += f" × {_num(factor)} as the {_ordinal(rank + 1)} most valuable contribution to this repository"
                zh += f" × {_num(factor)}（本学期该仓库第 {rank + 1} 项）"
            points = base * factor
            if points <= ZERO:  # a zero factor or weight: say so rather than show a 0-point line
                refusals.append(_refuse(f, rule, en + " = 0", zh + " = 0"))
                continue
            kept.append((f, base, en, zh, rule, points))
        scored.extend(_cap(kept, p.cap_repository, p, "caps.per_repository_per_term", refusals))

    remaining_total = None if p.cap_total is None else max(ZERO, p.cap_total - previously_approved)
    term_cap, term_rule = p.cap_term, "caps.per_term"
    if remaining_total is not None and (term_cap is None or remaining_total < term_cap):
        term_cap, term_rule = remaining_total, "caps.per_student_total"
    scored = _cap(scored, term_cap, p, term_rule, refusals)

    lines = tuple(
        CreditLine(f.key, f.contribution_id, rule, base, points, en, zh)
        for f, base, en, zh, rule, points in sorted(scored, key=lambda item: (item[0].merged_at, item[0].key))
    )
    caps_applied = {x.rule for x in (*lines, *refusals) if x.rule.startswith("caps.")}
    points = sum((line.points for line in lines), ZERO)
    credits = _round(points / p.points_per_credit, p.step, p.rounding)
    for cap in (p.cap_term, remaining_total):
        if cap is not None:
            credits = min(credits, (cap / p.step).to_integral_value(rounding=ROUND_FLOOR) * p.step)
    refusals.sort(key=lambda r: r.key)
    return Evaluation(
        term=term.code,
        policy_version=p.version,
        lines=lines,
        refusals=tuple(refusals),
        points=points,
        credits=credits,
        caps_applied=tuple(sorted(caps_applied)),
    )


def _cap(
    items: list[tuple[ContributionFacts, Decimal, str, str, str, Decimal]],
    cap_credits: Decimal | None,
    p: CompiledPolicy,
    rule: str,
    refusals: list[Refusal],
) -> list[tuple[ContributionFacts, Decimal, str, str, str, Decimal]]:
    """Keep contributions in merge order until the cap (in credits) is used up; cut or refuse the rest."""
    if cap_credits is None:
        return items
    budget = cap_credits * p.points_per_credit
    total = sum((item[5] for item in items), ZERO)
    if total <= budget:
        return items
    what = {
        "caps.per_repository_per_term": ("cap for this repository in the term reached", "已达本学期该仓库上限"),
        "caps.per_term": ("cap for the term reached", "已达本学期学分上限"),
        "caps.per_student_total": ("cap for the student's total credit reached", "已达学生累计学分上限"),
    }[rule]
    kept = []
    for f, base, en, zh, old_rule, points in sorted(items, key=_merge_order):
        if budget <= ZERO:
            refusals.append(_refuse(f, rule, what[0], what[1]))
            continue
        if points > budget:
            en = f"{en}; cut to {_num(budget)} points: {what[0]}"
            zh = f"{zh}；{what[1]}，减为 {_num(budget)} 分"
            kept.append((f, base, en, zh, rule, budget))
            budget = ZERO
            continue
        kept.append((f, base, en, zh, old_rule, points))
        budget -= points
    return kept
