"""Pydantic schema of a credit policy document (the YAML a university edits)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

KINDS = ("pull_request", "review", "issue")
# Upper (and lower) bounds of every number, chosen so the largest policy still fits the record columns
# (points: 14 digits with 4 decimals, credits: 8 with 2) and makes sense for a course; the loader's limits too.
BOUNDS = {
    "tier_weight": Decimal(10), "points": Decimal(1000), "multiplier": Decimal(10), "lines": 10_000_000,
    "points_per_credit_min": Decimal("0.01"), "points_per_credit_max": Decimal(100_000),
    "rounding_step_min": Decimal("0.01"), "rounding_step_max": Decimal(10),
    "cap_per_term": Decimal(100), "cap_total": Decimal(1000), "schedule_length": 100, "tiers": 50,
    "list_items": 1000, "text": 200,
}
_TEXT = BOUNDS["text"]


class _Strict(BaseModel):
    """Base: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Course(_Strict):
    """The course the registrar books the credit under."""

    code: str = Field(min_length=1, max_length=32)
    name_zh: str = Field(min_length=1, max_length=_TEXT)
    name_en: str = Field(min_length=1, max_length=_TEXT)
    # How the registrar books it: a credit category (创新实践学分) and a grade (a number such as 85, or 合格).
    credit_category: str = Field(default="", max_length=64)
    grade: Decimal | str = Field(default="", union_mode="left_to_right")


class SizeBand(_Strict):
    """A points multiplier for contributions with at least `from_lines` changed lines."""

    from_lines: int = Field(ge=1, le=BOUNDS["lines"])
    multiplier: Decimal = Field(ge=0, le=BOUNDS["multiplier"], decimal_places=4)


class KindRule(_Strict):
    """Points for one contribution kind, with its size threshold and bonus bands."""

    points: Decimal = Field(ge=0, le=BOUNDS["points"], decimal_places=4)
    min_changed_lines: int = Field(default=0, ge=0, le=BOUNDS["lines"])
    size_bands: tuple[SizeBand, ...] = Field(default=(), max_length=BOUNDS["schedule_length"])

    @field_validator("size_bands")
    @classmethod
    def _bands_ascending(cls, bands: tuple[SizeBand, ...]) -> tuple[SizeBand, ...]:
        starts = [b.from_lines for b in bands]
        if starts != sorted(set(starts)):
            raise ValueError("size_bands must have strictly increasing from_lines")
        return bands


class Kinds(_Strict):
    """Contribution kinds that earn points; a kind left out earns nothing."""

    pull_request: KindRule | None = None
    review: KindRule | None = None
    issue: KindRule | None = None


class Exclusions(_Strict):
    """Contributions that never earn credit, whatever their size."""

    bots: bool = True
    bot_logins: tuple[str, ...] = Field(default=(), max_length=BOUNDS["list_items"])
    labels: tuple[str, ...] = Field(default=("spam", "invalid"), max_length=BOUNDS["list_items"])
    self_merged: Literal["own_repository", "anywhere", "allowed"] = "own_repository"
    own_repositories: bool = True
    counted_mirrors: bool = True

    @field_validator("bot_logins", "labels")
    @classmethod
    def _short_items(cls, items: tuple[str, ...]) -> tuple[str, ...]:
        for item in items:
            if len(item) > 255:
                raise ValueError(f"items are at most 255 characters (got {len(item)})")
        return items


class DiminishingReturns(_Strict):
    """Factors for the 1st, 2nd, ... most valuable contribution to one repository in a term."""

    schedule: tuple[Decimal, ...] = Field(min_length=1, max_length=BOUNDS["schedule_length"])

    @field_validator("schedule")
    @classmethod
    def _non_increasing(cls, schedule: tuple[Decimal, ...]) -> tuple[Decimal, ...]:
        for factor in schedule:
            if not factor.is_finite() or factor.as_tuple().exponent < -4:
                raise ValueError(f"every factor must be a number with at most 4 decimals (got {factor})")
            if factor < 0 or factor > 1:
                raise ValueError(f"every factor must be between 0 and 1 (got {factor})")
        if list(schedule) != sorted(schedule, reverse=True):
            raise ValueError("factors must not increase (later contributions never earn more)")
        return schedule


