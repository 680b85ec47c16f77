"""The data checks (平台8个准) as Ibis expressions over a snapshot: the same rules as the NumPy
engine of `fupin.checks`, written once so that DuckDB and Spark run them unchanged.

The rule ids, titles and accuracies are those of `fupin.checks.rules`; the thresholds, the
poverty lines and the drinking-water year come from the same modules the NumPy rules read
(`fupin.checks.identification`, `fupin.checks.income`, `fupin.checks.guarantees`,
`fupin.policy`). The NumPy engine stays the single-machine path (pages and `fupin check`: it is
the faster one there, and it writes each flag's reason); this module is for a whole snapshot on
an engine, where the answer is which household each rule flags. The tests require both to flag
exactly the same households for every rule.

Rules that need the ledgers (plans, measures, visits, exit notices) cannot run on a snapshot, which
holds households, members and status events only: `SNAPSHOT_RULES` lists those that can.
Members compare by the keyed hash of their ID number (`id_key`), as every number in a snapshot.
"""

from __future__ import annotations

import ibis
from ibis.expr.types import BooleanValue, FloatingValue, Table

from fupin.analytics.expressions import known, region_code
from fupin.analytics.schema import source
from fupin.checks.guarantees import COMPULSORY_AGES
from fupin.checks.identification import FAR_ABOVE_LINE_FACTOR
from fupin.checks.income import TOLERANCE_SHARE, TOLERANCE_YUAN
from fupin.checks.rules import BY_ID
from fupin.policy.causes import CAUSES, DISABILITY, ILLNESS, SCHOOLING
from fupin.policy.lines import DEFAULT_LINES, PovertyLineTable
from fupin.policy.standards import (
    DEFAULT_STANDARDS,
    NATIONAL,
    NationalRule,
    Standard,
    relative_limit_cases,
)

# The rules a snapshot has the data for, in the order of fupin.checks.rules.
SNAPSHOT_RULES: tuple[str, ...] = (
    "identification.far_above_line",
    "identification.not_registered_but_poor",
    "members.duplicate",
    "members.deceased",
    "members.size_mismatch",
    "causes.illness_no_sick",
    "causes.schooling_no_student",
    "causes.disability_no_disabled",
    "guarantees.education_dropout",
    "guarantees.medical_uninsured",
    "income.per_capita_inconsistent",
    "income.negative",
    "exits.failed_guarantee",
    "exits.income_not_above_line",
    "exits.no_exit_event",
)
# Rules of fupin.checks that need ledgers a snapshot does not hold.
NOT_IN_SNAPSHOT: tuple[str, ...] = tuple(r for r in BY_ID if r not in SNAPSHOT_RULES)
if set(SNAPSHOT_RULES) - set(BY_ID):
    raise RuntimeError("a snapshot rule is not a rule of fupin.checks")


def column(rule_id: str) -> str:
    """The flag column of a rule in `check_flags` (`identification.far_above_line` →
    `identification__far_above_line`)."""
    return rule_id.replace(".", "__")


def _line(year: ibis.Value, lines: PovertyLineTable) -> FloatingValue:
    """The national line of `year` (NULL for a year the table lacks: `uncovered_years` finds
    those before a run, since the NumPy rules refuse them too)."""
    cases = [(year == y, ibis.literal(lines.yuan(y), "float64")) for y in lines.years]
    return ibis.cases(*cases, else_=ibis.null("float64"))


def _own_line(h: Table, national: FloatingValue, standards: tuple[Standard, ...]) -> FloatingValue:
    """The line of the standard each household was identified under, as the NumPy engine's
    `own_lines`: the limit of the relative standard its 识别标准, village and identification year
    (else income year) resolve to (`fupin.policy.standards.household_standard`), otherwise the
    national line of its income year."""
    cases = relative_limit_cases(standards)
    if not cases:
        return national
    kind = h.standard.fill_null("")
    identified = h.identified_year.cast("int64").fill_null(0)
    income = h.income_year.cast("int64").fill_null(0)
    year = (identified > 0).ifelse(identified, income)
    known_year = year > 0
    branches = []
    for standard_kind, prefix, first, last, limit in cases:
        when = known_year & (kind == standard_kind)
        if prefix:
            when = when & h.village_code.startswith(prefix)
        if first is not None:
            when = when & (year >= first)
        if last is not None:
            when = when & (year <= last)
        value = national if limit is None else ibis.literal(limit, "float64")
        branches.append((when, value))
    return ibis.cases(*branches, else_=national)


