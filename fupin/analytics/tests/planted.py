"""Generated counties with an error planted for every rule a snapshot can check, so that no rule's
agreement across engines is the agreement of two empty answers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pyarrow as pa

from fupin.synth import CountyBatch

IN_REGISTRY = {"poor", "exited", "returned"}


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
