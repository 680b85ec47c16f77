"""Identification, exit, wrong-exit and monitoring rules, each explaining its answer."""

from __future__ import annotations

from typing import SupportsFloat

import numpy as np
import numpy.typing as npt

from fupin.policy._text import percent, yuan
from fupin.policy.errors import PolicyError
from fupin.policy.facts import (
    ExitCheck,
    HouseholdFactsLike,
    Identification,
    MonitoringCheck,
    Reason,
    ReasonCode,
    VillageFacts,
)
from fupin.policy.lines import (
    DEFAULT_LINES,
    DEFAULT_MONITORING,
    MonitoringPolicy,
    PovertyLine,
    PovertyLineTable,
    by_year,
)
from fupin.policy.standards import (
    NATIONAL,
    Combine,
    NationalRule,
    RelativeIncomeRule,
    Standard,
)

# The single statement of the national rule, used by the scalar and the array versions alike.


def national_poor(
    income: npt.ArrayLike, line: npt.ArrayLike, guarantees_ok: npt.ArrayLike
) -> npt.NDArray[np.bool_]:
    """Poor when income per capita is at or below the line, or 两不愁三保障 is not met."""
    poor: npt.NDArray[np.bool_] = np.logical_or(
        np.less_equal(income, line), np.logical_not(guarantees_ok)
    )
    return poor


def exit_meets_standard(
    income: npt.ArrayLike, line: npt.ArrayLike, guarantees_ok: npt.ArrayLike, stable_margin: float
) -> npt.NDArray[np.bool_]:
    """May exit when income is above the line by more than `stable_margin` and guarantees are met."""
    eligible: npt.NDArray[np.bool_] = np.logical_and(
        np.greater(income, np.add(line, stable_margin)), np.asarray(guarantees_ok, dtype=bool)
    )
    return eligible


# Household identification


def identify(
    household: HouseholdFactsLike,
    year: int,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
    *,
    village: VillageFacts | None = None,
    village_named: bool | None = None,
) -> Identification:
    """Poor or not under `standard` in `year`, with the line or guarantee that decided it.

    `village` is needed only by standards that name households inside named villages
    (Guangdong 2013–2015: 重点帮扶村); without the village's facts, `village_named` says whether
    the registry records the village as named (the registry has no village incomes).
    """
    standard.check_in_force(year)
    rule = standard.household_rule
    if isinstance(rule, NationalRule):
        return _identify_national(household, year, standard, rule, lines)
    return _identify_relative(household, year, standard, rule, village, village_named)


def _identify_national(
    household: HouseholdFactsLike,
    year: int,
    standard: Standard,
    rule: NationalRule,
    lines: PovertyLineTable,
) -> Identification:
    line = lines.line(year)
    income = float(household.income_per_capita)
    failed = _failed_guarantees(household, year, rule)
    poor = bool(national_poor(income, line.yuan, not failed))
    income_reason = _income_against_line(income, line)
    if poor:
        reasons = ([income_reason] if income <= line.yuan else []) + failed
    else:
        reasons = [income_reason, _guarantees_met(year, rule)]
    return Identification(
        poor=poor, year=year, standard=standard.code, line=float(line.yuan), reasons=tuple(reasons)
    )


def _income_against_line(income: float, line: PovertyLine) -> Reason:
    measure = line.income_measure.label
    if income < line.yuan:
        return Reason(
            ReasonCode.INCOME_AT_OR_BELOW_LINE,
            f"{measure} {yuan(income)} 元 低于 {line.label}",
            income,
            line.yuan,
        )
    if income == line.yuan:
        return Reason(
            ReasonCode.INCOME_AT_OR_BELOW_LINE,
            f"{measure} {yuan(income)} 元 等于 {line.label}（不高于标准即为贫困）",
            income,
            line.yuan,
        )
    return Reason(
        ReasonCode.INCOME_ABOVE_LINE,
        f"{measure} {yuan(income)} 元 高于 {line.label}，高出 {yuan(income - line.yuan)} 元",
        income,
        line.yuan,
    )


