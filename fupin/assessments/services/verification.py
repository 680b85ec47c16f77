"""Verification of suspected problems (凡疑必核, 五核): raise, one transition service, local explanations.

Only `problems_confirmed` feeds the figures: a problem counts once the working group confirmed it
at 终核, never before and never when rejected.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_entry, audit_record, audit_record_many
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role, has_role_in, roles_held
from fupin.accounts.workflow import BatchRefused, Move, Outcome, Request, Workflow, transitions
from fupin.assessments.models import (
    Campaign,
    DepartmentReport,
    Enumerator,
    Evidence,
    Expert,
    Problem,
    ProblemExplanation,
    ProblemStep,
    Submission,
    Team,
    UnannouncedFinding,
)
from fupin.assessments.services.common import AssessmentError, User, role_label
from fupin.assessments.services.evaluators import (
    expert_user_assigned,
    teams_in_county,
    teams_of_household,
    user_teams,
)
from fupin.assessments.workflows import (
    AFTER_EXPLANATION_WINDOW,
    DISPUTED_TARGET,
    PROBLEM_CLOSED,
    PROBLEM_TRANSITIONS,
    RAISE_ROLES,
    CampaignStatus,
    ProblemAction,
    ProblemKind,
    ProblemStatus,
    Step,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

OPEN_CAMPAIGN = (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)


def _label(status: str) -> str:
    return str(ProblemStatus(status).label)


def _profile(model: type[Enumerator] | type[Expert], user: User) -> Enumerator | Expert | None:
    return model.objects.filter(user_id=user.pk).first() if user.is_authenticated else None


def _enumerator_on_problem(
    campaign: Campaign, user: User, county: Region, household: Household | None
) -> bool:
    """The user is a member of a team assigned to the household (or, without one, to the county).

    One query: the user's enumerator profile (one per user) as a member of such a team."""
    if not user.is_authenticated:
        return False
    teams = (
        teams_of_household(campaign, household)
        if household is not None
        else teams_in_county(campaign, county)
    )
    return user_teams(teams, user.pk).exists()


def _lead_expert_on_county(campaign: Campaign, user: User, county: Region) -> bool:
    """The user's expert profile (one per user) is assigned to the county; one query."""
    return user.is_authenticated and expert_user_assigned(campaign, user.pk, county)


def _roles_among(user: User, roles: Iterable[str]) -> list[str]:
    """Those of `roles` (sorted) the user has, as has_role says for each, in one query."""
    wanted = sorted(roles)
    held = roles_held(user, wanted)
    return [r for r in wanted if r in held]


def _cite(step: ProblemStep, cited: list[Evidence]) -> None:
    """Attach the cited evidence to a step just created (what step.evidence.set does for a new
    step, whose set is empty: one insert of the distinct items)."""
    _cite_many([(step, cited)])


def _cite_many(pairs: list[tuple[ProblemStep, list[Evidence]]]) -> None:
    through = ProblemStep.evidence.through
    rows = [
        through(problemstep_id=step.pk, evidence_id=i)
        for step, cited in pairs
        for i in dict.fromkeys(e.pk for e in cited)
    ]
    if rows:
        through.objects.bulk_create(rows)


def _avoids(user: User, county: Region) -> str:
    """Why an expert-group member must stand aside for this county (三回避), or ""."""
    expert = _profile(Expert, user)
    if expert is None:
        return ""
    province = county.province_code
    if expert.employer_province == province:
        return "工作单位所在省"
    if province in expert.took_part_in:
        return "参与过该省的本省评估"
    return ""


# The rules on who may not take a step of a problem they took part in (checked at the step):
# enumerators raise and never conclude, and 专家组核 is by experts other than the one who did 复核.
RAISED_BY_TEAM_REFUSED = (
    "调查员只提出疑点、不下结论：疑点由本小组提出，本小组不能作出“初核：疑点不成立”；"
    "请作出“初核：疑点成立”报带队专家复核"
)
REVIEWED_BY_SELF_REFUSED = "专家组核须由复核以外的专家进行：您已对该问题进行复核，不能再作专家组核"


