"""The database side of a county's figures: frames from the registry, recorded draws, answers, problems.

Everything here reads the registry and the assessment records, never the truth: the figures
are recomputed from recorded draws (replayed from their recorded seeds and checked item by
item), stored submissions and problems confirmed at 终核.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.figures import CountyFigures, county_figures
from fupin.assessments.engine.frames import STATUS_STRATUM, CountyFrame, FrameError
from fupin.assessments.engine.sampling import (
    AT_RISK,
    DESIGN_STRATA,
    VILLAGE_STRATA,
    HouseholdDraw,
    SamplingSettings,
    SeedRecord,
    VillageDraw,
    draw_households,
    draw_villages,
)
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.assessments.models import Campaign, Draw, DrawLevel, Submission
from fupin.assessments.services import (
    AssessmentError,
    DrawItemSpec,
    draw_current,
    draw_record,
    problems_confirmed,
)
from fupin.assessments.services.common import User
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

# The recognition questions (questionnaire v1) and the answers that count as recognising the work.
RECOGNITION_QUESTIONS = (
    "rec_policy",
    "rec_measures",
    "rec_results",
    "rec_cadres",
    "rec_exit",
    "rec_infrastructure",
    "rec_public_services",
    "rec_fairness",
)
RECOGNISING = frozenset({"satisfied", "basically"})
# Draw.method holds 32 characters; the full description goes into the draw's parameters.
HOUSEHOLD_METHOD = "stratified-srs+at-risk-census"
HOUSEHOLD_METHOD_TEXT = "stratified srs by village and stratum; at-risk households in full"


class RunError(RuntimeError):
    """The records do not reproduce (a frame changed, a draw does not replay, an answer is missing)."""


def county_frame(county: Region, *, year: int | None = None) -> CountyFrame:
    """The county's sampling frame from the registry: villages and households in registry order (id)."""
    prefix = county.prefix
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, code__startswith=prefix)
        .order_by("id")
        .values_list("code", "is_poor_village")
    )
    rows = list(
        Household.objects.filter(village__code__startswith=prefix)
        .order_by("id")
        .values_list(
            "household_no",
            "village__code",
            "status",
            "size",
            "at_risk_dibao",
            "at_risk_illness",
            "at_risk_housing",
            "income_year",
        )
    )
    if not villages or not rows:
        raise FrameError(f"{county.name}（{county.code}）在登记库中没有村或农户")
    unknown = sorted({r[2] for r in rows} - set(STATUS_STRATUM))
    if unknown:
        raise FrameError(f"unknown registry status {unknown[0]!r}")
    years = [r[7] for r in rows if r[7] is not None]
    province = Region.objects.filter(code=county.code[:2] + "0" * 10).values_list("name", flat=True)
    return CountyFrame.from_arrays(
        code=county.code[:6],
        name=county.name,
        province=province.first() or county.code[:2],
        year=year if year is not None else (max(years) if years else 2019),
        household_no=[r[0] for r in rows],
        village_code=[v[0] for v in villages],
        village_is_poor=[v[1] for v in villages],
        household_village_code=[r[1] for r in rows],
        stratum=[STATUS_STRATUM[r[2]] for r in rows],
        size=[r[3] for r in rows],
        at_risk=[r[4] or r[5] or r[6] for r in rows],
        zone=county.zone or None,
    )


# --- draws ------------------------------------------------------------------------------------


def _village_items(frame: CountyFrame, v: VillageDraw) -> list[DrawItemSpec]:
    return [
        DrawItemSpec(
            unit_key=str(frame.village_code[i]),
            inclusion_probability=float(p),
            stratum=VILLAGE_STRATA[s],
            certainty=float(p) == 1.0,
        )
        for i, s, p in zip(v.index.tolist(), v.stratum.tolist(), v.pi.tolist(), strict=True)
    ]


def _household_items(frame: CountyFrame, h: HouseholdDraw) -> list[DrawItemSpec]:
    return [
        DrawItemSpec(
            unit_key=str(frame.household_no[i]),
            inclusion_probability=float(p),
            stratum=DESIGN_STRATA[d],
            certainty=d == AT_RISK and float(p) == 1.0,
        )
        for i, d, p in zip(h.index.tolist(), h.design_stratum.tolist(), h.pi.tolist(), strict=True)
    ]