_GUARANTEE_FAILURES: tuple[tuple[str, ReasonCode, str], ...] = (
    ("food_ok", ReasonCode.FOOD_NOT_SECURE, "吃饭没有保障（不愁吃未达标）"),
    ("clothing_ok", ReasonCode.CLOTHING_NOT_SECURE, "穿衣没有保障（不愁穿未达标）"),
    ("education_ok", ReasonCode.EDUCATION_NOT_SECURE, "义务教育无保障（有适龄儿童因贫失学辍学）"),
    ("medical_ok", ReasonCode.MEDICAL_NOT_SECURE, "基本医疗无保障（有成员未参保或大病未得到保障）"),
    ("housing_ok", ReasonCode.HOUSING_NOT_SAFE, "住房安全无保障（C/D级危房）"),
)


def _failed_guarantees(
    household: HouseholdFactsLike, year: int, rule: NationalRule
) -> list[Reason]:
    failed = [
        Reason(code, message)
        for attr, code, message in _GUARANTEE_FAILURES
        if not getattr(household, attr)
    ]
    if rule.water_counts(year):
        if household.water_ok is None:
            raise PolicyError(
                f"water safety (饮水安全) must be recorded from {rule.water_from}; "
                f"it is missing for {year}"
            )
        if not household.water_ok:
            failed.append(Reason(ReasonCode.WATER_NOT_SAFE, "饮水安全无保障"))
    return failed


def _guarantees_met(year: int, rule: NationalRule) -> Reason:
    water = "及饮水安全" if rule.water_counts(year) else ""
    return Reason(ReasonCode.GUARANTEES_MET, f"两不愁三保障{water}均有保障")


def _identify_relative(
    household: HouseholdFactsLike,
    year: int,
    standard: Standard,
    rule: RelativeIncomeRule,
    village: VillageFacts | None,
    village_named: bool | None = None,
) -> Identification:
    # Every condition must hold: poor → all of them are the reasons; not poor → the failing ones.
    conditions: list[tuple[bool, Reason]] = []
    income = float(household.income_per_capita)
    measure = rule.income_measure.label
    limit = f"{standard.name}规定的 {yuan(rule.limit)} 元（{rule.basis}）"
    if income < rule.limit:
        conditions.append(
            (
                True,
                Reason(
                    ReasonCode.INCOME_BELOW_RELATIVE_LINE,
                    f"{measure} {yuan(income)} 元 低于 {limit}",
                    income,
                    rule.limit,
                ),
            )
        )
    else:
        conditions.append(
            (
                False,
                Reason(
                    ReasonCode.INCOME_NOT_BELOW_RELATIVE_LINE,
                    f"{measure} {yuan(income)} 元 不低于 {limit}",
                    income,
                    rule.limit,
                ),
            )
        )
    if rule.requires_labour_ability:
        if household.has_labour_ability is None:
            raise PolicyError(f"standard {standard.code} needs the household's labour ability")
        if household.has_labour_ability:
            conditions.append((True, Reason(ReasonCode.HAS_LABOUR_ABILITY, "有劳动能力")))
        else:
            conditions.append(
                (
                    False,
                    Reason(
                        ReasonCode.NO_LABOUR_ABILITY,
                        f"无劳动能力，{standard.name}只认定有劳动能力的农户",
                    ),
                )
            )
    term = standard.village_rule.term if standard.village_rule else "贫困村"
    if rule.requires_poor_village and village is None and village_named is not None:
        code = ReasonCode.IN_POOR_VILLAGE if village_named else ReasonCode.NOT_IN_POOR_VILLAGE
        is_or_not = "是" if village_named else "不是"
        conditions.append(
            (village_named, Reason(code, f"所在村{is_or_not}{term}（按村的认定记录）"))
        )
    elif rule.requires_poor_village:
        if village is None:
            raise PolicyError(
                f"standard {standard.code} names households only in its villages; "
                "pass the village's facts"
            )
        village_result = identify_village(village, year, standard)
        code = ReasonCode.IN_POOR_VILLAGE if village_result.poor else ReasonCode.NOT_IN_POOR_VILLAGE
        is_or_not = "是" if village_result.poor else "不是"
        conditions.append(
            (
                village_result.poor,
                Reason(code, f"所在村{is_or_not}{term}（{village_result.explain()}）"),
            )
        )
    poor = all(ok for ok, _ in conditions)
    reasons = tuple(r for ok, r in conditions if poor or not ok)
    return Identification(
        poor=poor, year=year, standard=standard.code, line=rule.limit, reasons=reasons
    )


