"""Simulated fieldwork and verification played through the real services: the only truth access,
the questionnaires, the suspected problems with their field notes, and the five steps.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import numpy as np
import pyarrow.parquet as pq
from django.db.models import Count, Q
from django.utils import timezone

from fupin.assessments.engine.fieldwork import SurveyAnswers
from fupin.assessments.engine.frames import GUARANTEES, CountyFrame, CountyTruth, truth_from_batch
from fupin.assessments.engine.sampling import HouseholdDraw
from fupin.assessments.engine.verification import (
    PROBLEM_LABELS,
    STEP_LABELS,
    UPHOLD,
    VerificationPath,
)
from fupin.assessments.models import Campaign, Evidence, Problem, Submission
from fupin.assessments.services import (
    SubmissionItem,
    TransitionItem,
    problems_transition,
    proposals_for,
    submissions_receive,
)
from fupin.assessments.services.proposals import RaiseOnceItem, problems_raise_once
from fupin.assessments.services.surveys import (
    EvidenceItem,
    applicable_sections,
    evidence_receive_many,
    questionnaire_for,
    recognition_questions,
)
from fupin.assessments.services.verification import ExplainItem, problems_explain
from fupin.assessments.workflows import ProblemAction
from fupin.demo.running_people import People, Staffing, expert_group_member
from fupin.demo.running_records import RECOGNITION_QUESTIONS, RunError
from fupin.regions.models import Region
from fupin.registry.models import Household, Person

FIELD_DAYS = 10
_GUARANTEE_TEXT = {
    "food": "不愁吃",
    "clothing": "不愁穿",
    "education": "义务教育有保障",
    "medical": "基本医疗有保障",
    "housing": "住房安全有保障",
    "water": "饮水安全有保障",
}
# Income by source as shares of net income (the registry's typical mix); policy transfers are
# part of the transfers.
_INCOME_SHARES = {
    "income_wages": 0.55,
    "income_business": 0.25,
    "income_property": 0.03,
    "income_transfers": 0.17,
    "income_policy_transfers": 0.12,
}


# --- the simulation's clock ------------------------------------------------------------------


class SimulatedClock:
    """The campaign is played out over the days before today, in simulated time.

    The run passes `now=clock.now()` to every service whose time rules it meets (the local
    cadres' explanation window, submissions not from the future) and whose workflow steps it
    records: days pass in the simulation without anyone waiting, yet every check applies and
    every step is recorded at a consistent moment in the past: the records' own times (receipt,
    raising, decision…) and their audit rows alike.  Time only moves forward.
    """

    def __init__(self, days: float) -> None:
        self._real = timezone.now
        self.origin = self._real() - dt.timedelta(days=days)
        self.offset = self.origin - self._real()

    def now(self) -> dt.datetime:
        return self._real() + self.offset

    def day(self, days: float) -> dt.datetime:
        """Move to `days` after the origin (never backwards, never past the real now)."""
        target = self.origin + dt.timedelta(days=days)
        self.offset = min(dt.timedelta(0), max(self.offset, target - self._real()))
        return self.now()


# --- the truth: read here and nowhere else ---------------------------------------------------


@dataclass(frozen=True)
class _TruthOnly:
    truth_households: Any


def _fieldwork_truth(truth_dir: Path, frame: CountyFrame) -> CountyTruth:
    """The hidden truth of a county, for the simulated enumerators and checkers only.

    This is the one place the simulation reads `<truth_dir>/households-<county6>.parquet`; the
    figures never see it (they are recomputed from the records in running_records).
    """
    path = truth_dir / f"households-{frame.code}.parquet"
    if not path.exists():
        raise RunError(f"没有{frame.name}的模拟真值文件 {path}（请先运行 fupin synth）")
    table = pq.read_table(path)
    return truth_from_batch(cast(Any, _TruthOnly(table)), frame)


# --- questionnaires ----------------------------------------------------------------------------


def _persons(households: Sequence[Household]) -> dict[int, dict[str, int]]:
    rows = (
        Person.objects.filter(household__in=households, deceased=False)
        .values("household_id")
        .annotate(
            labour=Count("id", filter=Q(labour_ability__in=["normal", "weak"])),
            school=Count("id", filter=Q(school_status__in=["in_school", "dropped_out"])),
            ill=Count("id", filter=Q(health__in=["serious", "chronic"])),
            disabled=Count("id", filter=Q(health="disabled") | Q(disability_grade__gt=0)),
        )
    )
    return {r["household_id"]: r for r in rows}


def questionnaire_answers(
    h: Household,
    persons: Mapping[str, int] | None,
    answers: SurveyAnswers,
    pos: int,
    schema: Mapping[str, Any],
) -> dict[str, Any]:
    """A complete questionnaire (of the version `schema`) for one household from the simulated
    answers at `pos`; a 不满意 is followed by its reason, as the questionnaire asks."""
    size = int(answers.size[pos])
    pc = float(answers.income_per_capita[pos])
    total = pc * size
    p = persons or {}
    out: dict[str, Any] = {
        "size": size,
        "labour_count": min(int(p.get("labour", 0)), size),
        "school_age_children": int(p.get("school", 0)),
        "seriously_ill": int(p.get("ill", 0)),
        "disabled": int(p.get("disabled", 0)),
        "dibao": bool(h.at_risk_dibao),
        "housing_grade": "B" if answers.guarantees[pos, 4] else "C",
        **{k: round(total * share, 2) for k, share in _INCOME_SHARES.items()},
        "income_per_capita": pc,
    }
    for j, g in enumerate(GUARANTEES):
        ok = bool(answers.guarantees[pos, j])
        out[f"{g}_ok"] = ok
        if not ok:
            out[f"{g}_ok_note"] = f"{_GUARANTEE_TEXT[g]}未达到：入户核实情况见调查员备注"
    asked = bool(answers.recognition_asked[pos])
    applies = h.registered or h.village.is_poor_village
    if asked != applies:
        raise RunError(f"户 {h.household_no} 的认可度问题适用范围与问卷不一致")
    if asked:
        yes = bool(answers.recognises[pos])
        level = ("satisfied", "basically") if yes else ("not_satisfied", "not_satisfied")
        codes = recognition_questions(schema, h)
        assert codes and set(codes) <= set(RECOGNITION_QUESTIONS)
        for n, code in enumerate(codes):
            out[code] = level[n % 2]
        for section in applicable_sections(schema, h):
            for q in section["questions"]:
                rule = q.get("required_if")
                if rule and out.get(rule["question"]) == rule["equals"]:
                    out[q["code"]] = "入户了解：帮扶措施与本户需求不符，收入提高有限"
                elif q["code"] == "exit_informed":
                    out[q["code"]] = True
    code = str(answers.suspected[pos])
    if code:
        out["enumerator_notes"] = (
            f"疑似{PROBLEM_LABELS[code]}：核算人均纯收入 {pc:.2f} 元"
            + "".join(
                f"，{_GUARANTEE_TEXT[g]}未达到"
                for j, g in enumerate(GUARANTEES)
                if not answers.guarantees[pos, j]
            )
        )
    return out


def client_id(campaign: Campaign, household_no: str) -> uuid.UUID:
    """The device's id of a questionnaire: the same household in the same campaign, the same id."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"fupin:campaign/{campaign.pk}/household/{household_no}")