def _water_counts(year: ibis.Value) -> BooleanValue:
    rule = NATIONAL.household_rule
    assert isinstance(rule, NationalRule)
    if rule.water_from is None:
        return ibis.literal(False)
    return year >= rule.water_from


def _num(v: ibis.Value) -> ibis.Value:
    return v.cast("float64").fill_null(0.0)


def _flag(v: ibis.Value) -> BooleanValue:
    return v.fill_null(False)


def _differs(a: FloatingValue, b: FloatingValue) -> BooleanValue:
    """fupin.checks.income._differs: apart by more than a yuan and more than 2% of `b`."""
    return (a - b).abs() > ibis.greatest(ibis.literal(TOLERANCE_YUAN), TOLERANCE_SHARE * b.abs())


def _has_cause(main: ibis.Value, other: ibis.Value, code: int) -> BooleanValue:
    """The main cause or one of the first two others (written "a,b" or "a、b") is the cause of
    `code` in fupin.policy.causes.CAUSES."""
    cause = CAUSES[code]
    others = other.fill_null("").replace("、", ",").split(",").filter(lambda s: s != "")
    return (main == cause) | others[:2].contains(cause)


def _age_at_end_of(birth: ibis.Value, year: int) -> ibis.Value:
    """Completed years on 31 December of `year`, as fupin.checks.data.PersonColumns.age_at_end_of
    computes it (day of the year compared, so a 31 December birth in a leap year counts the
    birthday as not yet reached in a common year)."""
    end_day = 366 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 365
    return year - birth.year() - (birth.day_of_year() > end_day).cast("int64")


def effective_years(year: int) -> Table:
    """The distinct years whose line the households are judged by (income year, else `year`)."""
    h = source("households")
    y = (h.income_year.fill_null(0) > 0).ifelse(h.income_year, year).cast("int64")
    return h.select(year=y).distinct()