def identify_village(village: VillageFacts, year: int, standard: Standard) -> Identification:
    """Whether `standard` names the village (重点帮扶村, 相对贫困村), with each condition explained."""
    standard.check_in_force(year)
    rule = standard.village_rule
    if rule is None:
        raise PolicyError(f"standard {standard.code} has no village rule")
    measure = rule.income_measure.label
    conditions: list[tuple[bool, Reason]] = []
    v_income = float(village.income_per_capita)
    below = v_income < rule.limit
    conditions.append(
        (
            below,
            Reason(
                ReasonCode.VILLAGE_INCOME_BELOW if below else ReasonCode.VILLAGE_INCOME_NOT_BELOW,
                f"村{measure} {yuan(v_income)} 元 {'低于' if below else '不低于'} "
                f"{rule.term}标准 {yuan(rule.limit)} 元（{rule.basis}）",
                v_income,
                rule.limit,
            ),
        )
    )
    if rule.collective_income_below is not None:
        if village.collective_income is None:
            raise PolicyError(f"standard {standard.code} needs the village's collective income")
        c_income = float(village.collective_income)
        below = c_income < rule.collective_income_below
        conditions.append(
            (
                below,
                Reason(
                    ReasonCode.COLLECTIVE_INCOME_BELOW
                    if below
                    else ReasonCode.COLLECTIVE_INCOME_NOT_BELOW,
                    f"村集体收入 {yuan(c_income)} 元 {'低于' if below else '不低于'} "
                    f"{yuan(rule.collective_income_below)} 元",
                    c_income,
                    rule.collective_income_below,
                ),
            )
        )
    if rule.poor_share_at_least is not None:
        share = village.poor_share
        if share is None:
            raise PolicyError(
                f"standard {standard.code} needs the village's registered population "
                "and relative-poor persons"
            )
        enough = share >= rule.poor_share_at_least
        conditions.append(
            (
                enough,
                Reason(
                    ReasonCode.POOR_SHARE_AT_LEAST if enough else ReasonCode.POOR_SHARE_BELOW,
                    f"相对贫困人口占户籍人口 {percent(share)} {'不低于' if enough else '低于'} "
                    f"{percent(rule.poor_share_at_least)}",
                    share,
                    rule.poor_share_at_least,
                ),
            )
        )
    held = [ok for ok, _ in conditions]
    poor = any(held) if rule.combine is Combine.ANY else all(held)
    if rule.combine is Combine.ANY:
        reasons = tuple(r for ok, r in conditions if ok or not poor)
    else:
        reasons = tuple(r for ok, r in conditions if poor or not ok)
    return Identification(
        poor=poor, year=year, standard=standard.code, line=rule.limit, reasons=reasons
    )


# Exit and wrong exit