def _raised_by_team_of(problem: Problem, user: User) -> bool:
    """The user raised the problem, or is on a team of its campaign with the one who did."""
    raiser = problem.raised_by_id
    if raiser is None or not user.is_authenticated:
        return False
    if raiser == user.pk:
        return True
    return (
        Team.objects.filter(campaign_id=problem.campaign_id)
        .filter(Q(experienced_member__user_id=user.pk) | Q(new_member__user_id=user.pk))
        .filter(Q(experienced_member__user_id=raiser) | Q(new_member__user_id=raiser))
        .exists()
    )


def may_dismiss_at_initial(problem: Problem, user: User) -> bool:
    """Whether the rule on who took part lets the user dismiss the problem at 初核 (the check the
    step makes, `RAISED_BY_TEAM_REFUSED`): never the team that raised it. Pages ask it to hide the
    button; the role and the assignment are still the step's own checks."""
    return not _raised_by_team_of(problem, user)


def _reviewed_in_batch(problem: Problem, memo: dict[tuple[object, ...], object]) -> set[object]:
    """Who takes a 复核 step of the problem in items before in the same batch (their steps are
    written with the batch), kept in `memo`."""
    found = _memo(memo, ("reviewed", problem.pk), set)
    assert isinstance(found, set)
    return found


def _reviewed_by(problem: Problem, who: object, memo: dict[tuple[object, ...], object]) -> bool:
    """Whether the user `who` recorded a 复核 step of the problem, or takes one earlier in the
    batch. Within problems_transition the recorded 复核 steps of the batch's problems are read once
    (none is written before the batch ends)."""
    if who in _reviewed_in_batch(problem, memo):
        return True
    batch = memo.get(("batch_problems",))
    if not isinstance(batch, set) or problem.pk not in batch:
        return ProblemStep.objects.filter(
            problem_id=problem.pk, step=Step.REVIEW, user_id=who
        ).exists()
    recorded = _memo(memo, ("recorded_reviews",), lambda: _recorded_reviews(batch))
    assert isinstance(recorded, set)
    return (problem.pk, who) in recorded


def _recorded_reviews(problem_ids: set[object]) -> set[tuple[object, object]]:
    ids = sorted(problem_ids, key=str)
    out: set[tuple[object, object]] = set()
    for start in range(0, len(ids), 500):
        out.update(
            ProblemStep.objects.filter(
                problem_id__in=ids[start : start + 500], step=Step.REVIEW
            ).values_list("problem_id", "user_id")
        )
    return out


def _enumerator_on_problem_in_batch(
    campaign: Campaign,
    user: User,
    county: Region,
    household: Household | None,
    memo: dict[tuple[object, ...], object],
) -> bool:
    """`_enumerator_on_problem`, with the teams of the batch's households (problems_transition puts
    them in `memo` as ("batch_households", campaign id)) and the user's enumerator profile read
    once per batch."""
    households = memo.get(("batch_households", campaign.pk))
    if household is None or not user.is_authenticated or not isinstance(households, set):
        return _enumerator_on_problem(campaign, user, county, household)
    from fupin.assessments.services.evaluators import teams_of_households

    teams = _memo(memo, ("teams", campaign.pk), lambda: teams_of_households(campaign, households))
    mine = _memo(
        memo,
        ("enumerator_ids", user.pk),
        lambda: set(Enumerator.objects.filter(user_id=user.pk).values_list("pk", flat=True)),
    )
    assert isinstance(teams, dict) and isinstance(mine, set)
    return any(
        t.experienced_member_id in mine or t.new_member_id in mine
        for t in teams.get(household.pk, [])
    )


