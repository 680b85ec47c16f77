"""The snapshot's tables: their columns (Arrow schemas) and the Ibis tables expressions start from.

ID numbers never appear: persons carry `id_key` (fupin.analytics.keys) and the masked number.
Names are left out too: no registry-wide computation needs them.
"""

from __future__ import annotations

import ibis
import pyarrow as pa
from ibis.expr.types import Table

# Leading digits of the 12-digit region code at each level (as fupin.regions, kept pure here).
LEVELS: dict[str, int] = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}

HOUSEHOLDS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("household_no", pa.string()),
        ("village_code", pa.string()),
        ("registered", pa.bool_()),
        ("status", pa.string()),
        ("identified_year", pa.int16()),
        ("exited_year", pa.int16()),
        ("attribute", pa.string()),
        ("standard", pa.string()),
        ("main_cause", pa.string()),
        ("other_causes", pa.string()),
        ("income_year", pa.int16()),
        ("income_wages", pa.float64()),
        ("income_business", pa.float64()),
        ("income_property", pa.float64()),
        ("income_transfers", pa.float64()),
        ("income_policy_transfers", pa.float64()),
        ("income_total", pa.float64()),
        ("income_per_capita", pa.float64()),
        ("food_ok", pa.bool_()),
        ("clothing_ok", pa.bool_()),
        ("education_ok", pa.bool_()),
        ("medical_ok", pa.bool_()),
        ("housing_ok", pa.bool_()),
        ("water_ok", pa.bool_()),
        ("at_risk_dibao", pa.bool_()),
        ("at_risk_illness", pa.bool_()),
        ("at_risk_housing", pa.bool_()),
        ("size", pa.int16()),
    ]
)

PERSONS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("household_no", pa.string()),
        ("village_code", pa.string()),
        ("id_key", pa.string()),
        ("id_masked", pa.string()),
        ("relation", pa.string()),
        ("sex", pa.string()),
        ("birth_date", pa.date32()),
        ("education", pa.string()),
        ("school_status", pa.string()),
        ("health", pa.string()),
        ("disability_grade", pa.int8()),
        ("labour_ability", pa.string()),
        ("months_away", pa.int8()),
        ("insured", pa.bool_()),
        ("deceased", pa.bool_()),
    ]
)

EVENTS = pa.schema(
    [
        ("event_id", pa.int64()),
        ("household_id", pa.int64()),
        ("household_no", pa.string()),
        ("village_code", pa.string()),
        ("kind", pa.string()),
        ("date", pa.date32()),
        ("year", pa.int16()),
        ("reason", pa.string()),
    ]
)

REGIONS = pa.schema(
    [
        ("code", pa.string()),
        ("name", pa.string()),
        ("level", pa.string()),
        ("parent_code", pa.string()),
        ("is_poor_county", pa.bool_()),
        ("is_poor_village", pa.bool_()),
        ("poor_named_year", pa.int16()),
        ("poor_exit_year", pa.int16()),
        ("deeply_poor", pa.bool_()),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
    ]
)

# Tables written per county (rewritten or reused as a whole); regions are always rewritten.
COUNTY_TABLES: dict[str, pa.Schema] = {
    "households": HOUSEHOLDS,
    "persons": PERSONS,
    "events": EVENTS,
}
TABLES: dict[str, pa.Schema] = {**COUNTY_TABLES, "regions": REGIONS}


def source(name: str) -> Table:
    """The unbound Ibis table an expression starts from; an engine binds it to the snapshot."""
    return ibis.table(ibis.Schema.from_pyarrow(TABLES[name]), name=name)


def conform(table: pa.Table, name: str) -> pa.Table:
    """The table with exactly the snapshot's columns, in order and of the snapshot's types."""
    schema = TABLES[name]
    return pa.table([table.column(f.name).cast(f.type) for f in schema], schema=schema)