def exit_eligible(
    household: HouseholdFactsLike,
    year: int,
    *,
    stable_margin: float = 0.0,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
) -> ExitCheck:
    """Whether a household may exit (DOMAIN §5): income stably above the line, guarantees met.

    "Stably above" is income above the line by more than `stable_margin` yuan (0: just above).
    """
    if stable_margin < 0:
        raise ValueError(f"stable_margin cannot be negative, got {stable_margin}")
    rule = _national_rule(standard)
    standard.check_in_force(year)
    line = lines.line(year)
    income = float(household.income_per_capita)
    failed = _failed_guarantees(household, year, rule)
    eligible = bool(exit_meets_standard(income, line.yuan, not failed, stable_margin))
    measure = line.income_measure.label
    required = line.yuan + stable_margin
    margin_note = f"（要求高出 {yuan(stable_margin)} 元以上）" if stable_margin else ""
    if income > required:
        income_reason = Reason(
            ReasonCode.INCOME_STABLY_ABOVE_LINE,
            f"{measure} {yuan(income)} 元 稳定高于 {line.label}，高出 "
            f"{yuan(income - line.yuan)} 元{margin_note}",
            income,
            required,
        )
    else:
        verb = "未稳定高于" if stable_margin else "未高于"
        income_reason = Reason(
            ReasonCode.INCOME_NOT_STABLY_ABOVE_LINE,
            f"{measure} {yuan(income)} 元 {verb} {line.label}{margin_note}",
            income,
            required,
        )
    reasons: tuple[Reason, ...]
    if eligible:
        reasons = (income_reason, _guarantees_met(year, rule))
    else:
        reasons = tuple(([income_reason] if income <= required else []) + failed)
    return ExitCheck(
        eligible=eligible,
        year=year,
        line=float(line.yuan),
        stable_margin=stable_margin,
        reasons=reasons,
    )


def is_wrong_exit(
    truth: HouseholdFactsLike,
    year: int,
    *,
    stable_margin: float = 0.0,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
) -> bool:
    """For an exited household's true facts: income not stably above the line or guarantees not met.

    `exit_eligible(...).reasons` says why.
    """
    return not exit_eligible(
        truth, year, stable_margin=stable_margin, standard=standard, lines=lines
    ).eligible


# Monitoring against return to poverty


def in_monitoring_range(
    household: HouseholdFactsLike,
    year: int,
    *,
    policy: MonitoringPolicy = DEFAULT_MONITORING,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
) -> MonitoringCheck:
    """Whether a household is in the monitoring range (DOMAIN §8); any one condition suffices.

    Income below the range's limit; rigid spending above `policy.rigid_spending_share` of last
    year's household income; income fallen by `policy.income_fall_share` or more (when set);
    or 两不愁三保障 (and water) not met.
    """
    rule = _national_rule(standard)
    limit, limit_label = policy.income_limit(year, lines)
    income = float(household.income_per_capita)
    measure = "人均纯收入"
    found: list[Reason] = []
    if income < limit:
        found.append(
            Reason(
                ReasonCode.INCOME_BELOW_MONITORING_LIMIT,
                f"{measure} {yuan(income)} 元 低于 {limit_label}",
                income,
                limit,
            )
        )
    last = _optional(household.last_year_income_per_capita)
    spending = _optional(household.rigid_spending)
    if last is not None and spending is not None:
        last_total = last * household.size
        if spending > policy.rigid_spending_share * last_total:
            share = (
                "" if policy.rigid_spending_share == 1 else f"的 {policy.rigid_spending_share:g} 倍"
            )
            found.append(
                Reason(
                    ReasonCode.RIGID_SPENDING_HIGH,
                    f"刚性支出 {yuan(spending)} 元 超过上年家庭纯收入 {yuan(last_total)} 元{share}",
                    spending,
                    policy.rigid_spending_share * last_total,
                )
            )
    if last is not None and policy.income_fall_share is not None and last > 0:
        floor = (1 - policy.income_fall_share) * last
        if income <= floor:
            found.append(
                Reason(
                    ReasonCode.INCOME_FELL_SHARPLY,
                    f"{measure} 由上年 {yuan(last)} 元 降至 {yuan(income)} 元，"
                    f"降幅 {percent(1 - income / last)} 不低于 {percent(policy.income_fall_share)}",
                    income,
                    floor,
                )
            )
    found.extend(_failed_guarantees(household, year, rule))
    if found:
        return MonitoringCheck(in_range=True, year=year, income_limit=limit, reasons=tuple(found))
    reasons = (
        Reason(
            ReasonCode.INCOME_NOT_BELOW_MONITORING_LIMIT,
            f"{measure} {yuan(income)} 元 不低于 {limit_label}",
            income,
            limit,
        ),
        _guarantees_met(year, rule),
    )
    return MonitoringCheck(in_range=False, year=year, income_limit=limit, reasons=reasons)


