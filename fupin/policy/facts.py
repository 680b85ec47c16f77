"""The facts the rules judge (household, village) and the explained results they return."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, SupportsFloat


class HouseholdFactsLike(Protocol):
    """Anything with a household's facts as attributes (`HouseholdFacts`, or an adapter)."""

    @property
    def income_per_capita(self) -> SupportsFloat: ...
    @property
    def size(self) -> int: ...
    @property
    def has_labour_ability(self) -> bool | None: ...
    @property
    def food_ok(self) -> bool: ...
    @property
    def clothing_ok(self) -> bool: ...
    @property
    def education_ok(self) -> bool: ...
    @property
    def medical_ok(self) -> bool: ...
    @property
    def housing_ok(self) -> bool: ...
    @property
    def water_ok(self) -> bool | None: ...
    @property
    def rigid_spending(self) -> SupportsFloat | None: ...
    @property
    def last_year_income_per_capita(self) -> SupportsFloat | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class HouseholdFacts:
    """A household as the rules see it (real or recorded: the caller decides which).

    `income_per_capita` is yuan per person per year on the year line's measure (纯收入 or
    可支配收入). None means "not recorded": a rule that needs the fact then raises instead of
    guessing (water safety from 2019, labour ability for standards that require it).
    `rigid_spending` is the household's rigid spending this year (illness, disability, disaster,
    epidemic), in yuan, for the monitoring range.
    """

    income_per_capita: float
    size: int
    food_ok: bool
    clothing_ok: bool
    education_ok: bool
    medical_ok: bool
    housing_ok: bool
    water_ok: bool | None = None
    has_labour_ability: bool | None = None
    rigid_spending: float | None = None
    last_year_income_per_capita: float | None = None

    def __post_init__(self) -> None:
        if not math.isfinite(self.income_per_capita):
            raise ValueError(f"income_per_capita must be finite, got {self.income_per_capita}")
        if self.size < 1:
            raise ValueError(f"a household has at least one member, got size {self.size}")
        if self.rigid_spending is not None and self.rigid_spending < 0:
            raise ValueError(f"rigid_spending cannot be negative, got {self.rigid_spending}")


@dataclass(frozen=True, slots=True, kw_only=True)
class VillageFacts:
    """A village as a village rule sees it: income per capita, collective income, population."""

    income_per_capita: float
    collective_income: float | None = None
    registered_population: int | None = None
    relative_poor_persons: int | None = None

    @property
    def poor_share(self) -> float | None:
        if self.registered_population is None or self.relative_poor_persons is None:
            return None
        if self.registered_population <= 0:
            raise ValueError("a village's registered population must be positive")
        return self.relative_poor_persons / self.registered_population


class ReasonCode(StrEnum):
    """Stable codes for every reason a rule gives; the messages are for people."""

    INCOME_AT_OR_BELOW_LINE = "income_at_or_below_line"
    INCOME_ABOVE_LINE = "income_above_line"
    INCOME_NOT_STABLY_ABOVE_LINE = "income_not_stably_above_line"
    INCOME_STABLY_ABOVE_LINE = "income_stably_above_line"
    FOOD_NOT_SECURE = "food_not_secure"
    CLOTHING_NOT_SECURE = "clothing_not_secure"
    EDUCATION_NOT_SECURE = "education_not_secure"
    MEDICAL_NOT_SECURE = "medical_not_secure"
    HOUSING_NOT_SAFE = "housing_not_safe"
    WATER_NOT_SAFE = "water_not_safe"
    GUARANTEES_MET = "guarantees_met"
    INCOME_BELOW_RELATIVE_LINE = "income_below_relative_line"
    INCOME_NOT_BELOW_RELATIVE_LINE = "income_not_below_relative_line"
    HAS_LABOUR_ABILITY = "has_labour_ability"
    NO_LABOUR_ABILITY = "no_labour_ability"
    IN_POOR_VILLAGE = "in_poor_village"
    NOT_IN_POOR_VILLAGE = "not_in_poor_village"
    VILLAGE_INCOME_BELOW = "village_income_below"
    VILLAGE_INCOME_NOT_BELOW = "village_income_not_below"
    COLLECTIVE_INCOME_BELOW = "collective_income_below"
    COLLECTIVE_INCOME_NOT_BELOW = "collective_income_not_below"
    POOR_SHARE_AT_LEAST = "poor_share_at_least"
    POOR_SHARE_BELOW = "poor_share_below"
    INCOME_BELOW_MONITORING_LIMIT = "income_below_monitoring_limit"
    INCOME_NOT_BELOW_MONITORING_LIMIT = "income_not_below_monitoring_limit"
    RIGID_SPENDING_HIGH = "rigid_spending_high"
    INCOME_FELL_SHARPLY = "income_fell_sharply"


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for a result: a code, a Chinese sentence, and the value and limit compared."""

    code: ReasonCode
    message: str
    value: float | None = None
    limit: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Explained:
    year: int
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[ReasonCode, ...]:
        return tuple(r.code for r in self.reasons)

    def explain(self) -> str:
        """All reasons as one sentence for a page or an export."""
        return "；".join(r.message for r in self.reasons)


@dataclass(frozen=True, slots=True, kw_only=True)
class Identification(_Explained):
    """Poor or not under `standard` (its code) in `year`, and why; `line` is the income limit."""

    poor: bool
    standard: str
    line: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExitCheck(_Explained):
    """Whether a household meets the exit standard in `year`, and why."""

    eligible: bool
    line: float
    stable_margin: float


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitoringCheck(_Explained):
    """Whether a household falls in the return-to-poverty monitoring range, and why."""

    in_range: bool
    income_limit: float
