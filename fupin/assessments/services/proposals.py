"""Suspected problems proposed from a questionnaire's answers, and raising one exactly once.

`propose` reads the answers against the national standard of the campaign's year (the year's line
and 两不愁三保障, safe water from the year it counts): income per capita at or below the line or a
guarantee not met is a suspected 错退 for an exited household, 漏评 for a household not (or no
longer) registered; a guarantee not met for a registered household not yet out of poverty is a
policy not delivered (政策未落实). The enumerator confirms or drops each proposal and may add others
by hand; nothing is raised without them. The field page applies the same rules offline from
`ProposalStandard.as_json` and `ProposalTarget.as_json` (fupin/static/fupin/field/app.js), so the
device and the server propose the same problems with the same words.

`problem_raise_once` raises a problem under the client id its device or survey tool gave it: the
same id with the same content again returns the stored problem and writes nothing, with other
content it is refused (PROBLEM_CONFLICT_MESSAGE). `problems_raise_once` does the same for a batch
(a device's upload of the day), with the same checks, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from fupin.assessments.models import (
    Campaign,
    Enumerator,
    Evidence,
    Problem,
    Submission,
)
from fupin.assessments.services.common import AssessmentError, User
from fupin.assessments.services.evaluators import (
    enumerator_team_for,
    team_of_enumerator,
    teams_of_households,
)
from fupin.assessments.services.verification import (
    RaiseItem,
    RaiseRefused,
    problem_raise,
    problems_raise,
)
from fupin.assessments.workflows import ProblemKind
from fupin.policy._text import yuan
from fupin.policy.errors import NotInTable
from fupin.policy.lines import DEFAULT_LINES, PovertyLineTable
from fupin.policy.standards import NATIONAL, NationalRule
from fupin.policy.text import FREE_TEXT_MAX, text_problem
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Status

PROBLEM_CONFLICT_MESSAGE = (
    "该问题编号已用于内容不同的疑点问题，本次提交未保存。"
    "如确需更正，请在设备上重新提出该疑点（生成新的问题编号）后提交。"
)

# The guarantees (两不愁三保障 and safe drinking water): question key and the short label.
GUARANTEE_LABELS: tuple[tuple[str, str], ...] = (
    ("food_ok", "不愁吃"),
    ("clothing_ok", "不愁穿"),
    ("education_ok", "义务教育有保障"),
    ("medical_ok", "基本医疗有保障"),
    ("housing_ok", "住房安全有保障"),
    ("water_ok", "饮水安全有保障"),
)
# Housing grades that are not safe housing whatever the housing answer says (C/D 级危房).
UNSAFE_HOUSING_GRADES: tuple[str, ...] = ("C", "D")
# The kinds an enumerator adds by hand (the others are proposed from the answers).
MANUAL_KINDS: tuple[str, ...] = (
    ProblemKind.POLICY_NOT_DELIVERED.value,
    ProblemKind.RECOGNITION.value,
    ProblemKind.OTHER.value,
)


def kind_label(kind: str) -> str:
    return str(ProblemKind(kind).label)


@dataclass(frozen=True)
class ProposalStandard:
    """What every household of a campaign is judged by: the year's line and the guarantees that
    count that year. `line` is None when the line table has no row for the year (no income rule
    then: a missing line is never guessed)."""

    year: int
    line: float | None
    line_label: str
    guarantees: tuple[tuple[str, str], ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "line": self.line,
            "line_label": self.line_label,
            "guarantees": [{"code": c, "label": label} for c, label in self.guarantees],
            "unsafe_housing_grades": list(UNSAFE_HOUSING_GRADES),
            "kinds": {k: kind_label(k) for k in ProblemKind.values},
            "manual_kinds": [{"code": k, "label": kind_label(k)} for k in MANUAL_KINDS],
        }


@dataclass(frozen=True)
class ProposalTarget:
    """Which problem a failure proposes for one household, by its registry status ('' : none)."""

    household_label: str
    income_kind: str
    guarantee_kind: str

    def as_json(self) -> dict[str, str]:
        return {
            "label": self.household_label,
            "income": self.income_kind,
            "guarantees": self.guarantee_kind,
        }


@dataclass(frozen=True)
class Proposal:
    """One suspected problem proposed from the answers, with its reasons and the description the
    enumerator confirms (or edits) before raising it."""

    kind: str
    kind_label: str
    reasons: tuple[str, ...]
    description: str


def proposal_standard(
    year: int, *, lines: PovertyLineTable = DEFAULT_LINES, rule: NationalRule | None = None
) -> ProposalStandard:
    """The national standard of `year`: its line (if the table has it) and guarantees."""
    national = rule if rule is not None else NATIONAL.household_rule
    assert isinstance(national, NationalRule)
    try:
        line = lines.line(year)
        amount: float | None = float(line.yuan)
        label = line.label
    except NotInTable:
        amount, label = None, ""
    guarantees = tuple(
        (code, text)
        for code, text in GUARANTEE_LABELS
        if code != "water_ok" or national.water_counts(year)
    )
    return ProposalStandard(year=year, line=amount, line_label=label, guarantees=guarantees)


def proposal_target(*, registered: bool, status: str) -> ProposalTarget:
    """错退 for an exited household, 漏评 for one not registered (or removed from the register),
    政策未落实 (guarantees only) for a registered household not yet out of poverty."""
    if registered and status == Status.EXITED:
        kind = ProblemKind.WRONG_EXIT.value
        return ProposalTarget("已脱贫户", kind, kind)
    if not registered or status == Status.REMOVED:
        kind = ProblemKind.MISSED.value
        label = "已清退户" if registered else "非建档立卡户"
        return ProposalTarget(label, kind, kind)
    return ProposalTarget("未脱贫户", "", ProblemKind.POLICY_NOT_DELIVERED.value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def propose(
    answers: Mapping[str, Any], standard: ProposalStandard, target: ProposalTarget
) -> list[Proposal]:
    """The suspected problems the answers point to (at most one per kind), in a fixed order:
    the income-or-guarantee kind first, then 政策未落实."""
    reasons: dict[str, list[str]] = {}
    income = _number(answers.get("income_per_capita"))
    line = standard.line
    if target.income_kind and line is not None and income is not None and income <= line:
        reasons.setdefault(target.income_kind, []).append(
            f"人均纯收入 {yuan(income)} 元，不高于{standard.line_label}"
        )
    if target.guarantee_kind:
        for code, label in standard.guarantees:
            failed = answers.get(code) is False
            if code == "housing_ok" and answers.get("housing_grade") in UNSAFE_HOUSING_GRADES:
                grade = answers["housing_grade"]
                reasons.setdefault(target.guarantee_kind, []).append(
                    f"{label}未达到（住房安全等级 {grade} 级，属危房）"
                )
                continue
            if failed:
                reasons.setdefault(target.guarantee_kind, []).append(f"{label}未达到")
    out = []
    for kind, why in reasons.items():
        label = kind_label(kind)
        description = f"入户调查发现疑似{label}（{target.household_label}）：" + "；".join(why)
        out.append(
            Proposal(kind=kind, kind_label=label, reasons=tuple(why), description=description)
        )
    return out


def proposals_for(submission: Submission) -> list[Proposal]:
    """The problems a stored questionnaire proposes (its campaign's year, its household's status)."""
    household = submission.household
    return propose(
        submission.answers or {},
        proposal_standard(submission.campaign.year),
        proposal_target(registered=household.registered, status=household.status),
    )


# --- raising once ------------------------------------------------------------------------------


def county_of(household: Household) -> Region:
    """The county a household's village lies in."""
    code = household.village.code[:6] + "000000"
    county = Region.objects.filter(level=Level.COUNTY, code=code).first()
    if county is None:
        raise AssessmentError(f"户 {household.household_no} 所在县不在区划表中")
    return county