class Conversion(_Strict):
    """Points to credits: divide, then round to a step."""

    points_per_credit: Decimal = Field(ge=BOUNDS["points_per_credit_min"], le=BOUNDS["points_per_credit_max"],
                                       decimal_places=4)
    # Credits are stored with two decimals: a finer step could not be booked.
    rounding_step: Decimal = Field(ge=BOUNDS["rounding_step_min"], le=BOUNDS["rounding_step_max"], decimal_places=2)
    rounding: Literal["down", "half_up"] = "down"


class Caps(_Strict):
    """Upper limits in credits; a missing cap means no limit."""

    per_term: Decimal | None = Field(default=None, ge=0, le=BOUNDS["cap_per_term"], decimal_places=2)
    per_repository_per_term: Decimal | None = Field(default=None, ge=0, le=BOUNDS["cap_per_term"], decimal_places=2)
    per_student_total: Decimal | None = Field(default=None, ge=0, le=BOUNDS["cap_total"], decimal_places=2)


SCOPES = ("advisor", "department", "university")
# Documents published before stages were named: the two stages they could list, as named stages. `faculty`
# becomes the `department` stage, the stage every reviewer mandate held before stages existed.
LEGACY_STAGES = {
    "faculty": {"key": "department", "name_zh": "学院审核", "name_en": "Department review", "scope": "department"},
    "registrar": {"key": "registrar", "name_zh": "教务处确认", "name_en": "Registrar", "scope": "university"},
}


class Stage(_Strict):
    """One approval stage: who decides it (scope) and what it is called."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(min_length=1, max_length=100)
    scope: str

    @field_validator("scope")
    @classmethod
    def _known_scope(cls, scope: str) -> str:
        if scope not in SCOPES:
            raise ValueError(f"unknown scope {scope!r}: use one of {', '.join(SCOPES)}")
        return scope


class Approval(_Strict):
    """Who must approve a record, in which order, and how long the result is publicly posted (公示)."""

    stages: tuple[Stage, ...] = (Stage(**LEGACY_STAGES["faculty"]),)
    submission: Literal["student", "automatic"] = "student"
    public_notice_days: int = Field(default=0, ge=0, le=30)
    holidays: tuple[dt.date, ...] = Field(default=(), max_length=BOUNDS["list_items"])
    # 调休: weekend days that are working days (they count towards the notice period).
    extra_working_days: tuple[dt.date, ...] = Field(default=(), max_length=BOUNDS["list_items"])

    @field_validator("stages", mode="before")
    @classmethod
    def _legacy_names(cls, stages):
        if not isinstance(stages, list | tuple):
            return stages
        named = []
        for stage in stages:
            if isinstance(stage, str):
                if stage not in LEGACY_STAGES:
                    raise ValueError(f"stage {stage!r}: write a stage as {{key, name_zh, name_en, scope}}")
                stage = LEGACY_STAGES[stage]
            named.append(stage)
        return named

    @field_validator("stages")
    @classmethod
    def _distinct_keys(cls, stages: tuple[Stage, ...]) -> tuple[Stage, ...]:
        keys = [s.key for s in stages]
        if not keys:
            raise ValueError("at least one approval stage is required")
        if len(set(keys)) != len(keys):
            raise ValueError("stage keys must be distinct")
        return stages

    def stage_keys(self) -> list[str]:
        """The stage keys in order."""
        return [s.key for s in self.stages]


CAP_KEYS = ("per_term", "per_repository_per_term", "per_student_total")
# Human names for the shipped keys, used wherever a policy does not name them itself.
DEFAULT_NAMES: dict[str, dict[str, tuple[str, str]]] = {
    "tiers": {"core": ("核心项目", "core project"), "standard": ("标准项目", "standard project"),
              "ecosystem": ("生态项目", "ecosystem project")},
    "kinds": {"pull_request": ("已合并的拉取请求", "merged pull request"), "review": ("代码评审", "code review"),
              "issue": ("议题", "issue")},
    "caps": {"per_term": ("本学期上限", "term cap"),
             "per_repository_per_term": ("本学期单仓库上限", "per-repository term cap"),
             "per_student_total": ("累计上限", "lifetime cap")},
}


class Name(_Strict):
    """A key's name for people, in both interface languages."""

    zh: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)


