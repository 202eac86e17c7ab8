"""The arithmetic of a record's total, in words, in both languages (pure: numbers and a policy in, text out)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from credits.rules.engine import _num, _round
from credits.rules.schema import Policy

ZERO = Decimal(0)
SHOWN_TERMS = 12  # beyond this many lines the sum is given as a count and a total, not term by term


@dataclass(frozen=True)
class Step:
    """One sentence of the explanation."""

    en: str
    zh: str

    def text(self, language: str) -> str:
        """The sentence in `language` (Chinese for zh…, else English)."""
        return self.zh if language.startswith("zh") else self.en


def _credit_words(value: Decimal) -> tuple[str, str]:
    number = _num(value)
    return (f"{number} credit" if value == 1 else f"{number} credits"), f"{number} 学分"


def cap_label(policy: Policy, key: str, language: str) -> str:
    """A cap by its human name and value: "本学期上限 2 学分" / "term cap of 2 credits"."""
    value = getattr(policy.caps, key, None)
    name = policy.name_of("caps", key, language)
    if value is None:
        return name
    en, zh = _credit_words(value)
    return f"{name} {zh}" if language.startswith("zh") else f"{name} of {en}"


# The engine's own rules (not named in a policy): what a reviewer reads instead of the key.
RULE_NAMES: dict[str, tuple[str, str]] = {
    "duplicate": ("重复列出", "listed twice"),
    "diminishing_returns": ("边际递减", "diminishing returns"),
    "exclusions.bots": ("机器人账户", "bot account"),
    "exclusions.counted_mirrors": ("镜像已计", "mirror already counted"),
    "exclusions.labels": ("排除标签", "excluded label"),
    "exclusions.own_repositories": ("本人仓库", "own repository"),
    "exclusions.self_merged": ("自行合并", "self-merged"),
    "kinds": ("类型不计分", "kind not counted"),
    "maturation": ("观察期", "maturation period"),
    "merged": ("未合并", "not merged"),
    "size": ("改动规模", "change size"),
    "term": ("学期", "term"),
    "tiers": ("仓库级别", "repository tier"),
}


def rule_label(policy: Policy | None, rule: str, language: str) -> str:
    """A line's rule by its human name: a kind or cap by the policy's name, the engine's rules by RULE_NAMES."""
    group, _, key = rule.partition(".")
    if policy is not None and group in ("kinds", "caps", "tiers") and key:
        return policy.name_of(group, key, language)
    names = RULE_NAMES.get(rule)
    if names is None:
        return rule
    return names[0] if language.startswith("zh") else names[1]


def explain_total(
    policy: Policy, *, line_points: Sequence[Decimal], credits: Decimal, caps_applied: Sequence[str] = (),
) -> list[Step]:
    """Every step from the credited lines' points to the record's credits."""
    points = sum(line_points, ZERO)
    steps: list[Step] = []
    if not line_points:
        steps.append(Step("No contribution earned points this term: 0 points.", "本学期没有计分的贡献：0 分。"))
    elif len(line_points) <= SHOWN_TERMS:
        terms = " + ".join(_num(p) for p in line_points)
        equals = f" = {_num(points)}" if len(line_points) > 1 else ""
        steps.append(Step(f"Points of the credited contributions: {terms}{equals} points.",
                          f"计分贡献的分值：{terms}{equals} 分。"))
    else:
        steps.append(Step(f"{len(line_points)} credited contributions earn {_num(points)} points in total.",
                          f"{len(line_points)} 项计分贡献共 {_num(points)} 分。"))
    conv = policy.credits
    raw = points / conv.points_per_credit
    per, quotient = _num(conv.points_per_credit), _num(raw.quantize(Decimal("0.0001")))
    steps.append(Step(f"{_num(points)} points ÷ {per} points per credit = {quotient}.",
                      f"{_num(points)} 分 ÷ 每学分 {per} 分 = {quotient}。"))
    rounded = _round(raw, conv.rounding_step, conv.rounding)
    step_en, step_zh = _credit_words(conv.rounding_step)
    got_en, got_zh = _credit_words(rounded)
    if conv.rounding == "down":
        steps.append(Step(f"Rounded down to a multiple of {step_en}: {got_en}.",
                          f"按 {step_zh}为单位向下取整：{got_zh}。"))
    else:
        steps.append(Step(f"Rounded half up to a multiple of {step_en}: {got_en}.",
                          f"按 {step_zh}为单位四舍五入：{got_zh}。"))
    for key in caps_applied:
        short = key.removeprefix("caps.")
        if short == "per_repository_per_term":
            steps.append(Step(
                f"The {cap_label(policy, short, 'en')} was reached: points beyond it were not counted.",
                f"已达{cap_label(policy, short, 'zh')}：同一仓库超出部分的分值不计。",
            ))
    if credits < rounded:
        # The term cap (or what is left of the lifetime cap) limits the rounded total.
        key = "per_student_total" if "caps.per_student_total" in caps_applied else "per_term"
        final_en, final_zh = _credit_words(credits)
        steps.append(Step(f"Limited by the {cap_label(policy, key, 'en')}: {final_en}.",
                          f"受{cap_label(policy, key, 'zh')}限制：{final_zh}。"))
    else:
        for key in caps_applied:
            short = key.removeprefix("caps.")
            if short in ("per_term", "per_student_total"):
                steps.append(Step(f"The {cap_label(policy, short, 'en')} was reached.",
                                  f"已达{cap_label(policy, short, 'zh')}。"))
    final_en, final_zh = _credit_words(credits)
    steps.append(Step(f"Credit for this record: {final_en}.", f"本记录学分：{final_zh}。"))
    return steps



def outside_terms(day: dt.date, next_code: str | None, next_starts: dt.date | None) -> Step:
    """Why a contribution merged on `day` is in no record, and when it could still count."""
    en = f"Merged on {day}, outside every term, so no credit record counts it."
    zh = f"合并于 {day}，不在任何学期内，因此不计入任何学分记录。"
    if next_code:
        en += f" The next term, {next_code}, starts on {next_starts}; only work merged within a term counts."
        zh += f"下一个学期 {next_code} 自 {next_starts} 开始；只有在学期内合并的贡献才计入。"
    else:
        en += " It will count once the registrar opens a term covering that date."
        zh += "教务处设立覆盖该日期的学期后即可计入。"
    return Step(en, zh)
