"""Registry-wide computations as Ibis expressions over the snapshot's tables, written once.

Each function returns an expression on the unbound tables of `fupin.analytics.schema`; an engine
(fupin.analytics.engines) binds them to a snapshot and runs them on DuckDB or Spark. Regions are
identified by the leading digits of the village code, padded to the 12-digit code (`code`).
"Poor" means not yet out of poverty: status poor or returned (未脱贫 and 返贫), as on the pages.
Counts of people are household sizes (家庭人口), as the registry's pages count them.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
from ibis.expr.types import Table, Value

from fupin.analytics.schema import LEVELS, source

POOR_STATUSES = ("poor", "returned")
# In the registry: poor, exited or returned (a removed household is on the roster only), as in
# fupin.checks.
IN_REGISTRY = ("poor", "exited", "returned")
GUARANTEES = ("food", "clothing", "education", "medical", "housing", "water")


def known(condition: Value) -> Value:
    """The condition, false where it is NULL: a conditional count must count nothing there on
    every engine (Spark's count of a group whose condition is NULL throughout is NULL, DuckDB's 0)."""
    return condition.fill_null(False)


def region_code(village_code: Value, level: str) -> Value:
    """The 12-digit code of the region at `level` that holds the village."""
    digits = LEVELS[level]
    if digits == 12:
        return village_code
    return village_code.substr(0, digits) + ibis.literal("0" * (12 - digits))


def _levels(build: Callable[[str], Table], levels: tuple[str, ...] | None) -> Table:
    parts = [build(level) for level in (levels or tuple(LEVELS))]
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


def _rolled_up(
    villages: Table, level: str, keys: tuple[str, ...], summed: tuple[str, ...]
) -> Table:
    """A per-village result (`code` a village code) summed to the regions of `level`, with the
    columns as they were: the same numbers as grouping the rows themselves by that level, since
    every column summed is a count or a sum (a sum of NULLs stays NULL)."""
    schema = villages.schema()
    grouped = villages.group_by(
        *keys, level=ibis.literal(level), code=region_code(villages.code, level)
    ).aggregate(**{c: villages[c].sum().cast(schema[c]) for c in summed})
    return grouped.select("level", "code", *keys, *summed)


INDICATOR_COUNTS = (
    "households",
    "registered_households",
    "poor",
    "exited",
    "removed",
    "people",
    "registered_people",
    "poor_people",
)


def _indicator_counts(level: str) -> Table:
    h = source("households")
    size = h["size"].cast("int64")
    poor = h.status.isin(POOR_STATUSES)
    grouped = h.group_by(code=region_code(h.village_code, level)).aggregate(
        households=h.count(),
        registered_households=h.count(where=known(h.registered)),
        poor=h.count(where=known(poor)),
        exited=h.count(where=known(h.status == "exited")),
        removed=h.count(where=known(h.status == "removed")),
        people=size.sum(),
        registered_people=h.registered.ifelse(size, 0).sum(),
        poor_people=poor.ifelse(size, 0).sum(),
    )
    return grouped.mutate(level=ibis.literal(level)).select("level", "code", *INDICATOR_COUNTS)


def _with_incidence(counts: Table) -> Table:
    incidence = (counts.people > 0).ifelse(
        counts.poor_people.cast("float64") / counts.people.cast("float64"), ibis.null("float64")
    )
    return counts.mutate(incidence=incidence)


def region_indicators(level: str) -> Table:
    """Per region at `level`: households (all, registered, poor, exited, removed), people (all,
    registered, poor) and the incidence (poor people / all people, 贫困发生率)."""
    return _with_incidence(_indicator_counts(level))


def all_region_indicators(levels: tuple[str, ...] | None = None) -> Table:
    """`region_indicators` of every level (province, city, county, township, village) in one
    table: the villages' counts, summed to each level above."""
    villages = _indicator_counts("village")
    return _levels(
        lambda level: _with_incidence(
            villages if level == "village" else _rolled_up(villages, level, (), INDICATOR_COUNTS)
        ),
        levels,
    )


def events_by_year(level: str = "county") -> Table:
    """Status events (识别, 脱贫, 返贫, 清退) per region, year and kind: entries and exits by year."""
    e = source("events")
    return e.group_by(
        level=ibis.literal(level),
        code=region_code(e.village_code, level),
        year=e.year.cast("int64"),
        kind=e.kind,
    ).aggregate(events=e.count())


def all_events_by_year(levels: tuple[str, ...] | None = None) -> Table:
    villages = events_by_year("village")
    return _levels(
        lambda level: (
            villages
            if level == "village"
            else _rolled_up(villages, level, ("year", "kind"), ("events",))
        ),
        levels,
    )


def causes(level: str = "county") -> Table:
    """Registered households and their people per region by main poverty cause (主要致贫原因)."""
    h = source("households")
    r = h.filter(h.registered, h.main_cause != "")
    return r.group_by(
        level=ibis.literal(level),
        code=region_code(r.village_code, level),
        cause=r.main_cause,
    ).aggregate(households=r.count(), people=r["size"].cast("int64").sum())