def _check_role(
    problem: Problem,
    user: User,
    role: str,
    step_label: str,
    memo: dict[tuple[object, ...], object] | None = None,
    *,
    action: str = "",
) -> None:
    """Refuse unless the user may take the step; `memo` keeps the answers within one batch (the
    same user, role and place ask the same question of the same locked transaction).

    Besides the role and the assignment, who took part in the problem: the team that raised it
    never dismisses it (`action` 初核：疑点不成立), and an expert who recorded its 复核 never takes
    its 专家组核."""
    memo = {} if memo is None else memo
    campaign, county, household = problem.campaign, problem.county, problem.household
    who = user.pk if user.is_authenticated else None
    if not _memo(memo, ("role", who, role), lambda: has_role(user, role)):
        raise AssessmentError(f"只有{role_label(role)}才能进行{step_label}")
    if role == Role.ENUMERATOR and not _memo(
        memo,
        ("enumerator", who, campaign.pk, county.pk, household.pk if household else None),
        lambda: _enumerator_on_problem_in_batch(campaign, user, county, household, memo),
    ):
        raise AssessmentError(f"{step_label}须由分派到该户的调查小组进行")
    if role == Role.LEAD_EXPERT and not _memo(
        memo,
        ("lead", who, campaign.pk, county.pk),
        lambda: _lead_expert_on_county(campaign, user, county),
    ):
        raise AssessmentError(f"{step_label}须由分派到{county.name}的带队专家进行")
    if role == Role.EXPERT_GROUP and (
        why := _memo(memo, ("avoids", who, county.pk), lambda: _avoids(user, county))
    ):
        raise AssessmentError(f"该专家须回避{county.name}的问题（{why}）")
    if role == Role.EXPERT_GROUP and _reviewed_by(problem, who, memo):
        raise AssessmentError(REVIEWED_BY_SELF_REFUSED)
    if action == ProblemAction.INITIAL_DISMISS and _memo(
        memo, ("raised_by_team", who, problem.pk), lambda: _raised_by_team_of(problem, user)
    ):
        raise AssessmentError(RAISED_BY_TEAM_REFUSED)


def _check_evidence(problem: Problem, evidence: Iterable[Evidence]) -> list[Evidence]:
    """Evidence may be cited only from this problem's own records."""
    items = list(evidence)
    for e in items:
        own = (
            e.problem_id == problem.pk
            or (e.submission_id is not None and e.submission_id == problem.submission_id)
            or (e.explanation_id is not None and e.explanation.problem_id == problem.pk)
            or (e.finding_id is not None and e.finding_id == problem.finding_id)
        )
        if not own:
            raise AssessmentError(f"证据材料 {e.sha256[:12]} 不属于该问题，不能引用")
    return items


def _has_evidence(problem: Problem, cited: list[Evidence]) -> bool:
    if cited:
        return True
    q = Q(problem=problem) | Q(explanation__problem=problem)
    if problem.submission_id:
        q |= Q(submission_id=problem.submission_id)
    if problem.finding_id:
        q |= Q(finding_id=problem.finding_id)
    return Evidence.objects.filter(q).exists()


def _department_raises(
    campaign: Campaign,
    user: User,
    county: Region,
    household: Household | None,
    report: DepartmentReport | UnannouncedFinding | None,
) -> bool:
    """The user holds the department role of the campaign and recorded `report` (a listed
    problem or an unannounced finding, 暗访) for this place."""
    return (
        report is not None
        and user.is_authenticated
        and report.campaign_id == campaign.pk
        and report.recorded_by_id == user.pk
        and report.county_id == county.pk
        and report.household_id == (household.pk if household is not None else None)
        and has_role(user, Role.DEPARTMENT)
    )