def problem_client_id(campaign: Campaign, household_no: str, kind: str) -> uuid.UUID:
    """The device's id of a suspected problem: one per household and kind in a campaign."""
    return uuid.uuid5(
        uuid.NAMESPACE_URL, f"fupin:campaign/{campaign.pk}/household/{household_no}/problem/{kind}"
    )


def raised_by_enumerator(paths: Sequence[VerificationPath]) -> dict[str, str]:
    """The simulated enumerator's judgement, from the truth (the verification paths): household
    number → the kind of problem they raise. A false alarm the path drops on site at 初核 is the
    enumerator's own recheck before raising (入户复查后疑点排除，不予上报): enumerators raise and
    never conclude, so a suspicion once raised is never dismissed by the team that raised it."""
    return {p.household_no: p.problem for p in paths if p.steps and p.steps[0].decision == UPHOLD}


def problem_description(sub: Submission, kind: str) -> str:
    """What the enumerator raises: the description fupin proposes from the stored answers
    (`proposals_for`, what the phone shows) when it proposes this kind; otherwise one added by
    hand (the field notes), as the phone lets the enumerator add a problem it did not propose."""
    for proposal in proposals_for(sub):
        if proposal.kind == kind:
            return proposal.description
    return f"入户调查发现疑似{PROBLEM_LABELS[kind]}：{payload_notes(sub)}"


