"""Build the synthetic province county by county as Arrow tables: registry and hidden truth."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fupin.policy.causes import CAUSES
from fupin.regions.counties import CountyRow
from fupin.synth.arrow import ascii_strings, digit_matrix, labels, nullable_int
from fupin.synth.config import SynthConfig
from fupin.synth.economy import (
    assign_causes,
    assign_guarantees,
    assign_income,
)
from fupin.synth.events import EVENT_KINDS, REASONS, make_events
from fupin.synth.geo import geo_generator
from fupin.synth.households import ATTRIBUTES, STATUSES, make_households
from fupin.synth.persons import (
    EDUCATION,
    HEALTH,
    LABOUR,
    RELATIONS,
    SCHOOL_STATUS,
    SERIOUS,
    make_persons,
)
from fupin.synth.plan import CountyPlan, plan_counties
from fupin.synth.regions import make_villages
from fupin.synth.truth import (
    PLANTED_KINDS,
    checks_generator,
    make_truth,
    plant_check_errors,
    plant_recording_errors,
    select_status_problems,
)

Progress = Callable[[int, int], None]

REGISTRY_TABLES = ("regions", "households", "persons", "events")
TRUTH_TABLES = ("truth_households",)


@dataclass(frozen=True)
class CountyBatch:
    """One county's synthetic data: four registry tables and the truth about its households."""

    county: CountyRow
    regions: pa.Table
    households: pa.Table
    persons: pa.Table
    events: pa.Table
    truth_households: pa.Table

    def registry(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in REGISTRY_TABLES}

    def truth(self) -> dict[str, pa.Table]:
        return {name: getattr(self, name) for name in TRUTH_TABLES}


def _causes_text(second: np.ndarray, third: np.ndarray) -> pa.Array:
    names = np.array(CAUSES)
    a, b = names[second], names[third]
    joined = np.where(b == "", a, np.strings.add(np.strings.add(a, ","), b))
    return pa.array(joined)