def _optional(value: SupportsFloat | None) -> float | None:
    return None if value is None else float(value)


def _national_rule(standard: Standard) -> NationalRule:
    if not isinstance(standard.household_rule, NationalRule):
        raise PolicyError(
            f"exit and monitoring are judged against the national line, not {standard.code}"
        )
    return standard.household_rule


# Bulk versions for the synthetic generator and analytics


def identify_arrays(
    income_per_capita: npt.ArrayLike,
    *,
    year: int | npt.ArrayLike,
    food_ok: npt.ArrayLike,
    clothing_ok: npt.ArrayLike,
    education_ok: npt.ArrayLike,
    medical_ok: npt.ArrayLike,
    housing_ok: npt.ArrayLike,
    water_ok: npt.ArrayLike | None = None,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
) -> npt.NDArray[np.bool_]:
    """`identify(...).poor` under the national standard for many households at once."""
    income, line, ok = _arrays(
        income_per_capita,
        year,
        (food_ok, clothing_ok, education_ok, medical_ok, housing_ok),
        water_ok,
        standard,
        lines,
    )
    return national_poor(income, line, ok)


def exit_eligible_arrays(
    income_per_capita: npt.ArrayLike,
    *,
    year: int | npt.ArrayLike,
    food_ok: npt.ArrayLike,
    clothing_ok: npt.ArrayLike,
    education_ok: npt.ArrayLike,
    medical_ok: npt.ArrayLike,
    housing_ok: npt.ArrayLike,
    water_ok: npt.ArrayLike | None = None,
    stable_margin: float = 0.0,
    standard: Standard = NATIONAL,
    lines: PovertyLineTable = DEFAULT_LINES,
) -> npt.NDArray[np.bool_]:
    """`exit_eligible(...).eligible` for many households; its negation marks wrong exits."""
    if stable_margin < 0:
        raise ValueError(f"stable_margin cannot be negative, got {stable_margin}")
    income, line, ok = _arrays(
        income_per_capita,
        year,
        (food_ok, clothing_ok, education_ok, medical_ok, housing_ok),
        water_ok,
        standard,
        lines,
    )
    return exit_meets_standard(income, line, ok, stable_margin)


def _arrays(
    income_per_capita: npt.ArrayLike,
    year: int | npt.ArrayLike,
    guarantees: tuple[npt.ArrayLike, ...],
    water_ok: npt.ArrayLike | None,
    standard: Standard,
    lines: PovertyLineTable,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    rule = _national_rule(standard)
    years = np.asarray(year)

    def water_counts_in(y: int) -> bool:
        standard.check_in_force(y)
        return rule.water_counts(y)

    water_counts = by_year(years, water_counts_in, bool)
    line = lines.yuan_for(years)
    income = np.asarray(income_per_capita, dtype=np.float64)
    if not np.all(np.isfinite(income)):
        raise ValueError("income_per_capita must be finite")
    ok: npt.NDArray[np.bool_] = np.asarray(True)
    for g in guarantees:
        ok = np.logical_and(ok, np.asarray(g, dtype=bool))
    if np.any(water_counts):
        if water_ok is None:
            raise PolicyError(f"water safety (饮水安全) must be recorded from {rule.water_from}")
        ok = np.logical_and(ok, np.logical_or(~water_counts, np.asarray(water_ok, dtype=bool)))
    income, line, ok = np.broadcast_arrays(income, line, ok)
    return income, line, ok
