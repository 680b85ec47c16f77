"""A small recorded world for computing results: one synthetic Gansu county in the registry, a
campaign in verification with its village and household draws recorded by the working group's
service, a questionnaire stored for every sampled household (answers made here, from a seeded
generator) and problems confirmed (or not) at 终核.

Alongside the records, the same arrays the records were made from (the pure engine's frame from
the synthetic batch, the draw made with the same generators, the answers in draw order, the
confirmed positions), so that a test can compute the figures through the engine directly.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.contrib.auth.models import User
from django.utils import timezone

from fupin import synth
from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.figures import CountyFigures, county_figures
from fupin.assessments.engine.frames import EXITED, NONREGISTERED, CountyFrame, frame_from_batch
from fupin.assessments.engine.pipeline import county_rng
from fupin.assessments.engine.sampling import (
    HouseholdDraw,
    SamplingSettings,
    draw_households,
    draw_villages,
)
from fupin.assessments.engine.verification import ConfirmedProblems
from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.models import (
    Campaign,
    Enumerator,
    Institution,
    Problem,
    ProblemStep,
    Questionnaire,
    Submission,
    Team,
)
from fupin.assessments.services import (
    campaign_create,
    campaign_transition,
    county_sample_draw,
    sampling_dict,
    team_create,
)
from fupin.assessments.tests.conftest import make_user
from fupin.assessments.workflows import (
    CampaignKind,
    CampaignStatus,
    ProblemAction,
    ProblemStatus,
    Step,
)
from fupin.demo.loading import registry_load_synth
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household

SEED = 20190611
SETTINGS = SamplingSettings(
    villages=6, exited_per_village=8, poor_per_village=3, nonregistered_per_village=8
)
REC = ("rec_policy", "rec_measures", "rec_results", "rec_cadres")
GUARANTEES = ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok")


@dataclass
class ResultsWorld:
    campaign: Campaign
    county: Region
    working_group: User
    other_user: User
    frame: CountyFrame
    draw: HouseholdDraw
    keys: list[str]
    size: np.ndarray
    asked: np.ndarray
    recognises: np.ndarray
    team: Team
    enumerator: Enumerator
    wrong_exit: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)

    def households(self, stratum: int) -> list[int]:
        """Sample positions of households of a registry stratum."""
        return [i for i in range(len(self.draw)) if int(self.draw.stratum[i]) == stratum]

    def survey(self, positions: list[int] | None = None) -> None:
        """Store the questionnaire of the sampled households at `positions` (default: all)."""
        # Transactional (browser) tests flush the migration's rows: install v1 when it is gone.
        questionnaire, _ = Questionnaire.objects.get_or_create(
            version=SCHEMA_V1["version"],
            defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1},
        )
        households = {
            h.household_no: h for h in Household.objects.filter(household_no__in=self.keys)
        }
        finished = timezone.now() - dt.timedelta(hours=1)
        for i in range(len(self.keys)) if positions is None else positions:
            answers: dict[str, Any] = {
                "size": int(self.size[i]),
                "income_per_capita": 5000.0 + i,
                **{g: True for g in GUARANTEES},
            }
            if self.asked[i]:
                answers |= {q: "satisfied" for q in REC}
                if not self.recognises[i]:
                    answers["rec_cadres"] = "dissatisfied"
            Submission.objects.create(
                campaign=self.campaign,
                household=households[self.keys[i]],
                questionnaire=questionnaire,
                client_id=uuid.uuid4(),
                answers=answers,
                payload_checksum=f"{i:064d}",
                enumerator=self.enumerator,
                team=self.team,
                started_at=finished - dt.timedelta(minutes=30),
                finished_at=finished,
            )

    def problem(self, position: int, kind: str, status: str = ProblemStatus.CONFIRMED) -> Problem:
        """A problem of the household at `position`; confirmed at 终核 (or left at `status`)."""
        household = Household.objects.get(household_no=self.keys[position])
        problem = Problem.objects.create(
            campaign=self.campaign,
            county=self.county,
            household=household,
            kind=kind,
            description="测试问题",
            status=status,
        )
        if status in (ProblemStatus.CONFIRMED, ProblemStatus.REJECTED):
            ProblemStep.objects.create(
                problem=problem,
                step=Step.FINAL,
                action=ProblemAction.FINAL_CONFIRM
                if status == ProblemStatus.CONFIRMED
                else ProblemAction.FINAL_REJECT,
                from_status=ProblemStatus.PENDING_FINAL,
                to_status=status,
                user=self.working_group,
                role=Role.WORKING_GROUP,
                opinion="终核意见",
            )
        if status == ProblemStatus.CONFIRMED:
            (self.wrong_exit if kind == "wrong_exit" else self.missed).append(position)
        return problem

    def pure(self) -> CountyFigures:
        """The four figures through the engine alone, on the arrays the records were made from."""
        answers = SurveyAnswers.from_arrays(
            size=self.size, recognises=self.recognises & self.asked, recognition_asked=self.asked
        )
        confirmed = ConfirmedProblems.from_positions(
            len(self.draw), wrong_exit=self.wrong_exit, missed=self.missed
        )
        return county_figures(
            self.frame,
            self.draw,
            answers,
            confirmed,
            thresholds=self.campaign.threshold_table(),
        )


def results_world(tmp_path: Path) -> ResultsWorld:
    """The campaign in verification, drawn, nobody surveyed yet, no problem raised."""
    regions_load_poverty_counties(provinces={"甘肃省"})
    batches = list(synth.generate(synth.preset("demo", seed=5)))
    registry_load_synth(batches=batches, truth=tmp_path / "truth")
    batch = batches[0]
    county = Region.objects.get(code=batch.county.code + "000000")
    wg = make_user("results_wg")
    other = make_user("results_expert")
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name=f"{county.name}退出专项评估检查",
        scope=[county],
        sampling=sampling_dict(SETTINGS),
        actor="test",
    )
    # The working group of this campaign; an expert-group member of it, who sees it but does
    # not compute or decide.
    working_group_add(campaign=campaign, user=wg)
    membership_grant(user=other, role=Role.EXPERT_GROUP, campaign=campaign)
    campaign_transition(campaign=campaign, to=CampaignStatus.SAMPLING, user=None, actor="test")
    county_sample_draw(campaign, county, user=wg, seed=SEED)
    # The same draw through the engine alone, on the frame made from the synthetic batch.
    frame = frame_from_batch(batch)
    g_villages, g_households = county_rng(SEED, frame.code).spawn(2)
    draw = draw_households(
        frame, draw_villages(frame, SETTINGS, g_villages), SETTINGS, g_households
    )
    institution = Institution.objects.create(name="华中科技大学", province_code="42")
    mentor = Enumerator.objects.create(
        name="调查员甲",
        employer_province="42",
        experienced=True,
        exam_passed=True,
        institution=institution,
    )
    newcomer = Enumerator.objects.create(
        name="调查员乙",
        employer_province="42",
        experienced=False,
        exam_passed=True,
        institution=institution,
    )
    team = team_create(
        campaign=campaign,
        code="T01",
        institution=institution,
        experienced=mentor,
        new=newcomer,
        actor="test",
    )
    campaign_transition(campaign=campaign, to=CampaignStatus.FIELDWORK, user=None, actor="test")
    campaign_transition(campaign=campaign, to=CampaignStatus.VERIFICATION, user=None, actor="test")
    campaign.refresh_from_db()
    rng = np.random.default_rng(7)
    n = len(draw)
    stratum = draw.stratum
    # Recognition is asked of registered households and of the others in poor villages.
    asked = np.asarray((stratum != NONREGISTERED) | (draw.villages.stratum[draw.village] == 0))
    return ResultsWorld(
        campaign=campaign,
        county=county,
        working_group=wg,
        other_user=other,
        frame=frame,
        draw=draw,
        keys=frame.household_no[draw.index].tolist(),
        size=rng.integers(1, 7, size=n),
        asked=asked,
        recognises=rng.random(n) < 0.93,
        team=team,
        enumerator=mentor,
    )


__all__ = ["EXITED", "NONREGISTERED", "SEED", "SETTINGS", "ResultsWorld", "results_world"]