def check_flags(
    year: int,
    lines: PovertyLineTable = DEFAULT_LINES,
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS,
) -> Table:
    """One row per household flagged by at least one rule: household_id, household_no,
    village_code, then one boolean column per rule of SNAPSHOT_RULES (`column(rule_id)`).
    `year` is the registry's "as of" year, as `fupin check --year`; `standards` are those the
    households' own standards are resolved among (the NumPy engine's `CheckData.standards`)."""
    h = source("households")
    p = source("persons")
    e = source("events")

    status = h.status.fill_null("")
    registered = _flag(h.registered)
    in_registry = registered & status.isin(("poor", "exited", "returned"))
    still_poor = registered & status.isin(("poor", "returned"))
    exited = registered & (status == "exited")
    income_year = (h.income_year.fill_null(0) > 0).ifelse(h.income_year, year).cast("int64")
    size = h["size"].cast("int64").fill_null(0)
    ok = {g: _flag(h[f"{g}_ok"]) for g in ("food", "clothing", "education", "medical", "housing")}
    water_ok = _flag(h.water_ok)
    g_met = (
        ok["food"]
        & ok["clothing"]
        & ok["education"]
        & ok["medical"]
        & ok["housing"]
        & (water_ok | ~_water_counts(income_year))
    )
    wages, business, prop, transfers = (
        _num(h[c])
        for c in ("income_wages", "income_business", "income_property", "income_transfers")
    )
    total, per_capita = _num(h.income_total), _num(h.income_per_capita)
    parts = wages + business + prop + transfers
    divisor = ibis.greatest(size, 1).cast("float64")
    hx = h.select(
        household_id=h.household_id,
        household_no=h.household_no,
        village_code=h.village_code,
        in_registry=in_registry,
        still_poor=still_poor,
        exited=exited,
        g_met=g_met,
        line=_line(income_year, lines),
        own_line=_own_line(h, _line(income_year, lines), standards),
        size=size,
        parts=parts,
        total=total,
        per_capita=per_capita,
        negative=(wages < 0) | (prop < 0) | (transfers < 0) | (per_capita < 0),
        education_ok=ok["education"],
        medical_ok=ok["medical"],
        illness=_has_cause(h.main_cause, h.other_causes, ILLNESS),
        schooling=_has_cause(h.main_cause, h.other_causes, SCHOOLING),
        disability=_has_cause(h.main_cause, h.other_causes, DISABILITY),
        divisor=divisor,
    )

    # Per household: what its members show (every listed member counts towards the size).
    alive = ~_flag(p.deceased)
    health = p.health.fill_null("")
    school = p.school_status.fill_null("")
    lo, hi = COMPULSORY_AGES
    age = _age_at_end_of(p.birth_date, year)
    pm = p.group_by("household_id").aggregate(
        listed=p.count(),
        any_dead=_flag(p.deceased).any(),
        sick=(health.isin(("chronic", "serious")) & alive).any(),
        student=((school == "in_school") & alive).any(),
        disabled=((health == "disabled") & alive).any(),
        dropout=((school == "dropped_out") & alive & age.between(lo, hi)).any(),
        uninsured=(~_flag(p.insured) & alive).any(),
    )

    # Members of households in the registry whose ID key is registered more than once (counted
    # over a window: the members and households are read once, not again for a join back).
    roll = p.filter(p.id_key.notnull()).join(
        hx.filter(hx.in_registry).select("household_id"), "household_id"
    )
    roll = roll.mutate(times=roll.id_key.count().over(ibis.window(group_by=roll.id_key)))
    dup = (
        roll.filter(roll.times > 1)
        .select("household_id")
        .distinct()
        .mutate(duplicate=ibis.literal(True))
    )
    exit_events = (
        e.filter(e.kind == "exited")
        .select("household_id")
        .distinct()
        .mutate(has_exit_event=ibis.literal(True))
    )

    j = (
        hx.left_join(pm, "household_id")
        .drop("household_id_right")
        .left_join(dup, "household_id")
        .drop("household_id_right")
        .left_join(exit_events, "household_id")
        .drop("household_id_right")
    )
    listed = j.listed.fill_null(0)
    lowest = ibis.least(j.per_capita, j.parts / j.divisor)
    flags: dict[str, BooleanValue] = {
        # Judged by the household's own standard; the others by the national line, as NumPy.
        "identification.far_above_line": j.still_poor
        & (lowest > FAR_ABOVE_LINE_FACTOR * j.own_line)
        & j.g_met,
        "identification.not_registered_but_poor": ~j.in_registry
        & ((j.per_capita <= j.line) | ~j.g_met),
        "members.duplicate": j.in_registry & _flag(j.duplicate),
        "members.deceased": j.in_registry & _flag(j.any_dead),
        "members.size_mismatch": j.in_registry & (listed != j["size"]),
        "causes.illness_no_sick": j.in_registry & j.illness & ~_flag(j.sick),
        "causes.schooling_no_student": j.in_registry & j.schooling & ~_flag(j.student),
        "causes.disability_no_disabled": j.in_registry & j.disability & ~_flag(j.disabled),
        "guarantees.education_dropout": j.in_registry & j.education_ok & _flag(j.dropout),
        "guarantees.medical_uninsured": j.in_registry & j.medical_ok & _flag(j.uninsured),
        "income.per_capita_inconsistent": j.in_registry
        & (
            _differs(j.total, j.parts)
            | _differs(j.per_capita, j.total / j.divisor)
            | (j["size"] <= 0)
        ),
        "income.negative": j.in_registry & j.negative,
        "exits.failed_guarantee": j.exited & ~j.g_met,
        "exits.income_not_above_line": j.exited & (j.per_capita <= j.line),
        "exits.no_exit_event": j.exited & ~_flag(j.has_exit_event),
    }
    assert tuple(flags) == SNAPSHOT_RULES
    wide = j.select(
        "household_id",
        "household_no",
        "village_code",
        **{column(r): _flag(f) for r, f in flags.items()},
    )
    anything = ibis.or_(*(wide[column(r)] for r in SNAPSHOT_RULES))
    return wide.filter(anything)


def check_counts(
    level: str,
    year: int,
    lines: PovertyLineTable = DEFAULT_LINES,
    flags: Table | None = None,
    standards: tuple[Standard, ...] = DEFAULT_STANDARDS,
) -> Table:
    """Per region at `level`: households flagged by each rule, and by any rule. `flags`:
    `check_flags` already computed (default: computed here)."""
    f = check_flags(year, lines, standards) if flags is None else flags
    return f.group_by(level=ibis.literal(level), code=region_code(f.village_code, level)).aggregate(
        flagged=f.count(), **{column(r): f.count(where=known(f[column(r)])) for r in SNAPSHOT_RULES}
    )


def rules_table() -> list[dict[str, str]]:
    """The rules a snapshot run reports, with their titles and accuracies from fupin.checks."""
    return [
        {
            "rule": r,
            "column": column(r),
            "title": BY_ID[r].title,
            "accuracy": BY_ID[r].accuracy,
        }
        for r in SNAPSHOT_RULES
    ]