@dataclass
class CountyField:
    """What the fieldwork of one county left behind, for the verification that follows."""

    county: Region
    submissions: dict[str, Submission] = field(default_factory=dict)
    problems: dict[str, Problem] = field(default_factory=dict)  # household_no -> problem
    notes: dict[str, Evidence] = field(default_factory=dict)  # household_no -> field notes


def fieldwork_run(
    *,
    campaign: Campaign,
    county: Region,
    frame: CountyFrame,
    draw: HouseholdDraw,
    answers: SurveyAnswers,
    households: Mapping[str, Household],
    staffing: Staffing,
    people: People,
    fieldwork_start: dt.datetime,
    now: dt.datetime,
    raised: Mapping[str, str],
) -> CountyField:
    """Each sampled household's questionnaire through submissions_receive (by a member of its
    team), then the suspected problems the enumerators raise, each with its field notes, through
    the batch forms of the services the phone and the API raise them with (the notes by
    `evidence_receive_many`, the problems by `problems_raise_once` under the device's ids: the
    same checks and records as one at a time); `now` is the simulated time of the upload.
    `raised`: household number → kind, the enumerators' judgement (`raised_by_enumerator`) among
    the households the answers flag."""
    questionnaire = questionnaire_for(campaign)
    schema, version = questionnaire.schema, questionnaire.version
    keys = frame.household_no[draw.index].tolist()
    persons = _persons([households[k] for k in keys])
    out = CountyField(county)
    done_by_team: dict[int, int] = {}
    load = {t.pk: 0 for t in staffing.teams}
    for k in keys:
        load[staffing.team_of[k].pk] += 1
    items: list[SubmissionItem] = []
    for pos, no in enumerate(keys):
        h = households[no]
        team = staffing.team_of[no]
        n = done_by_team.get(team.pk, 0)
        done_by_team[team.pk] = n + 1
        per_day = max(1, -(-load[team.pk] // FIELD_DAYS))
        spacing = min(50, 600 // per_day)
        started = fieldwork_start + dt.timedelta(
            days=n // per_day, hours=8, minutes=spacing * (n % per_day)
        )
        member = team.experienced_member if n % 2 == 0 else team.new_member
        payload = {
            "household_no": no,
            "questionnaire_version": version,
            "answers": questionnaire_answers(h, persons.get(h.pk), answers, pos, schema),
            "started_at": started.isoformat(),
            "finished_at": (started + dt.timedelta(minutes=40)).isoformat(),
        }
        items.append(
            SubmissionItem(
                client_id=client_id(campaign, no),
                payload=payload,
                enumerator=member,
                user=people.user_of(member),
            )
        )
    # The county's questionnaires as the devices upload them at the end of fieldwork: one batch,
    # each checked as submission_receive checks it alone.
    received = submissions_receive(campaign=campaign, items=items, now=now)
    for no, (sub, _) in zip(keys, received, strict=True):
        out.submissions[no] = sub
    raising: list[tuple[str, str, Submission, Any]] = []  # household, kind, source, user
    notes: list[EvidenceItem] = []
    for pos in np.flatnonzero(answers.suspected != "").tolist():
        no = keys[pos]
        code = str(answers.suspected[pos])
        if raised.get(no) != code:
            continue
        sub = out.submissions[no]
        sub.campaign, sub.household = campaign, households[no]  # what proposals_for reads
        user = people.users[sub.enumerator.user_id]
        content = json.dumps(
            {
                "household_no": no,
                "problem": code,
                "submission": str(sub.client_id),
                "income_per_capita": float(answers.income_per_capita[pos]),
                "guarantees": {
                    g: bool(answers.guarantees[pos, j]) for j, g in enumerate(GUARANTEES)
                },
                "size": int(answers.size[pos]),
                "team": sub.team.code,
            },
            ensure_ascii=False,
            sort_keys=True,
            indent=1,
        ).encode("utf-8")
        notes.append(
            EvidenceItem(
                owner=sub,
                kind="document",
                content=content,
                sha256=hashlib.sha256(content).hexdigest(),
                filename=f"field-notes-{no}.json",
                taken_at=sub.finished_at,
                user=user,
            )
        )
        raising.append((no, code, sub, user))
    # The county's suspected problems as the devices upload them: the field notes, then each
    # problem citing its notes, one batch each.
    stored = evidence_receive_many(notes, now=now)
    items = []
    for (no, code, sub, user), (evidence, _) in zip(raising, stored, strict=True):
        out.notes[no] = evidence
        items.append(
            RaiseOnceItem(
                client_id=problem_client_id(campaign, no, code),
                household=households[no],
                kind=code,
                description=problem_description(sub, code),
                user=user,
                enumerator=sub.enumerator,
                submission=sub,
                evidence=[evidence],
            )
        )
    problems = problems_raise_once(campaign=campaign, items=items, now=now)
    for (no, _, _, _), (problem, _created) in zip(raising, problems, strict=True):
        out.problems[no] = problem
    return out


def payload_notes(sub: Submission) -> str:
    return str(sub.answers.get("enumerator_notes", "")) or "见调查员现场记录"


# --- the five steps ------------------------------------------------------------------------------


@dataclass
class Verifier:
    """Replays the simulated verification paths through problems_transition, step by step for all
    counties together (one batch per step) (so that one wait covers every explanation window)."""

    people: People
    staffing: Staffing
    fields: dict[str, CountyField]  # county code -> its fieldwork
    paths: dict[str, list[VerificationPath]]  # county code -> paths
    clock: SimulatedClock
    progress: Callable[[str], None]

    def _each(self) -> Iterator[tuple[Region, CountyField, VerificationPath, Problem]]:
        """The paths of the problems raised (a path dropped on site was never raised)."""
        for code, f in self.fields.items():
            for path in self.paths[code]:
                if path.household_no in f.problems:
                    yield f.county, f, path, f.problems[path.household_no]

    def _step(self, path: VerificationPath, code: str) -> Any:
        return next((s for s in path.steps if s.code == code), None)

    def run(self, start_day: float) -> None:
        wg = self.people.working_group
        self.clock.day(start_day)
        # 初核: the household's own team, on site: the suspicion holds (what it raised it never
        # dismisses; the paths it dropped on site it did not raise).
        batch = []
        for _, f, path, problem in self._each():
            step = path.steps[0]  # upheld: the paths dropped on site were not raised
            user = self.people.users[problem.submission.enumerator.user_id]
            batch.append(
                TransitionItem(
                    problem=problem,
                    action=ProblemAction.INITIAL_CHECK,
                    user=user,
                    opinion=step.opinion,
                    evidence=[f.notes[path.household_no]],
                )
            )
        problems_transition(batch, now=self.clock.now())
        live = list(self._each())
        # 复核: the county's lead expert sends the finding to the county for explanation.
        self.clock.day(start_day + 1)
        batch = []
        for county, _, path, problem in live:
            lead = self.staffing.experts_of[county.code][0]
            batch.append(
                TransitionItem(
                    problem=problem,
                    action=ProblemAction.REVIEW,
                    user=self.people.user_of(lead),
                    opinion=f"带队专家复核：疑似{PROBLEM_LABELS[path.problem]}，反馈{county.name}说明",
                )
            )
        problems_transition(batch, now=self.clock.now())
        self.clock.day(start_day + 1.125)
        # The county offices' explanations of the disputed findings, then their documents.
        explaining = []
        for county, _, path, problem in live:
            if self._step(path, "department") is None:
                continue
            text = (
                f"{county.name}说明：该户情况经乡村两级核实，我县认为不属于"
                f"{PROBLEM_LABELS[path.problem]}，附相关证明材料"
            )
            explaining.append(
                (
                    path,
                    ExplainItem(problem=problem, user=self.people.officers[county.code], text=text),
                )
            )
        explanations = problems_explain([e for _, e in explaining], now=self.clock.now())
        documents = []
        for (path, item), explanation in zip(explaining, explanations, strict=True):
            doc = (item.text + "\n（模拟材料：收入台账、帮扶手册摘要）").encode("utf-8")
            documents.append(
                EvidenceItem(
                    owner=explanation,
                    kind="document",
                    content=doc,
                    sha256=hashlib.sha256(doc).hexdigest(),
                    filename=f"county-explanation-{path.household_no}.txt",
                    user=item.user,
                )
            )
        evidence_receive_many(documents, now=self.clock.now())
        self.progress("复核：地方说明期满")
        window = max(campaign_window(live), 1)
        self.clock.day(start_day + 1 + window / 24 + 0.05)
        batch = []
        for county, _, path, problem in live:
            lead = self.staffing.experts_of[county.code][0]
            disputed = self._step(path, "department") is not None
            batch.append(
                TransitionItem(
                    problem=problem,
                    action=ProblemAction.REVIEW_CONCLUDE,
                    user=self.people.user_of(lead),
                    opinion=path.steps[1].opinion,
                    disputed=disputed,
                )
            )
        problems_transition(batch, now=self.clock.now())
        # 部门核 (disputed only), 专家组核, 终核.
        self.clock.day(start_day + 3)
        batch = []
        for _, _, path, problem in live:
            step = self._step(path, "department")
            if step is not None:
                user = self.people.department[problem.pk % len(self.people.department)]
                batch.append(
                    TransitionItem(
                        problem=problem,
                        action=ProblemAction.DEPARTMENT_APPRAISE,
                        user=user,
                        opinion=step.opinion,
                    )
                )
        problems_transition(batch, now=self.clock.now())
        self.clock.day(start_day + 4)
        batch = []
        for county, _, path, problem in live:
            member = expert_group_member(self.people, county)
            batch.append(
                TransitionItem(
                    problem=problem,
                    action=ProblemAction.EXPERT_JUDGE,
                    user=self.people.user_of(member),
                    opinion=self._step(path, "expert").opinion,
                )
            )
        problems_transition(batch, now=self.clock.now())
        self.clock.day(start_day + 5)
        batch = []
        for _, f, path, problem in live:
            final = self._step(path, "final")
            action = (
                ProblemAction.FINAL_CONFIRM
                if final.decision == UPHOLD
                else ProblemAction.FINAL_REJECT
            )
            batch.append(
                TransitionItem(
                    problem=problem,
                    action=action,
                    user=wg,
                    opinion=final.opinion,
                    evidence=[f.notes[path.household_no]],
                )
            )
        problems_transition(batch, now=self.clock.now())
        self.progress(
            f"核实：{sum(len(f.problems) for f in self.fields.values())} 个疑点经"
            f"{'、'.join(STEP_LABELS.values())}办结"
        )


def campaign_window(live: Sequence[tuple[Region, CountyField, VerificationPath, Problem]]) -> int:
    """The explanation window in hours (the campaign's own setting)."""
    if not live:
        return 0
    return int(live[0][3].campaign.explain_window_hours)
