"""Generated counties with an error planted for every rule a snapshot can check, so that no rule's
agreement across engines is the agreement of two empty answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pyarrow as pa

from fupin.policy.standards import (
    DEFAULT_STANDARDS,
    RelativeIncomeRule,
    Standard,
    StandardKind,
)
from fupin.synth import CountyBatch

IN_REGISTRY = {"poor", "exited", "returned"}

# Relative standards for the demo county (榆中县 620121, under Lanzhou 6201, in Gansu 62), for the
# households planted as identified under them; test figures, not published ones.
OWN_STANDARDS: tuple[Standard, ...] = (
    *DEFAULT_STANDARDS,
    Standard(
        code="test_gansu",
        name="甘肃省相对贫困标准（测试）",
        kind=StandardKind.PROVINCIAL,
        region_code="62",
        first_year=2014,
        last_year=2020,
        household_rule=RelativeIncomeRule(income_below=5000, basis="测试"),
        source="测试",
    ),
    Standard(
        code="test_lanzhou",
        name="兰州市相对贫困标准（测试）",
        kind=StandardKind.CITY,
        region_code="6201",
        first_year=2014,
        last_year=2020,
        household_rule=RelativeIncomeRule(income_below=2000, basis="测试"),
        source="测试",
    ),
)


def _table(rows: list[dict[str, Any]], like: pa.Table) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=like.schema)


def plant(batches: list[CountyBatch], year: int) -> list[CountyBatch]:
    """The first county's tables with two households of each planted error (different
    households for each), the other counties as generated."""
    first = batches[0]
    hh = first.households.to_pylist()
    persons = first.persons.to_pylist()
    events = first.events.to_pylist()
    members: dict[str, list[dict[str, Any]]] = {}
    for p in persons:
        members.setdefault(p["household_no"], []).append(p)
    used: set[str] = set()

    def take(test: Any, n: int = 2) -> list[dict[str, Any]]:
        found = [h for h in hh if h["household_no"] not in used and test(h)][:n]
        assert len(found) == n, "the generated county has too few households to plant into"
        used.update(h["household_no"] for h in found)
        return found

    def on_roll(h: dict[str, Any]) -> bool:
        return bool(h["registered"]) and h["status"] in IN_REGISTRY

    for h in take(lambda h: not h["registered"]):  # 疑似漏评: poor by income, not registered
        h["income_per_capita"] = 500.0
    for h in take(on_roll):  # the roster is one member short of the size
        h["size"] += 1
    for h in take(on_roll):  # a negative wage
        h["income_wages"] = -50.0
    for h in take(lambda h: on_roll(h) and h["education_ok"] and members.get(h["household_no"])):
        m = members[h["household_no"]][0]
        m.update(school_status="dropped_out", birth_date=dt.date(year - 10, 6, 1), deceased=False)
    for h in take(lambda h: on_roll(h) and h["medical_ok"] and members.get(h["household_no"])):
        m = members[h["household_no"]][0]
        m.update(insured=False, deceased=False)

    # Identified under a relative standard (issue #15): judged by it where the standards hold one
    # for the place and year (OWN_STANDARDS), by the national line otherwise. 6000 is far above
    # the national line (1.5 × 3218 = 4827) but not above 1.5 × 5000; 4000 the reverse of 2000.
    def still_poor_and_met(h: dict[str, Any]) -> bool:
        ok = all(h[f"{g}_ok"] for g in ("food", "clothing", "education", "medical", "housing"))
        return on_roll(h) and h["status"] in ("poor", "returned") and ok and h["water_ok"]

    for kind, identified, per_capita in (("provincial", 2016, 6000.0), ("city", 2017, 4000.0)):
        for h in take(lambda h: still_poor_and_met(h) and h["size"] > 0):
            total = per_capita * h["size"]
            h.update(
                standard=kind,
                identified_year=identified,
                income_wages=total,
                income_business=0.0,
                income_property=0.0,
                income_transfers=0.0,
                income_policy_transfers=0.0,
                income_total=total,
                income_per_capita=per_capita,
            )
    exited = lambda h: bool(h["registered"]) and h["status"] == "exited"  # noqa: E731
    for h in take(exited):  # exited below the line
        h["income_per_capita"] = 1000.0
    gone = {h["household_no"] for h in take(exited)}  # exited without an exit event
    events = [e for e in events if not (e["household_no"] in gone and e["kind"] == "exited")]
    planted = dataclasses.replace(
        first,
        households=_table(hh, first.households),
        persons=_table(persons, first.persons),
        events=_table(events, first.events),
    )
    return [planted, *batches[1:]]
