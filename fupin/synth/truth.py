"""Planted problems (wrong exits, missed households, recording errors) and the hidden truth."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.policy.causes import ILLNESS, SCHOOLING
from fupin.policy.identification import identify_arrays
from fupin.policy.lines import PovertyLineTable
from fupin.policy.standards import NationalRule
from fupin.synth.config import SynthConfig
from fupin.synth.economy import Causes, Guarantees, Income
from fupin.synth.households import EXITED, POOR, RETURNED, Households
from fupin.synth.persons import Persons
from fupin.synth.plan import apportion

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Drinking water is checked from 2019: a failure planted before then would not count.
WATER_RULE = NationalRule()
RECORDING_ERRORS = (
    "income_inconsistent",
    "cause_illness_no_sick",
    "cause_school_no_student",
    "duplicate_member",
    "deceased_member",
)
RECORDING_ERROR_WEIGHTS = np.array([0.40, 0.20, 0.10, 0.15, 0.15])
# Errors planted only when config.check_error_rate > 0, from their own stream (checks_generator):
# a still-poor household whose income is in fact far above the line with every guarantee met
# (wrongly identified, 错评), and an exited household whose registry shows a failed guarantee.
CHECK_ERRORS = ("far_above_line", "exit_failed_guarantee")
CHECK_ERROR_WEIGHTS = np.array([0.5, 0.5])
FAR_ABOVE_LINE_RANGE = (1.7, 3.0)  # planted per-capita income, as a multiple of the line
PLANTED_KINDS = ("wrong_exit", "missed", *RECORDING_ERRORS, *CHECK_ERRORS)
# Which guarantee fails for a wrong exit or a missed household not caught by income.
HOUSING, WATER_G, MEDICAL, EDUCATION_G = range(4)
WRONG_EXIT_GUARANTEE_PMF = np.array([0.45, 0.25, 0.15, 0.15])
MISSED_GUARANTEE_PMF = np.array([0.60, 0.25, 0.15, 0.0])


def national_rule(
    income_per_capita: FloatArray, g: Guarantees, *, year: int, lines: PovertyLineTable
) -> BoolArray:
    """Poor under the national standard (fupin.policy): income at or below the line, or a
    guarantee not met (drinking water counts from 2019)."""
    return identify_arrays(
        income_per_capita,
        year=year,
        food_ok=g.food,
        clothing_ok=g.clothing,
        education_ok=g.education,
        medical_ok=g.medical,
        housing_ok=g.housing,
        water_ok=g.water,
        lines=lines,
    )


def choose(rng: np.random.Generator, eligible: BoolArray, k: int) -> BoolArray:
    """Exactly min(k, eligible) households drawn without replacement from `eligible`."""
    idx = np.flatnonzero(eligible)
    out = np.zeros(len(eligible), bool)
    out[rng.choice(idx, size=min(k, len(idx)), replace=False)] = True
    return out


@dataclass
class StatusProblems:
    wrong_exit: BoolArray
    missed: BoolArray
    by_income: BoolArray  # the problem is the income (else a guarantee)
    guarantee: IntArray  # which guarantee fails when not by income


def select_status_problems(
    hh: Households, has_schoolage: BoolArray, config: SynthConfig, rng: np.random.Generator
) -> StatusProblems:
    n = len(hh)
    exited = hh.status == EXITED
    nonregistered = ~hh.registered
    wrong_exit = choose(rng, exited, round(config.wrong_exit_rate * int(exited.sum())))
    missed = choose(rng, nonregistered, round(config.missed_rate * int(nonregistered.sum())))
    u = rng.random(n)
    by_income = (wrong_exit & (u < 0.5)) | (missed & (u < 0.6))
    cum_w = np.cumsum(WRONG_EXIT_GUARANTEE_PMF)
    cum_m = np.cumsum(MISSED_GUARANTEE_PMF)
    v = rng.random(n)
    guarantee = np.where(
        wrong_exit, (v[:, None] >= cum_w).sum(axis=1), (v[:, None] >= cum_m).sum(axis=1)
    ).clip(0, 3)
    guarantee = np.where((guarantee == EDUCATION_G) & ~has_schoolage, HOUSING, guarantee)
    if not WATER_RULE.water_counts(config.year):
        guarantee = np.where(guarantee == WATER_G, HOUSING, guarantee)
    return StatusProblems(
        wrong_exit=wrong_exit,
        missed=missed,
        by_income=by_income,
        guarantee=np.where(wrong_exit | missed, guarantee, -1),
    )


def plant_recording_errors(
    hh: Households,
    persons: Persons,
    income: Income,
    causes: Causes,
    config: SynthConfig,
    rng: np.random.Generator,
) -> tuple[Persons, dict[str, BoolArray]]:
    """Registry values made wrong or inconsistent in a share of registered households.

    Each chosen household gets one error; a duplicated member repeats a row (same ID number)
    and a deceased member stays on the roster, both counted in the registry size.
    """
    n = len(hh)
    registered = hh.registered
    k = round(config.recording_error_rate * int(registered.sum()))
    counts = apportion(k, RECORDING_ERROR_WEIGHTS)
    used = np.zeros(n, bool)
    multi = hh.size >= 2
    eligible = {
        "income_inconsistent": registered,
        "cause_illness_no_sick": registered & ~causes.has_sick & (causes.main != ILLNESS),
        "cause_school_no_student": registered & ~causes.has_student & (causes.main != SCHOOLING),
        "duplicate_member": registered & multi,
        "deceased_member": registered & multi,
    }
    flags: dict[str, BoolArray] = {}
    for code, count in zip(RECORDING_ERRORS, counts, strict=True):
        flags[code] = choose(rng, eligible[code] & ~used, int(count))
        used |= flags[code]

    causes.main = np.where(flags["cause_illness_no_sick"], ILLNESS, causes.main)
    causes.main = np.where(flags["cause_school_no_student"], SCHOOLING, causes.main)

    first = np.cumsum(hh.size) - hh.size
    non_head = first + 1 + np.floor(rng.random(n) * np.maximum(hh.size - 1, 1)).astype(np.int64)
    persons.deceased[non_head[flags["deceased_member"]]] = True
    dup_rows = non_head[flags["duplicate_member"]]
    if len(dup_rows):
        rows = np.r_[np.arange(len(persons)), dup_rows]
        rows = rows[np.argsort(persons.household[rows], kind="stable")]
        persons = persons.take(rows)
        hh.size = hh.size + flags["duplicate_member"]
        income.per_capita = np.round(income.total / hh.size, 2)

    bad = flags["income_inconsistent"]
    factor = np.where(rng.random(n) < 0.5, rng.uniform(1.2, 1.8, n), rng.uniform(0.5, 0.83, n))
    income.per_capita = np.where(
        bad, np.round(income.total / hh.size * factor, 2), income.per_capita
    )
    return persons, flags


def checks_generator(county_seed: tuple[int, int]) -> np.random.Generator:
    """The check errors' own stream: the second child of the county's seed (the first is the
    map coordinates'), so planting them leaves every other draw unchanged."""
    return np.random.default_rng(np.random.SeedSequence(list(county_seed)).spawn(2)[1])


def plant_check_errors(
    hh: Households,
    income: Income,
    registry: Guarantees,
    problems: StatusProblems,
    recording: dict[str, BoolArray],
    config: SynthConfig,
    rng: np.random.Generator,
) -> dict[str, BoolArray]:
    """Errors for the registry checks, in registered households with no other planted problem.

    far_above_line: the household's income (registry and truth alike) is rescaled to well above
    the line, so it is not truly poor though registered as poor. exit_failed_guarantee: the
    registry records a failed guarantee (housing, or water when it counts) for an exited
    household, and the truth agrees, so the exit is also wrong in truth.
    """
    n = len(hh)
    registered = hh.registered
    k = round(config.check_error_rate * int(registered.sum()))
    counts = apportion(k, CHECK_ERROR_WEIGHTS)
    used = problems.wrong_exit | problems.missed
    for flag in recording.values():
        used = used | flag
    all_ok = (
        registry.food
        & registry.clothing
        & registry.education
        & registry.medical
        & registry.housing
        & registry.water
    )
    still_poor = registered & ((hh.status == POOR) | (hh.status == RETURNED))
    eligible = {
        "far_above_line": still_poor & all_ok & ~used,
        "exit_failed_guarantee": registered & (hh.status == EXITED) & ~used,
    }
    flags: dict[str, BoolArray] = {}
    for code, count in zip(CHECK_ERRORS, counts, strict=True):
        flags[code] = choose(rng, eligible[code], int(count))
        used = used | flags[code]

    far = flags["far_above_line"]
    lo, hi = FAR_ABOVE_LINE_RANGE
    target_total = np.round(config.line * rng.uniform(lo, hi, n) * hh.size)
    scale = target_total / np.maximum(income.total, 1.0)
    parts = np.stack([income.wages, income.business, income.property, income.transfers], axis=1)
    scaled = np.round(parts * scale[:, None])
    scaled[:, 0] += target_total - scaled.sum(axis=1)
    scaled = np.where(income.total[:, None] > 0, scaled, np.c_[target_total, np.zeros((n, 3))])
    for j, name in enumerate(("wages", "business", "property", "transfers")):
        setattr(income, name, np.where(far, scaled[:, j], getattr(income, name)))
    income.policy_transfers = np.where(
        far, np.minimum(income.policy_transfers, income.transfers), income.policy_transfers
    )
    new_total = income.wages + income.business + income.property + income.transfers
    income.total = np.where(far, new_total, income.total)
    income.per_capita = np.where(far, np.round(income.total / hh.size, 2), income.per_capita)

    failed = flags["exit_failed_guarantee"]
    water = WATER_RULE.water_counts(config.year) & (rng.random(n) < 0.4)
    registry.housing = registry.housing & ~(failed & ~water)
    registry.water = registry.water & ~(failed & water)
    return flags


@dataclass
class Truth:
    income_per_capita: FloatArray
    guarantees: Guarantees
    truly_poor: BoolArray
    size: IntArray
    planted: npt.NDArray[np.str_]
    recognises_work: BoolArray
    labels: dict[str, BoolArray]  # one column per kind in PLANTED_KINDS


def make_truth(
    hh: Households,
    income: Income,
    registry: Guarantees,
    problems: StatusProblems,
    recording: dict[str, BoolArray],
    config: SynthConfig,
    rng: np.random.Generator,
    check_errors: dict[str, BoolArray] | None = None,
) -> Truth:
    n = len(hh)
    line = config.line
    true_size = hh.size - recording["duplicate_member"] - recording["deceased_member"]
    true_pc = np.round(income.total * rng.uniform(0.92, 1.10, n) / true_size, 2)
    true_pc = np.where(
        problems.wrong_exit & problems.by_income,
        np.round(line * rng.uniform(0.6, 0.97, n), 2),
        true_pc,
    )
    true_pc = np.where(
        problems.missed & problems.by_income,
        np.round(line * rng.uniform(0.5, 0.97, n), 2),
        true_pc,
    )
    hit = (problems.wrong_exit | problems.missed) & ~problems.by_income
    g = problems.guarantee
    truth_g = Guarantees(
        food=registry.food.copy(),
        clothing=registry.clothing.copy(),
        education=registry.education & ~(hit & (g == EDUCATION_G)),
        medical=registry.medical & ~(hit & (g == MEDICAL)),
        housing=registry.housing & ~(hit & (g == HOUSING)),
        water=registry.water & ~(hit & (g == WATER_G)),
    )
    truly_poor = national_rule(true_pc, truth_g, year=config.year, lines=config.lines)

    planted = np.full(n, "", dtype="<U96")
    labels = {
        "wrong_exit": problems.wrong_exit,
        "missed": problems.missed,
        **recording,
        **{code: np.zeros(n, bool) for code in CHECK_ERRORS},
        **(check_errors or {}),
    }
    for code, flag in labels.items():
        planted = np.where(
            flag, np.where(planted == "", code, np.strings.add(planted, "," + code)), planted
        )

    p_yes = np.where(problems.wrong_exit | problems.missed, 0.6, config.recognition_rate)
    p_yes = np.where(hh.status == RETURNED, np.minimum(p_yes, 0.85), p_yes)
    return Truth(
        income_per_capita=true_pc,
        guarantees=truth_g,
        truly_poor=truly_poor,
        size=true_size,
        planted=planted,
        recognises_work=rng.random(n) < p_yes,
        labels={code: labels[code] for code in PLANTED_KINDS},
    )