class Names(_Strict):
    """Chinese and English names of tiers, kinds and caps (a key left out keeps its default name)."""

    tiers: dict[str, Name] = {}
    kinds: dict[str, Name] = {}
    caps: dict[str, Name] = {}

    @field_validator("kinds", "caps")
    @classmethod
    def _known_keys(cls, names: dict[str, Name], info) -> dict[str, Name]:
        allowed = KINDS if info.field_name == "kinds" else CAP_KEYS
        unknown = set(names) - set(allowed)
        if unknown:
            what = info.field_name.rstrip("s")
            raise ValueError(f"unknown {what}(s) {sorted(unknown)}; {info.field_name} are {list(allowed)}")
        return names


class Policy(_Strict):
    """One credit policy version as written by a university."""

    schema_version: Literal[1] = 1
    version: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    title_zh: str = Field(min_length=1, max_length=_TEXT)
    title_en: str = Field(min_length=1, max_length=_TEXT)
    effective_from: dt.date
    effective_until: dt.date | None = None
    timezone: str = "Asia/Shanghai"
    course: Course
    tiers: dict[str, Decimal] = Field(min_length=1, max_length=BOUNDS["tiers"])
    kinds: Kinds
    exclusions: Exclusions = Exclusions()
    maturation_days: int = Field(default=7, ge=0, le=365)
    diminishing_returns: DiminishingReturns = DiminishingReturns(schedule=(Decimal(1),))
    credits: Conversion
    caps: Caps = Caps()
    approval: Approval = Approval()
    # Credits a student needs before graduating (the early-warning list compares against it); None: no target.
    required_credits: Decimal | None = Field(default=None, ge=0, le=1000)
    names: Names = Names()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @field_validator("tiers")
    @classmethod
    def _tier_weights(cls, tiers: dict[str, Decimal]) -> dict[str, Decimal]:
        for name, weight in tiers.items():
            if not 0 < len(name) <= 32:
                raise ValueError(f"tier names are 1 to 32 characters (got {name[:40]!r})")
            if not weight.is_finite() or weight.as_tuple().exponent < -4:
                raise ValueError(f"tier {name!r}: weight must be a number with at most 4 decimals (got {weight})")
            if weight < 0 or weight > BOUNDS["tier_weight"]:
                raise ValueError(f"tier {name!r}: weight must be between 0 and {BOUNDS['tier_weight']} (got {weight})")
        return tiers

    @model_validator(mode="after")
    def _dates_ordered(self) -> Policy:
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError("effective_until is before effective_from")
        if not any(getattr(self.kinds, k) is not None for k in KINDS):
            raise ValueError("kinds: at least one contribution kind must earn points")
        unnamed = set(self.names.tiers) - set(self.tiers)
        if unnamed:
            raise ValueError(f"names.tiers: {sorted(unnamed)} are not tiers of this policy")
        return self

    def name_of(self, group: str, key: str, language: str) -> str:
        """The human name of a tier, kind or cap key in `language` ("zh…" or anything else for English)."""
        chinese = language.startswith("zh")
        given = getattr(self.names, group).get(key)
        if given is not None:
            return given.zh if chinese else given.en
        default = DEFAULT_NAMES[group].get(key)
        if default is not None:
            return default[0] if chinese else default[1]
        return key

    def largest_single_credit(self) -> Decimal:
        """Credits of the most valuable single contribution before rounding and diminishing."""
        best_tier = max(self.tiers.values())
        best = Decimal(0)
        for kind in KINDS:
            rule: KindRule | None = getattr(self.kinds, kind)
            if rule is None:
                continue
            band = max((b.multiplier for b in rule.size_bands), default=Decimal(1))
            best = max(best, rule.points * best_tier * max(band, Decimal(1)))
        return best / self.credits.points_per_credit