def all_causes(levels: tuple[str, ...] | None = None) -> Table:
    villages = causes("village")
    return _levels(
        lambda level: (
            villages
            if level == "village"
            else _rolled_up(villages, level, ("cause",), ("households", "people"))
        ),
        levels,
    )


def guarantee_gaps(level: str = "county") -> Table:
    """Registered households not yet out of poverty (or exited) lacking each of 两不愁三保障 and
    safe drinking water, per region and status group: where exits may be premature."""
    h = source("households")
    r = h.filter(h.registered, h.status.isin((*POOR_STATUSES, "exited")))
    group = r.status.isin(POOR_STATUSES).ifelse("poor", "exited")
    lacking = {f"{g}_lacking": r.count(where=known(~r[f"{g}_ok"])) for g in GUARANTEES}
    return r.group_by(
        level=ibis.literal(level),
        code=region_code(r.village_code, level),
        group=group,
    ).aggregate(households=r.count(), **lacking)


def member_profile(level: str = "county") -> Table:
    """Members of registered households per region: living, children of compulsory-school age
    (6–15 at the year's end) out of school, disabled, uninsured, working away 6+ months."""
    p = source("persons")
    h = source("households")
    j = p.join(h.filter(h.registered).select("household_id"), "household_id")
    living = ~j.deceased
    age = j.birth_date.year()
    # The year is a parameter of the computation, not of the data: 2020 (the registry's last).
    school_age = (2020 - age).between(6, 15)
    return j.group_by(level=ibis.literal(level), code=region_code(j.village_code, level)).aggregate(
        members=j.count(),
        living=j.count(where=known(living)),
        school_age_out_of_school=j.count(
            where=living & school_age & (j.school_status == "dropped_out")
        ),
        disabled=j.count(where=known(living & (j.disability_grade > 0))),
        uninsured=j.count(where=known(living & ~j.insured)),
        away_6_months=j.count(where=known(living & (j.months_away >= 6))),
    )


def entries_and_exits(level: str = "county") -> Table:
    """Per region and year: households identified (纳入), exited (脱贫), returned, removed, as
    columns (the events table pivoted), for the county tables of the 年度减贫 reports."""
    e = source("events")
    return e.group_by(
        level=ibis.literal(level),
        code=region_code(e.village_code, level),
        year=e.year.cast("int64"),
    ).aggregate(
        **{
            kind: e.count(where=known(e.kind == kind))
            for kind in ("identified", "exited", "returned", "removed")
        }
    )


def duplicate_members() -> Table:
    """Members of households in the registry whose ID number is registered more than once in the
    whole snapshot (家庭成员重复登记), compared by the keyed hash: across counties and provinces,
    which a county-by-county run of fupin.checks cannot see. One row per registration, with how
    many times and in how many counties the number is registered."""
    p = source("persons")
    h = source("households")
    on_roll = p.filter(p.id_key.notnull()).join(
        h.filter(h.registered, h.status.isin(IN_REGISTRY)).select("household_id"), "household_id"
    )
    on_roll = on_roll.mutate(county=region_code(on_roll.village_code, "county"))
    repeated = (
        on_roll.group_by("id_key")
        .aggregate(times=on_roll.count(), counties=on_roll.county.nunique())
        .filter(lambda t: t.times > 1)
    )
    j = on_roll.join(repeated, "id_key")
    return j.select(
        "id_key", "id_masked", "times", "counties", "person_id", "household_id",
        "household_no", "village_code", "county",
    )  # fmt: skip


def duplicates_by_region(level: str = "county", members: Table | None = None) -> Table:
    """Per region: registrations of an ID number registered more than once (`duplicated_people`),
    those whose number is also registered in another county (`elsewhere`), and the households
    holding them. `members`: `duplicate_members()` already computed (default: computed here)."""
    d = duplicate_members() if members is None else members
    return d.group_by(level=ibis.literal(level), code=region_code(d.village_code, level)).aggregate(
        duplicated_people=d.count(),
        elsewhere=d.count(where=known(d.counties > 1)),
        duplicated_households=d.household_id.nunique(),
    )


def all_duplicates_by_region(
    levels: tuple[str, ...] | None = None, members: Table | None = None
) -> Table:
    return _levels(lambda level: duplicates_by_region(level, members), levels)


# Every expression the analytics layer offers, by name (what the engine tests run on both engines).
EXPRESSIONS: dict[str, Callable[[], Table]] = {
    "indicators_village": lambda: region_indicators("village"),
    "indicators_township": lambda: region_indicators("township"),
    "indicators_county": lambda: region_indicators("county"),
    "indicators_province": lambda: region_indicators("province"),
    "indicators_all": all_region_indicators,
    "events_by_year_county": lambda: events_by_year("county"),
    "events_by_year_all": all_events_by_year,
    "entries_and_exits_county": lambda: entries_and_exits("county"),
    "causes_county": lambda: causes("county"),
    "causes_all": all_causes,
    "guarantee_gaps_county": lambda: guarantee_gaps("county"),
    "member_profile_county": lambda: member_profile("county"),
    "duplicate_members": duplicate_members,
    "duplicates_by_region_all": all_duplicates_by_region,
}
