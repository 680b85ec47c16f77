"""A whole simulated county-exit assessment through the recorded workflow (`fupin demo`'s main job).

Campaign → sampling (frames from the registry, draws recorded with seeds and π) → evaluators
assigned by the avoidance solver (recorded) → fieldwork (simulated answers stored as submissions;
suspected problems raised with field notes) → verification (the five steps replayed through the
transition service by users of the right roles) → figures recomputed from the records alone →
results and decisions → decided.  The simulation reads the truth in one function
(`running_fieldwork._fieldwork_truth`); every published figure comes from recorded draws and
recorded decisions, and equals what the pure pipeline (`engine.pipeline.assess_county`) gives for
the same seed.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef

from fupin.assessments.engine.fieldwork import simulate_survey
from fupin.assessments.engine.figures import CountyFigures
from fupin.assessments.engine.pipeline import TruthFigures, county_rng, truth_figures
from fupin.assessments.engine.sampling import SamplingSettings
from fupin.assessments.engine.verification import simulate_verification
from fupin.assessments.models import Campaign, Verdict
from fupin.assessments.services import (
    campaign_create,
    campaign_results_compute,
    campaign_transition,
    county_decision_record,
    county_figures_recorded,
    county_frame,
    county_sample_draw,
    sampling_dict,
)
from fupin.assessments.services.surveys import SUBMISSION_HOUSEHOLD_FIELDS, households_by_number
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.demo.loading import truth_dir as default_truth_dir
from fupin.demo.running_fieldwork import (
    FIELD_DAYS,
    CountyField,
    SimulatedClock,
    Verifier,
    _fieldwork_truth,
    fieldwork_run,
    raised_by_enumerator,
)
from fupin.demo.running_people import people_create, staff_assign
from fupin.demo.running_records import RunError
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

__all__ = [
    "CountyOutcome",
    "RunError",
    "RunOutcome",
    "campaign_run_simulated",
    "county_figures_recorded",
]

# Days of simulated time: sampling on day 0, fieldwork from day 1, verification after it.
_VERIFY_DAY = FIELD_DAYS + 2
_DAYS = _VERIFY_DAY + 7


@dataclass(frozen=True)
class CountyOutcome:
    code: str
    name: str
    zone: str
    figures: CountyFigures
    truth: TruthFigures
    decision: str
    sampled_households: int
    suspected_problems: int
    confirmed_problems: int

    def as_json(self) -> dict[str, Any]:
        truth = self.truth.as_dict()
        return {
            "code": self.code,
            "name": self.name,
            "zone": self.zone,
            "figures": {
                f.name: {
                    "estimate": f.estimate.value,
                    "ci": [f.ci[0], f.ci[1]],
                    "truth": truth[f.name],
                    "threshold": f.threshold,
                    "verdict": f.verdict,
                    "se": f.estimate.se,
                    "clarity": f.clarity,
                }
                for f in self.figures.figures
            },
            "decision": self.decision,
            "straddling": list(self.figures.straddling),
            "sampled_households": self.sampled_households,
            "suspected_problems": self.suspected_problems,
            "confirmed_problems": self.confirmed_problems,
        }


@dataclass(frozen=True)
class RunOutcome:
    campaign: Campaign
    counties: tuple[CountyOutcome, ...]

    def as_json(self) -> dict[str, Any]:
        return {"counties": [c.as_json() for c in self.counties]}


def _counties(county_codes: Sequence[str] | None) -> list[Region]:
    """The counties to assess: those given (6 or 12 digits), else every county with households."""
    counties = list(Region.objects.filter(level=Level.COUNTY).order_by("code"))
    if county_codes is not None:
        wanted = {str(c)[:6] for c in county_codes}
        chosen = [c for c in counties if c.code[:6] in wanted]
        missing = sorted(wanted - {c.code[:6] for c in chosen})
        if missing:
            raise RunError(f"区划代码 {', '.join(missing)} 不是登记库中的县")
    else:
        chosen = counties
    if county_codes is None:
        # The regions with a household, each asked by its id (indexed), rather than the distinct
        # villages of every household in the registry (2.5 M in the Gansu preset).
        with_households = Region.objects.filter(
            Exists(Household.objects.filter(village=OuterRef("pk")))
        )
        prefixes = {code[:6] for code in with_households.values_list("code", flat=True)}
        chosen = [c for c in chosen if c.code[:6] in prefixes]
    if not chosen:
        raise RunError("登记库中没有可评估的县（没有农户）")
    return chosen


def campaign_run_simulated(
    *,
    seed: int,
    county_codes: Sequence[str] | None = None,
    settings: SamplingSettings | None = None,
    truth_dir: Path | None = None,
    name: str | None = None,
    progress: Callable[[str], None] | None = None,
    decide: bool = True,
) -> RunOutcome:
    """Run a whole simulated county-exit assessment of the registry's counties; all or nothing.

    County c's draws and fieldwork use `pipeline.county_rng(seed, c)` split as the pure pipeline
    splits it, so its figures equal `assess_county` on the same frame and truth.  With
    `decide=False` the run stops after verification (campaign in 'verification', nothing
    recorded as a result), for a caller who wants to add problems or re-checks first.
    """
    say = progress or (lambda _m: None)
    settings = settings or SamplingSettings()
    truth_path = truth_dir or default_truth_dir()
    clock = SimulatedClock(days=_DAYS)
    # The objects alive before the run (modules, the registry's caches), and those each step
    # keeps to the end (gc.freeze in _run), are left out of the garbage collector's full passes
    # while it runs, which otherwise walk them again and again (a tenth to a quarter of the run's
    # CPU); they all return to it afterwards. Nothing else changes.
    gc.freeze()
    try:
        with transaction.atomic():
            return _run(
                seed=seed,
                county_codes=county_codes,
                settings=settings,
                truth_path=truth_path,
                name=name,
                say=say,
                decide=decide,
                clock=clock,
            )
    finally:
        gc.unfreeze()


def _run(
    *,
    seed: int,
    county_codes: Sequence[str] | None,
    settings: SamplingSettings,
    truth_path: Path,
    name: str | None,
    say: Callable[[str], None],
    decide: bool,
    clock: SimulatedClock,
) -> RunOutcome:
    counties = _counties(county_codes)
    frames = {c.code: county_frame(c) for c in counties}
    year = max(f.year for f in frames.values())
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=year,
        name=name or f"{year}年贫困县退出专项评估检查（模拟，种子 {seed}）",
        scope=counties,
        sampling=sampling_dict(settings),  # county rate 1: every county is assessed
        actor="simulation",
        now=clock.now(),
    )
    people = people_create(campaign, counties)
    wg = people.working_group
    campaign_transition(
        campaign=campaign,
        to=CampaignStatus.SAMPLING,
        user=wg,
        opinion="模拟评估：开始抽样",
        now=clock.now(),
    )
    say(f"任务 #{campaign.pk}：{len(counties)} 个县，种子 {seed}")

    # 三随机: villages and households, per county, by the working group's service; the draws use
    # the first two children of county_rng(seed, county), fieldwork and verification the others.
    generators: dict[str, tuple[Any, Any]] = {}
    draws = {}
    sampled: dict[str, list[Household]] = {}
    for county in counties:
        frame = frames[county.code]
        _g_villages, _g_households, g_survey, g_verify = county_rng(seed, frame.code).spawn(4)
        households = county_sample_draw(
            campaign, county, user=wg, seed=seed, frame=frame, now=clock.now()
        ).households
        villages = households.villages
        draws[county.code] = households
        generators[county.code] = (g_survey, g_verify)
        keys = frame.household_no[households.index].tolist()
        # What the simulated answers and the services read of a sampled household, not the
        # whole registry row (a thousand households a county).
        by_no = households_by_number(keys, fields=(*SUBMISSION_HOUSEHOLD_FIELDS, "at_risk_dibao"))
        sampled[county.code] = [by_no[k] for k in keys]
        say(f"抽样：{county.name} {len(villages)} 个村 {len(households)} 户")
    gc.freeze()  # what the run keeps to its end (the samples), out of the full passes

    # 三回避: institutions, experts and two-person teams by the solver, recorded.
    staffing = staff_assign(
        campaign=campaign,
        people=people,
        counties=counties,
        households=sampled,
        seed=seed,
        now=clock.now(),
    )
    say(f"分派：{len(staffing.teams)} 个调查小组，求解种子 {staffing.solver_seed}")
    gc.freeze()  # the teams and their households, likewise
    clock.day(1)
    campaign_transition(campaign=campaign, to=CampaignStatus.FIELDWORK, user=wg, now=clock.now())
    fieldwork_start = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    clock.day(1 + FIELD_DAYS + 0.6)

    fields: dict[str, CountyField] = {}
    paths = {}
    truths = {}
    for county in counties:
        frame, households = frames[county.code], draws[county.code]
        truth = _fieldwork_truth(truth_path, frame)
        truths[county.code] = truth
        g_survey, g_verify = generators[county.code]
        answers = simulate_survey(frame, truth, households, g_survey)
        paths[county.code] = simulate_verification(frame, truth, households, answers, g_verify)
        fields[county.code] = fieldwork_run(
            campaign=campaign,
            county=county,
            frame=frame,
            draw=households,
            answers=answers,
            households={h.household_no: h for h in sampled[county.code]},
            staffing=staffing,
            people=people,
            fieldwork_start=fieldwork_start,
            now=clock.now(),
            raised=raised_by_enumerator(paths[county.code]),
        )
        dropped = len(paths[county.code]) - len(fields[county.code].problems)
        say(
            f"调查：{county.name} {len(households)} 份问卷，提出 {len(fields[county.code].problems)}"
            f" 个疑点（另 {dropped} 个经入户复查排除，未上报）"
        )
        gc.freeze()  # each county's records, kept to the end, likewise

    clock.day(_VERIFY_DAY)
    campaign_transition(campaign=campaign, to=CampaignStatus.VERIFICATION, user=wg, now=clock.now())
    Verifier(
        people=people, staffing=staffing, fields=fields, paths=paths, clock=clock, progress=say
    ).run(start_day=_VERIFY_DAY)
    gc.freeze()  # the verified problems, likewise

    clock.day(_DAYS - 1)
    outcomes = []
    # The working group's 计算结果: every county from the records, all or none.
    computed = (
        {
            c.county.pk: c.recorded
            for c in campaign_results_compute(campaign, user=wg, now=clock.now())
        }
        if decide
        else {}
    )
    for county in counties:
        recorded = computed.get(county.pk) or county_figures_recorded(campaign, county)
        if decide:
            decision = county_decision_record(
                campaign=campaign,
                county=county,
                user=wg,
                note="模拟评估：由已记录的抽样和终核认定的问题计算",
                now=clock.now(),
            )
            outcome = decision.outcome
        else:
            outcome = recorded.figures.decision
        frame = frames[county.code]
        outcomes.append(
            CountyOutcome(
                code=frame.code,
                name=county.name,
                zone=recorded.figures.zone,
                figures=recorded.figures,
                truth=truth_figures(frame, truths[county.code]),
                decision=outcome,
                sampled_households=len(draws[county.code]),
                suspected_problems=len(fields[county.code].problems),  # raised, on record
                confirmed_problems=len(recorded.problem_ids),
            )
        )
        say(f"结果：{county.name} {Verdict(outcome).label}")
    if decide:
        campaign_transition(
            campaign=campaign,
            to=CampaignStatus.DECIDED,
            user=wg,
            opinion="模拟评估：各县指标已由记录复算并作出结果",
            now=clock.now(),
        )
    campaign.refresh_from_db()
    return RunOutcome(campaign=campaign, counties=tuple(outcomes))