def draws_record(
    *,
    campaign: Campaign,
    county: Region,
    frame: CountyFrame,
    households: HouseholdDraw,
    seed: int,
    user: User,
    now: dt.datetime | None = None,
) -> tuple[Draw, Draw]:
    """Record the village and the household draw with their frames, seeds, settings and π (at
    `now`, the simulated time)."""
    villages = households.villages
    common = {
        "campaign_seed": seed,
        "settings": households.settings.as_dict(),
        "frame_fingerprint": villages.frame_fingerprint,
        "generator": "numpy default_rng(SeedSequence(entropy, spawn_key=spawn_key))",
    }
    village_draw = draw_record(
        campaign=campaign,
        level=DrawLevel.VILLAGE,
        county=county,
        seed=seed,
        method=villages.method,
        frame_keys=frame.village_code.tolist(),
        items=_village_items(frame, villages),
        frame_description=f"{county.name}全部 {frame.n_villages} 个村（登记库顺序），"
        "按贫困村、非贫困村分层",
        parameters={
            **common,
            "seed_record": villages.seed.as_dict(),
            "strata": {
                s: {"population": villages.population[k], "sampled": villages.sampled[k]}
                for k, s in enumerate(VILLAGE_STRATA)
            },
        },
        user=user,
        now=now,
    )
    household_draw = draw_record(
        campaign=campaign,
        level=DrawLevel.HOUSEHOLD,
        county=county,
        parent=village_draw,
        seed=seed,
        method=HOUSEHOLD_METHOD,
        frame_keys=frame.household_no.tolist(),
        items=_household_items(frame, households),
        frame_description=f"{county.name}全部 {frame.n_households} 户（登记库顺序），"
        "在抽中村内按已脱贫、未脱贫、非建档立卡分层，重点户全覆盖",
        parameters={
            **common,
            "seed_record": households.seed.as_dict(),
            "method": HOUSEHOLD_METHOD_TEXT,
        },
        user=user,
        now=now,
    )
    return village_draw, household_draw


def _seed_record(raw: Mapping[str, Any]) -> SeedRecord:
    entropy = raw["entropy"]
    return SeedRecord(
        entropy=tuple(int(e) for e in entropy) if isinstance(entropy, list) else int(entropy),
        spawn_key=tuple(int(k) for k in raw["spawn_key"]),
        fresh=bool(raw["fresh"]),
    )


def _same_items(draw: Draw, specs: Sequence[DrawItemSpec]) -> bool:
    stored = list(
        draw.items.order_by("order").values_list(
            "unit_key", "inclusion_probability", "stratum", "certainty"
        )
    )
    return stored == [(s.unit_key, s.inclusion_probability, s.stratum, s.certainty) for s in specs]


def draws_replay(
    campaign: Campaign, county: Region, frame: CountyFrame
) -> tuple[HouseholdDraw, list[int]]:
    """The county's household draw, replayed from the recorded seeds on today's frame and checked.

    Refuses (RunError) when the frame is not the one recorded (checksum), or the replay does not
    give exactly the recorded units, strata and inclusion probabilities.
    """
    vdraw = draw_current(campaign, DrawLevel.VILLAGE, county)
    hdraw = draw_current(campaign, DrawLevel.HOUSEHOLD, county)
    if vdraw is None or hdraw is None:
        raise RunError(f"{county.name}没有现行的抽村、抽户记录")
    if hdraw.parent_id != vdraw.pk:
        raise RunError(f"{county.name}的抽户记录不是依据现行的抽村记录")
    if not vdraw.frame_matches(frame.village_code.tolist()):
        raise RunError(f"{county.name}的村级抽样框与记录不符（校验值不同）")
    if not hdraw.frame_matches(frame.household_no.tolist()):
        raise RunError(f"{county.name}的户级抽样框与记录不符（校验值不同）")
    settings = SamplingSettings(**vdraw.parameters["settings"])
    villages = draw_villages(
        frame, settings, _seed_record(vdraw.parameters["seed_record"]).generator()
    )
    households = draw_households(
        frame, villages, settings, _seed_record(hdraw.parameters["seed_record"]).generator()
    )
    if not _same_items(vdraw, _village_items(frame, villages)):
        raise RunError(f"{county.name}的抽村记录 #{vdraw.pk} 不能由其种子复现")
    if not _same_items(hdraw, _household_items(frame, households)):
        raise RunError(f"{county.name}的抽户记录 #{hdraw.pk} 不能由其种子复现")
    return households, [vdraw.pk, hdraw.pk]