def build_county(plan: CountyPlan, config: SynthConfig) -> CountyBatch:
    """All tables of one county; its random numbers depend only on the seed and county code."""
    rng = np.random.default_rng(np.random.SeedSequence(list(plan.seed)))
    line = config.line
    villages = make_villages(plan, config, rng, geo_generator(plan.seed))
    hh = make_households(plan, villages, config, rng)
    persons = make_persons(hh, plan.county.code, config.year, rng)
    registry_g, has_schoolage = assign_guarantees(hh, persons, rng)
    causes = assign_causes(hh, persons, rng)
    problems = select_status_problems(hh, has_schoolage, config, rng)
    income = assign_income(
        hh,
        line,
        near_line=problems.wrong_exit & problems.by_income,
        roster_low=problems.missed & problems.by_income,
        rng=rng,
    )
    persons, recording = plant_recording_errors(hh, persons, income, causes, config, rng)
    check_errors = plant_check_errors(
        hh, income, registry_g, problems, recording, config, checks_generator(plan.seed)
    )
    truth = make_truth(hh, income, registry_g, problems, recording, config, rng, check_errors)
    events = make_events(hh, causes.main, rng)

    n_hh = len(hh)
    hh_no = np.concatenate([villages.code[hh.village], digit_matrix(hh.serial, 4)], axis=1)
    hh_no_col = ascii_strings(hh_no)
    reg = hh.registered
    serious = np.bincount(persons.household[persons.health == SERIOUS], minlength=n_hh) > 0
    u = rng.random(n_hh)
    households = pa.table(
        {
            "household_no": hh_no_col,
            "village_code": ascii_strings(villages.code[hh.village]),
            "registered": pa.array(reg),
            "status": labels(hh.status, STATUSES),
            "identified_year": nullable_int(hh.identified_year),
            "exited_year": nullable_int(hh.exited_year),
            "returned_year": nullable_int(hh.returned_year),
            "removed_year": nullable_int(hh.removed_year),
            "attribute": labels(hh.attribute, ATTRIBUTES),
            "standard": labels(reg.astype(np.int64), ("", "national")),
            "main_cause": labels(causes.main, CAUSES),
            "other_causes": _causes_text(causes.second, causes.third),
            "income_year": pa.array(np.full(n_hh, config.year, np.int16)),
            "income_wages": pa.array(income.wages),
            "income_business": pa.array(income.business),
            "income_property": pa.array(income.property),
            "income_transfers": pa.array(income.transfers),
            "income_policy_transfers": pa.array(income.policy_transfers),
            "income_total": pa.array(income.total),
            "income_per_capita": pa.array(income.per_capita),
            "food_ok": pa.array(registry_g.food),
            "clothing_ok": pa.array(registry_g.clothing),
            "education_ok": pa.array(registry_g.education),
            "medical_ok": pa.array(registry_g.medical),
            "housing_ok": pa.array(registry_g.housing),
            "water_ok": pa.array(registry_g.water),
            "at_risk_dibao": pa.array((hh.attribute >= 2) | (~reg & (u < 0.03))),
            "at_risk_illness": pa.array(serious),
            "at_risk_housing": pa.array(~registry_g.housing | (u > np.where(reg, 0.97, 0.99))),
            "size": pa.array(hh.size.astype(np.int16)),
        }
    )

    person_table = pa.table(
        {
            "id_number": ascii_strings(persons.id_number),
            "name": pa.array(persons.name),
            "household_no": ascii_strings(hh_no[persons.household]),
            "relation": labels(persons.relation, RELATIONS),
            "sex": labels((~persons.male).astype(np.int64), ("male", "female")),
            "birth_date": pa.array(persons.birth.astype("datetime64[D]")),
            "education": labels(persons.education, EDUCATION),
            "school_status": labels(persons.school_status, SCHOOL_STATUS),
            "health": labels(persons.health, HEALTH),
            "disability_grade": pa.array(persons.disability_grade.astype(np.int8)),
            "labour_ability": labels(persons.labour, LABOUR),
            "months_away": pa.array(persons.months_away.astype(np.int8)),
            "insured": pa.array(persons.insured),
            "deceased": pa.array(persons.deceased),
        }
    )

    event_table = pa.table(
        {
            "household_no": ascii_strings(hh_no[events.household]),
            "kind": labels(events.kind, EVENT_KINDS),
            "date": pa.array(events.date.astype("datetime64[D]")),
            "year": pa.array(events.date.astype("datetime64[Y]").astype(np.int64) + 1970).cast(
                pa.int16()
            ),
            "reason": labels(events.reason, REASONS),
        }
    )

    tg = truth.guarantees
    truth_table = pa.table(
        {
            "household_no": hh_no_col,
            "true_income_per_capita": pa.array(truth.income_per_capita),
            "true_food_ok": pa.array(tg.food),
            "true_clothing_ok": pa.array(tg.clothing),
            "true_education_ok": pa.array(tg.education),
            "true_medical_ok": pa.array(tg.medical),
            "true_housing_ok": pa.array(tg.housing),
            "true_water_ok": pa.array(tg.water),
            "truly_poor": pa.array(truth.truly_poor),
            "true_size": pa.array(truth.size.astype(np.int16)),
            "planted": pa.array(truth.planted),
            "recognises_work": pa.array(truth.recognises_work),
            # One label per planted kind (the `planted` text above lists the same, joined).
            **{f"planted_{k}": pa.array(truth.labels[k]) for k in PLANTED_KINDS},
        }
    )
    return CountyBatch(
        county=plan.county,
        regions=villages.table,
        households=households,
        persons=person_table,
        events=event_table,
        truth_households=truth_table,
    )


def generate(config: SynthConfig, progress: Progress | None = None) -> Iterator[CountyBatch]:
    """One batch per county, in the order of config.counties; memory is one county at a time."""
    plans = plan_counties(config)
    total = len(plans)
    if progress is not None:
        progress(0, total)
    for done, plan in enumerate(plans, start=1):
        batch = build_county(plan, config)
        if progress is not None:
            progress(done, total)
        yield batch