@transaction.atomic
def problem_raise(
    *,
    campaign: Campaign,
    county: Region,
    kind: str,
    description: str,
    user: User,
    household: Household | None = None,
    submission: Submission | None = None,
    department_report: DepartmentReport | None = None,
    finding: UnannouncedFinding | None = None,
    evidence: Iterable[Evidence] = (),
    now: dt.datetime | None = None,
) -> Problem:
    """Record a suspected problem (疑点), pending its initial check (初核). `now`: the time it is
    raised, of its first step and its audit row (default: the clock; the simulated run passes
    its own)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status not in OPEN_CAMPAIGN:
        raise AssessmentError(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，不能提出疑点问题"
        )
    if kind not in ProblemKind.values:
        raise AssessmentError(f"未知的问题类型：{kind}")
    if not description.strip():
        raise AssessmentError("请描述疑点问题")
    if county.level != Level.COUNTY:
        raise AssessmentError(f"{county.name}不是县")
    if household is not None and not household.village.code.startswith(county.prefix):
        raise AssessmentError(f"户 {household.household_no} 不在{county.name}")
    if submission is not None and (
        submission.campaign_id != campaign.pk
        or (household is not None and submission.household_id != household.pk)
    ):
        raise AssessmentError("来源问卷不属于本任务或该户")
    roles = _roles_among(user, RAISE_ROLES)
    # A department's listed problem at a sampled household enters 五核 as the department's own
    # (部门提供情况, services/department_reports.py): only from its report, for that place.
    if _department_raises(
        campaign, user, county, household, department_report
    ) or _department_raises(campaign, user, county, household, finding):
        roles = [Role.DEPARTMENT.value]
    allowed = (
        roles == [Role.DEPARTMENT.value]
        or Role.WORKING_GROUP in roles
        or (Role.LEAD_EXPERT in roles and _lead_expert_on_county(campaign, user, county))
        or (Role.ENUMERATOR in roles and _enumerator_on_problem(campaign, user, county, household))
    )
    if not allowed:
        raise AssessmentError("只有分派到该户的调查员、该县的带队专家或评估工作组成员可以提出疑点")
    now = now or timezone.now()
    problem = Problem.objects.create(
        campaign=campaign,
        county=county,
        household=household,
        kind=kind,
        description=description.strip(),
        submission=submission,
        department_report=department_report,
        finding=finding,
        raised_by=user,
        raised_at=now,
    )
    cited = _check_evidence(problem, evidence)
    step = ProblemStep.objects.create(
        problem=problem,
        step=Step.RAISE,
        action=ProblemAction.RAISE,
        from_status="",
        to_status=problem.status,
        user=user,
        actor=actor_name(user),
        role=roles[0] if roles else "",
        opinion=problem.description,
        at=now,
    )
    _cite(step, cited)
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=problem,
        household=household,
        after={"kind": kind, "county": county.code, "status": problem.status},
        reason=f"提出疑点：{problem.get_kind_display()}",
        now=now,
    )
    return problem


@dataclass(frozen=True)
class RaiseItem:
    """One suspected problem of a batch raised from the field (`problems_raise`): what
    `problem_raise` takes for one raised by an enumerator, a lead expert or the working group on
    a household (a department's listed problem or an unannounced finding is raised alone)."""

    county: Region
    kind: str
    description: str
    user: User
    household: Household | None = None
    submission: Submission | None = None
    evidence: Sequence[Evidence] = ()
    client_id: object = None  # the device's id, stored with the problem (problem_raise_once)


class RaiseRefused(AssessmentError):
    """An item of a batch was refused (the message is what problem_raise says for it alone);
    nothing of the batch was written. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def _evidence_of_new(submission: Submission | None, evidence: Iterable[Evidence]) -> list[Evidence]:
    """`_check_evidence` for a problem not yet written (no evidence can be its own or its
    explanations' yet): only its source questionnaire's evidence may be cited."""
    items = list(evidence)
    for e in items:
        if not (
            submission is not None
            and e.submission_id is not None
            and e.submission_id == submission.pk
        ):
            raise AssessmentError(f"证据材料 {e.sha256[:12]} 不属于该问题，不能引用")
    return items


@transaction.atomic
def problems_raise(
    *, campaign: Campaign, items: Iterable[RaiseItem], now: dt.datetime | None = None
) -> list[Problem]:
    """Raise a batch of suspected problems of one campaign, all or nothing: the problems in item
    order, each pending its 初核.

    Each item is checked exactly as `problem_raise` checks one (campaign status, kind,
    description, county, household in the county, source questionnaire, who may raise: the
    working group, the county's lead expert or an enumerator of a team assigned to the household,
    the evidence cited); the campaign is locked and who holds which role and assignment asked
    once per user and place; the problems, their first steps, evidence links and audit rows are
    written with one insert each. The first item refused raises RaiseRefused (its index, the
    single-item message) and nothing is written. `now`: as problem_raise's."""
    from fupin.assessments.services.evaluators import teams_of_households

    batch = list(items)
    if not batch:
        return []
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    now = now or timezone.now()
    memo: dict[tuple[object, ...], object] = {}

    def teams() -> dict[int, list[Team]]:
        found = _memo(
            memo,
            ("teams",),
            lambda: teams_of_households(
                campaign, (i.household.pk for i in batch if i.household is not None)
            ),
        )
        assert isinstance(found, dict)
        return found

    def enumerator_ids(user: User) -> set[object]:
        found = _memo(
            memo,
            ("enumerators", user.pk),
            lambda: set(Enumerator.objects.filter(user_id=user.pk).values_list("pk", flat=True)),
        )
        assert isinstance(found, set)
        return found

    def on_problem(user: User, county: Region, household: Household | None) -> bool:
        if household is None or not user.is_authenticated:  # as _enumerator_on_problem
            return _enumerator_on_problem(campaign, user, county, household)
        mine = enumerator_ids(user)
        return any(
            t.experienced_member_id in mine or t.new_member_id in mine
            for t in teams().get(household.pk, [])
        )

    problems: list[Problem] = []
    roles_of: list[list[str]] = []
    cited_of: list[list[Evidence]] = []
    for index, item in enumerate(batch):
        user, county, household, submission = (
            item.user,
            item.county,
            item.household,
            item.submission,
        )
        try:
            if campaign.status not in OPEN_CAMPAIGN:
                raise AssessmentError(
                    f"任务当前为“{CampaignStatus(campaign.status).label}”，不能提出疑点问题"
                )
            if item.kind not in ProblemKind.values:
                raise AssessmentError(f"未知的问题类型：{item.kind}")
            if not item.description.strip():
                raise AssessmentError("请描述疑点问题")
            if county.level != Level.COUNTY:
                raise AssessmentError(f"{county.name}不是县")
            if household is not None and not household.village.code.startswith(county.prefix):
                raise AssessmentError(f"户 {household.household_no} 不在{county.name}")
            if submission is not None and (
                submission.campaign_id != campaign.pk
                or (household is not None and submission.household_id != household.pk)
            ):
                raise AssessmentError("来源问卷不属于本任务或该户")
            who = user.pk if user.is_authenticated else None
            roles = _memo(memo, ("roles", who), lambda u=user: _roles_among(u, RAISE_ROLES))
            assert isinstance(roles, list)
            allowed = (
                Role.WORKING_GROUP in roles
                or (
                    Role.LEAD_EXPERT in roles
                    and _memo(
                        memo,
                        ("lead", who, county.pk),
                        lambda u=user, c=county: _lead_expert_on_county(campaign, u, c),
                    )
                )
                or (Role.ENUMERATOR in roles and on_problem(user, county, household))
            )
            if not allowed:
                raise AssessmentError(
                    "只有分派到该户的调查员、该县的带队专家或评估工作组成员可以提出疑点"
                )
            cited = _evidence_of_new(submission, item.evidence)
        except AssessmentError as refused:
            raise RaiseRefused(str(refused), index) from None
        problems.append(
            Problem(
                campaign=campaign,
                county=county,
                household=household,
                kind=item.kind,
                description=item.description.strip(),
                submission=submission,
                raised_by=user,
                raised_at=now,
                client_id=item.client_id,
            )
        )
        roles_of.append(roles)
        cited_of.append(cited)
    Problem.objects.bulk_create(problems)
    steps = ProblemStep.objects.bulk_create(
        [
            ProblemStep(
                problem=problem,
                step=Step.RAISE,
                action=ProblemAction.RAISE,
                from_status="",
                to_status=problem.status,
                user=item.user,
                actor=actor_name(item.user),
                role=roles[0] if roles else "",
                opinion=problem.description,
                at=now,
            )
            for problem, item, roles in zip(problems, batch, roles_of, strict=True)
        ]
    )
    _cite_many(list(zip(steps, cited_of, strict=True)))
    audit_record_many(
        audit_entry(
            actor=item.user,
            action=AuditEntry.Action.CREATE,
            obj=problem,
            household=item.household,
            after={"kind": item.kind, "county": item.county.code, "status": problem.status},
            reason=f"提出疑点：{problem.get_kind_display()}",
            now=now,
        )
        for problem, item in zip(problems, batch, strict=True)
    )
    return problems


@dataclass(frozen=True)
class TransitionItem:
    """One verification action of a batch: what `problem_transition` takes for one."""

    problem: Problem
    action: str
    user: User
    opinion: str
    evidence: Sequence[Evidence] = ()
    disputed: bool | None = None


class TransitionRefused(AssessmentError):
    """An action of a batch was refused (the message is what problem_transition says for it alone);
    nothing of the batch was written. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def problem_transition(
    *,
    problem: Problem,
    action: str,
    user: User,
    opinion: str,
    evidence: Iterable[Evidence] = (),
    disputed: bool | None = None,
) -> ProblemStep:
    """Take one verification action if the table allows it from the problem's status and the user
    has the step's role; record who, when, from, to, the opinion and the evidence.
    """
    item = TransitionItem(
        problem=problem,
        action=action,
        user=user,
        opinion=opinion,
        evidence=list(evidence),
        disputed=disputed,
    )
    return problems_transition([item])[0]


@transaction.atomic
def problems_transition(
    items: Iterable[TransitionItem], *, now: dt.datetime | None = None
) -> list[ProblemStep]:
    """Take a batch of verification actions, all or nothing: the recorded steps in item order.

    Each item is checked exactly as `problem_transition` checks one, in item order and against the
    state the items before it left (a problem may appear more than once); the problems are locked
    and read once, who holds which role and assignment is asked once per user and place, and the
    steps, evidence links, status changes and audit rows are written together (the workflow
    helper's bulk form, `transitions`). The first item refused raises TransitionRefused (its
    index, the single-item message) and nothing is written.
    `now`: the time the steps are taken (default: the clock; the simulated run passes its own).
    """
    memo: dict[tuple[object, ...], object] = {}
    cited_of: list[list[Evidence]] = []
    requests = []
    batch = list(items)
    # What the checks ask of every problem of the batch, read once (see _check_role).
    memo[("batch_problems",)] = {item.problem.pk for item in batch}
    for item in batch:
        if item.problem.household_id is not None:
            households = memo.setdefault(("batch_households", item.problem.campaign_id), set())
            assert isinstance(households, set)
            households.add(item.problem.household_id)
    for item in batch:
        at = now or timezone.now()
        requests.append(
            Request(
                obj=item.problem,
                action=item.action,
                user=item.user,
                check=_problem_check(item, at, memo, cited_of),
                opinion=item.opinion.strip(),
                now=at,
            )
        )
    try:
        steps = transitions(PROBLEM_WORKFLOW, requests)
    except BatchRefused as refused:
        raise TransitionRefused(str(refused.error), refused.index) from None
    _cite_many(list(zip(steps, cited_of, strict=True)))
    return steps


def _explained(problem: Problem, memo: dict[tuple[object, ...], object]) -> bool:
    """Whether the county gave an explanation of the problem (read once for the batch's problems:
    a transition writes none)."""
    batch = memo.get(("batch_problems",))
    if not isinstance(batch, set) or problem.pk not in batch:
        return bool(problem.explanations.exists())
    found = _memo(
        memo,
        ("explained",),
        lambda: set(
            ProblemExplanation.objects.filter(problem_id__in=batch).values_list(
                "problem_id", flat=True
            )
        ),
    )
    assert isinstance(found, set)
    return problem.pk in found


def _memo(
    memo: dict[tuple[object, ...], object], key: tuple[object, ...], ask: Callable[[], object]
) -> object:
    if key not in memo:
        memo[key] = ask()
    return memo[key]


def _problem_refused(_problem: Problem, status: str, action: str) -> str:
    if action not in ProblemAction.values or action == ProblemAction.RAISE:
        return f"未知的核实操作：{action}"
    action_label = str(ProblemAction(action).label)
    if status in PROBLEM_CLOSED:
        return f"该问题已办结（{_label(status)}），不能再进行“{action_label}”"
    return f"该问题当前为“{_label(status)}”，不能进行“{action_label}”"


# A suspected problem's verification (its table: workflows.PROBLEM_TRANSITIONS). Who may take a
# step (the role, the assignment, the avoidance rules) is asked in the check, after the campaign's
# status (`_check_role`), once per user and place within a batch.
PROBLEM_WORKFLOW: Workflow[Problem, ProblemStep] = Workflow(
    table=PROBLEM_TRANSITIONS,
    step_model=ProblemStep,
    link="problem",
    holds=None,
    refused=_problem_refused,
    denied=None,
    error=AssessmentError,
    queryset=lambda: Problem.objects.select_related("campaign", "county", "household"),
    household=lambda problem: problem.household,
)


def _problem_check(
    item: TransitionItem,
    now: dt.datetime,
    memo: dict[tuple[object, ...], object],
    cited_of: list[list[Evidence]],
) -> Callable[[Problem, Move], Outcome]:
    """The checks of one action beyond the table, on the locked problem (as the items before it
    left it), and what it records besides; the evidence it cites is appended to `cited_of`."""
    action, user, opinion, disputed = item.action, item.user, item.opinion, item.disputed

    def check(problem: Problem, move: Move) -> Outcome:
        action_label = str(ProblemAction(action).label)
        step_label = str(Step(move.step).label)
        if problem.campaign.status not in OPEN_CAMPAIGN:
            raise AssessmentError(
                f"任务当前为“{CampaignStatus(problem.campaign.status).label}”，不能再核实问题"
            )
        _check_role(problem, user, move.role, step_label, memo, action=action)
        if not opinion.strip():
            raise AssessmentError(f"请填写{step_label}意见")
        key = (problem.status, action)
        if key in DISPUTED_TARGET:
            if disputed is None:
                raise AssessmentError("复核结论须说明地方与核查组意见是否存在争议")
            if disputed and not _explained(problem, memo):
                raise AssessmentError("地方未提出说明，不存在争议，不能送部门核")
        elif disputed is not None:
            raise AssessmentError("只有复核结论需要说明是否存在争议")
        if (
            key in AFTER_EXPLANATION_WINDOW
            and problem.explain_until
            and now < problem.explain_until
        ):
            until = timezone.localtime(problem.explain_until).strftime("%Y-%m-%d %H:%M")
            raise AssessmentError(f"地方说明期至 {until}，期满后才能作出复核结论")
        cited = _check_evidence(problem, item.evidence)
        if action == ProblemAction.FINAL_CONFIRM and not _has_evidence(problem, cited):
            raise AssessmentError("没有任何证据材料，证据不足的不予认定")
        changes: dict[str, object] = {}
        if action == ProblemAction.REVIEW:
            changes["explain_until"] = now + dt.timedelta(
                hours=problem.campaign.explain_window_hours
            )
        if disputed is not None:
            changes["disputed"] = disputed
        if move.step == Step.REVIEW:
            _reviewed_in_batch(problem, memo).add(user.pk)  # for an expert-group item after it
        cited_of.append(cited)
        return Outcome(
            to=DISPUTED_TARGET[key] if key in DISPUTED_TARGET and disputed else move.to,
            step={"step": move.step, "action": action, "role": move.role, "disputed": disputed},
            changes=changes,
            note=f"{step_label}：{action_label}",
        )

    return check


@transaction.atomic
def problem_explain(
    *, problem: Problem, user: User, text: str, now: dt.datetime | None = None
) -> ProblemExplanation:
    """A county officer's explanation during the review window; documents follow via evidence_receive.
    `now`: the time it is given (default: the clock; the simulated run passes its own)."""
    problem = (
        Problem.objects.select_for_update(of=("self",)).select_related("county").get(pk=problem.pk)
    )
    if not has_role_in(user, Role.COUNTY_OFFICER, problem.county_id):
        raise AssessmentError(f"只有{problem.county.name}的县级干部可以对该问题作出说明")
    if problem.status != ProblemStatus.EXPLAINING:
        raise AssessmentError(f"该问题当前为“{_label(problem.status)}”，不在地方说明期")
    if problem.explain_until is not None and (now or timezone.now()) > problem.explain_until:
        raise AssessmentError("地方说明期已过，不能再作说明")
    if not text.strip():
        raise AssessmentError("请填写说明")
    explanation = ProblemExplanation.objects.create(
        problem=problem, text=text.strip(), user=user, at=now or timezone.now()
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=explanation,
        household=problem.household,
        reason=f"地方说明：问题 {problem.pk}",
        now=now,
    )
    return explanation


@dataclass(frozen=True)
class ExplainItem:
    """One explanation of a batch: what `problem_explain` takes for one."""

    problem: Problem
    user: User
    text: str


class ExplainRefused(AssessmentError):
    """An item of a batch was refused (the message is what problem_explain says for it alone);
    nothing of the batch was written. `index` is the item's position in the batch."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@transaction.atomic
def problems_explain(
    items: Iterable[ExplainItem], *, now: dt.datetime | None = None
) -> list[ProblemExplanation]:
    """County officers' explanations of many problems, all or nothing: the explanations in item
    order. Each item is checked exactly as `problem_explain` checks one (the county officer of the
    problem's county, the problem in its explanation window, a text); the problems are locked and
    read in one query, who holds the role asked once per user and county, and the explanations and
    their audit rows inserted together. The first item refused raises ExplainRefused (its index,
    the single-item message) and nothing is written."""
    batch = list(items)
    if not batch:
        return []
    at = now or timezone.now()
    ids = sorted({item.problem.pk for item in batch})
    locked: dict[object, Problem] = {}
    for start in range(0, len(ids), 500):
        locked.update(
            (p.pk, p)
            for p in Problem.objects.select_for_update(of=("self",))
            .select_related("county", "household")
            .filter(pk__in=ids[start : start + 500])
        )
    memo: dict[tuple[object, ...], object] = {}
    made: list[ProblemExplanation] = []
    for index, item in enumerate(batch):
        problem, user = locked[item.problem.pk], item.user
        try:
            if not _memo(
                memo,
                ("county_officer", user.pk, problem.county_id),
                lambda u=user, c=problem.county_id: has_role_in(u, Role.COUNTY_OFFICER, c),
            ):
                raise AssessmentError(f"只有{problem.county.name}的县级干部可以对该问题作出说明")
            if problem.status != ProblemStatus.EXPLAINING:
                raise AssessmentError(f"该问题当前为“{_label(problem.status)}”，不在地方说明期")
            if problem.explain_until is not None and at > problem.explain_until:
                raise AssessmentError("地方说明期已过，不能再作说明")
            if not item.text.strip():
                raise AssessmentError("请填写说明")
        except AssessmentError as refused:
            raise ExplainRefused(str(refused), index) from None
        made.append(ProblemExplanation(problem=problem, text=item.text.strip(), user=user, at=at))
    ProblemExplanation.objects.bulk_create(made)
    audit_record_many(
        audit_entry(
            actor=item.user,
            action=AuditEntry.Action.CREATE,
            obj=explanation,
            household=explanation.problem.household,
            reason=f"地方说明：问题 {explanation.problem_id}",
            now=at,
        )
        for item, explanation in zip(batch, made, strict=True)
    )
    return made


def problems_confirmed(campaign: Campaign, county: Region | str | None = None) -> QuerySet[Problem]:
    """The problems that count: confirmed by the working group at 终核, nothing else."""
    final = ProblemStep.objects.filter(problem=OuterRef("pk"), action=ProblemAction.FINAL_CONFIRM)
    qs = Problem.objects.filter(campaign=campaign, status=ProblemStatus.CONFIRMED).filter(
        Exists(final)
    )
    if isinstance(county, Region):
        qs = qs.filter(county=county)
    elif county is not None:
        qs = qs.filter(county__code=county)
    return qs.order_by("county__code", "id")