# --- answers and confirmed problems -------------------------------------------------------------


def recognises(answers: Mapping[str, Any]) -> tuple[bool, bool]:
    """(asked, recognises): asked when any recognition question applied; recognises when every
    recognition answer is 满意 or 基本满意."""
    given = [answers[q] for q in RECOGNITION_QUESTIONS if q in answers]
    return bool(given), bool(given) and all(a in RECOGNISING for a in given)


def answers_stored(
    campaign: Campaign, county: Region, frame: CountyFrame, draw: HouseholdDraw
) -> SurveyAnswers:
    """The survey answers of the sampled households from their stored submissions (the latest each)."""
    latest: dict[str, dict[str, Any]] = {}
    for no, answers in (
        Submission.objects.filter(
            campaign=campaign, household__village__code__startswith=county.prefix
        )
        .order_by("received_at", "id")
        .values_list("household__household_no", "answers")
    ):
        latest[no] = answers
    keys = frame.household_no[draw.index].tolist()
    missing = [k for k in keys if k not in latest]
    if missing:
        raise RunError(f"{county.name}有 {len(missing)} 个样本户没有问卷（如 {missing[0]}）")
    rows = [latest[k] for k in keys]
    asked_rec = [recognises(a) for a in rows]
    guarantees = [
        [
            bool(a[g])
            for g in (
                "food_ok",
                "clothing_ok",
                "education_ok",
                "medical_ok",
                "housing_ok",
                "water_ok",
            )
        ]
        for a in rows
    ]
    return SurveyAnswers.from_arrays(
        size=[int(a["size"]) for a in rows],
        income_per_capita=[float(a["income_per_capita"]) for a in rows],
        guarantees=np.asarray(guarantees, dtype=bool).reshape(len(rows), 6),
        recognises=[r for _, r in asked_rec],
        recognition_asked=[q for q, _ in asked_rec],
    )


def confirmed_positions(
    campaign: Campaign, county: Region, frame: CountyFrame, draw: HouseholdDraw
) -> tuple[dict[str, list[int]], list[int]]:
    """Sample positions of the problems confirmed at 终核, by kind, and the problems' ids."""
    position = {no: i for i, no in enumerate(frame.household_no[draw.index].tolist())}
    out: dict[str, list[int]] = {"wrong_exit": [], "missed": []}
    ids = []
    for pk, kind, no in problems_confirmed(campaign, county).values_list(
        "pk", "kind", "household__household_no"
    ):
        ids.append(pk)
        if kind in out:
            if no not in position:
                raise RunError(f"已认定问题 #{pk} 的农户 {no} 不在样本中")
            out[kind].append(position[no])
    return out, ids


@dataclass(frozen=True)
class RecordedFigures:
    """A county's four figures recomputed from the records, and the records they come from."""

    frame: CountyFrame
    draw: HouseholdDraw
    answers: SurveyAnswers
    figures: CountyFigures
    draw_ids: list[int]
    problem_ids: list[int]

    def as_record(self) -> dict[str, dict[str, float]]:
        """The `figures` argument of county_results_record."""
        return {
            f.name: {
                "estimate": f.estimate.value,
                "se": f.estimate.se,
                "df": f.estimate.df,
                "ci_low": f.ci[0],
                "ci_high": f.ci[1],
                "sparse": f.sparse,
            }
            for f in self.figures.figures
        }


def county_figures_recorded(campaign: Campaign, county: Region) -> RecordedFigures:
    """The four figures of a county from the database alone: frame, replayed draw, stored answers,
    problems confirmed at 终核 — what `county_results_record` stores, reproducible at any time."""
    frame = county_frame(county, year=None)
    draw, draw_ids = draws_replay(campaign, county, frame)
    answers = answers_stored(campaign, county, frame, draw)
    positions, problem_ids = confirmed_positions(campaign, county, frame, draw)
    confirmed = ConfirmedProblems.from_positions(len(draw), **positions)
    try:
        figures = county_figures(
            frame, draw, answers, confirmed, thresholds=campaign.threshold_table()
        )
    except ValueError as e:
        raise AssessmentError(f"{county.name}的指标无法计算：{e}") from e
    return RecordedFigures(frame, draw, answers, figures, draw_ids, problem_ids)