def _client_uuid(value: uuid.UUID | str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise AssessmentError("问题编号格式不正确（须为 UUID）") from None


def _same(
    stored: Problem,
    *,
    household: Household,
    kind: str,
    description: str,
    submission: Submission | None,
    user: User,
) -> bool:
    return (
        stored.household_id == household.pk
        and stored.kind == kind
        and stored.description == description.strip()
        and stored.submission_id == (submission.pk if submission is not None else None)
        and stored.raised_by_id == user.pk
    )


def problem_raise_once(
    *,
    campaign: Campaign,
    client_id: uuid.UUID | str,
    household: Household,
    kind: str,
    description: str,
    user: User,
    enumerator: Enumerator | None = None,
    submission: Submission | None = None,
    evidence: Iterable[Evidence] = (),
    now: dt.datetime | None = None,
) -> tuple[Problem, bool]:
    """Raise a suspected problem on a household under the client id its device gave it, once:
    (problem, created). The same id with the same household, kind, description, source
    questionnaire and user returns the stored problem and writes nothing (in any campaign status:
    a retry writes nothing); with anything else it is refused (PROBLEM_CONFLICT_MESSAGE).

    `enumerator`: the raising user's enumerator profile, if any; then the household must be
    assigned to their team. Every other rule is problem_raise's (campaign status, kind,
    description, who may raise, the source questionnaire, the evidence cited)."""
    cid = _client_uuid(client_id)
    items = list(evidence)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _raise_once(
                    campaign=campaign,
                    cid=cid,
                    household=household,
                    kind=kind,
                    description=description,
                    user=user,
                    enumerator=enumerator,
                    submission=submission,
                    evidence=items,
                    now=now,
                )
        except IntegrityError:
            # Another request stored this client id meanwhile: answered now as a retry (or
            # refused as a conflict).
            if attempt:
                raise
    raise AssertionError("unreachable")


def _raise_once(
    *,
    campaign: Campaign,
    cid: uuid.UUID,
    household: Household,
    kind: str,
    description: str,
    user: User,
    enumerator: Enumerator | None,
    submission: Submission | None,
    evidence: list[Evidence],
    now: dt.datetime | None,
) -> tuple[Problem, bool]:
    stored = Problem.objects.filter(campaign=campaign, client_id=cid).first()
    if stored is not None:
        same = _same(
            stored,
            household=household,
            kind=kind,
            description=description,
            submission=submission,
            user=user,
        )
        if not same:
            raise AssessmentError(PROBLEM_CONFLICT_MESSAGE)
        return stored, False
    if why := text_problem(description, max_length=FREE_TEXT_MAX, multiline=True, field="问题描述"):
        raise AssessmentError(why)
    if enumerator is not None and enumerator_team_for(campaign, enumerator, household) is None:
        raise AssessmentError(
            f"户 {household.household_no} 不在您所在小组的调查任务中，不能对该户提出疑点问题"
        )
    problem = problem_raise(
        campaign=campaign,
        county=county_of(household),
        kind=kind,
        description=description,
        user=user,
        household=household,
        submission=submission,
        evidence=evidence,
        now=now,
    )
    Problem.objects.filter(pk=problem.pk).update(client_id=cid)
    problem.client_id = cid
    return problem, True


# --- raising a batch once ------------------------------------------------------------------------


@dataclass(frozen=True)
class RaiseOnceItem:
    """One suspected problem of a batch: what `problem_raise_once` takes for one."""

    client_id: uuid.UUID | str
    household: Household
    kind: str
    description: str
    user: User
    enumerator: Enumerator | None = None
    submission: Submission | None = None
    evidence: Sequence[Evidence] = ()


class ProblemRefused(AssessmentError):
    """An item of a batch was refused (the message is what problem_raise_once says for it alone);
    nothing of the batch was written. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def problems_raise_once(
    *, campaign: Campaign, items: Iterable[RaiseOnceItem], now: dt.datetime | None = None
) -> list[tuple[Problem, bool]]:
    """Raise a batch of suspected problems, each once under its client id, all or nothing:
    [(problem, created)] in item order.

    Each item is checked exactly as `problem_raise_once` checks one, in item order, as if the
    items came one after the other (an id repeated within the batch is answered as a retry of the
    first, or refused as a conflict); the stored ids, the teams of the households and the counties
    are read once per batch and the new problems written by `problems_raise` (problem_raise's
    checks, one insert each for the problems, their steps and audit rows). The first item refused
    raises ProblemRefused (its index, the single-item message) and nothing is written."""
    batch = list(items)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _raise_batch_once(campaign, batch, now)
        except IntegrityError:
            # Another request stored one of these client ids meanwhile: check the batch again.
            if attempt:
                raise
    raise AssertionError("unreachable")


def _raise_batch_once(
    campaign: Campaign, batch: list[RaiseOnceItem], now: dt.datetime | None
) -> list[tuple[Problem, bool]]:
    cids: list[uuid.UUID | AssessmentError] = []
    for item in batch:
        try:
            cids.append(_client_uuid(item.client_id))
        except AssessmentError as bad:
            cids.append(bad)  # refused when its turn comes
    known = [c for c in cids if isinstance(c, uuid.UUID)]
    stored: dict[uuid.UUID, Problem] = {}
    for start in range(0, len(known), 500):
        stored.update(
            (p.client_id, p)
            for p in Problem.objects.filter(
                campaign=campaign, client_id__in=known[start : start + 500]
            )
        )
    teams: dict[int, list[Any]] | None = None
    counties: dict[str, Region] = {}
    pending: dict[uuid.UUID, int] = {}  # client id -> position among the new items
    new: list[RaiseItem] = []
    new_at: list[int] = []  # batch index of each new item
    # Each item's answer: a stored problem, or the position of a new one (created if first).
    answer: list[tuple[Problem | None, int, bool]] = []
    refused: tuple[int, str] | None = None
    for index, (item, cid) in enumerate(zip(batch, cids, strict=True)):
        try:
            if isinstance(cid, AssessmentError):
                raise cid
            same = dict(
                household=item.household,
                kind=item.kind,
                description=item.description,
                submission=item.submission,
                user=item.user,
            )
            if cid in stored:
                if not _same(stored[cid], **same):  # type: ignore[arg-type]
                    raise AssessmentError(PROBLEM_CONFLICT_MESSAGE)
                answer.append((stored[cid], -1, False))
                continue
            if cid in pending:
                first = new[pending[cid]]
                if not (
                    first.household == item.household
                    and first.kind == item.kind
                    and first.description.strip() == item.description.strip()
                    and first.submission == item.submission
                    and first.user.pk == item.user.pk
                ):
                    raise AssessmentError(PROBLEM_CONFLICT_MESSAGE)
                answer.append((None, pending[cid], False))
                continue
            if why := text_problem(
                item.description, max_length=FREE_TEXT_MAX, multiline=True, field="问题描述"
            ):
                raise AssessmentError(why)
            if item.enumerator is not None:
                if teams is None:
                    teams = teams_of_households(campaign, (i.household.pk for i in batch))
                if team_of_enumerator(teams.get(item.household.pk, []), item.enumerator) is None:
                    raise AssessmentError(
                        f"户 {item.household.household_no} 不在您所在小组的调查任务中，"
                        "不能对该户提出疑点问题"
                    )
            prefix = item.household.village.code[:6]
            if prefix not in counties:
                counties[prefix] = county_of(item.household)
        except AssessmentError as why_not:
            refused = (index, str(why_not))
            break
        pending[cid] = len(new)
        answer.append((None, len(new), True))
        new_at.append(index)
        new.append(
            RaiseItem(
                county=counties[prefix],
                kind=item.kind,
                description=item.description,
                user=item.user,
                household=item.household,
                submission=item.submission,
                evidence=list(item.evidence),
                client_id=cid,
            )
        )
    # The items before the first one refused here are raised (and checked) first: one of them
    # refused by problem_raise's rules is the first refusal, as one after the other.
    try:
        made = problems_raise(campaign=campaign, items=new, now=now)
    except RaiseRefused as first:
        raise ProblemRefused(str(first), new_at[first.index]) from None
    if refused is not None:
        raise ProblemRefused(refused[1], refused[0])
    return [(p if p is not None else made[at], created) for p, at, created in answer]
