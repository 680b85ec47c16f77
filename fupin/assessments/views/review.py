"""Review queues (五核): one page per verification step, and the actions the transition table allows.

The page offers only the actions whose role the user holds; whether an action is really allowed is
decided by `problem_transition` alone, and a refused POST shows its message and changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_POST

from fupin.accounts.models import Role
from fupin.accounts.roles import roles_held
from fupin.assessments.models import Campaign, Evidence, Problem
from fupin.assessments.services import AssessmentError, problem_transition
from fupin.assessments.services.verification import may_dismiss_at_initial
from fupin.assessments.views.common import (
    campaign_or_404,
    evidence_of,
    problems_for,
    refusal_status,
)
from fupin.assessments.workflows import (
    DISPUTED_TARGET,
    PROBLEM_TRANSITIONS,
    ProblemAction,
    ProblemStatus,
    Step,
)
from fupin.registry.models import Relation

STEP_ORDER = [
    Step.INITIAL.value,
    Step.REVIEW.value,
    Step.DEPARTMENT.value,
    Step.EXPERT.value,
    Step.FINAL.value,
]

# step → the statuses a problem waits at for that step, read from the transition table.
STEP_STATUSES: dict[str, list[str]] = {
    step: list(
        dict.fromkeys(frm for (frm, _a), move in PROBLEM_TRANSITIONS.items() if move.step == step)
    )
    for step in STEP_ORDER
}
STATUS_STEP = {status: step for step, statuses in STEP_STATUSES.items() for status in statuses}
PER_PAGE = 50


def household_head(problem: Problem) -> Any:
    if problem.household is None:
        return None
    members = list(problem.household.members.all())
    return next(
        (m for m in members if m.relation == Relation.HEAD), members[0] if members else None
    )


def problem_entry(problem: Problem, held: set[str], user: Any, error: str = "") -> dict[str, Any]:
    """What the page shows of one problem: the household (masked ID), evidence, history, actions.

    An action is offered when the user holds its role, except the 初核 dismissal to the team that
    raised the problem (the step's own rule, asked of the service)."""
    actions, waiting = [], []
    for (frm, action), move in PROBLEM_TRANSITIONS.items():
        if frm != problem.status:
            continue
        if move.role in held:
            if action == ProblemAction.INITIAL_DISMISS and not may_dismiss_at_initial(
                problem, user
            ):
                continue
            actions.append(
                {
                    "action": action,
                    "label": ProblemAction(action).label,
                    "disputed": (frm, action) in DISPUTED_TARGET,
                }
            )
        elif (label := Role(move.role).label) not in waiting:
            waiting.append(label)
    head = household_head(problem)
    return {
        "problem": problem,
        "step": STATUS_STEP.get(problem.status, ""),
        "head_name": head.name if head else "",
        "head_id": head.masked_id if head else "",
        "evidence": list(evidence_of(problem)),
        "steps": list(problem.steps.all()),
        "explanations": list(problem.explanations.all()),
        "actions": actions,
        "asks_disputed": any(a["disputed"] for a in actions),
        "waiting": waiting,
        "error": error,
    }


def _scoped(request: HttpRequest, campaign: Campaign) -> Any:
    return (
        problems_for(request.user, campaign)
        .select_related("county", "household__village")
        .prefetch_related(
            "household__members", "steps__user", "steps__evidence", "explanations__user"
        )
        .order_by("county__code", "id")
    )


def _queue(
    request: HttpRequest,
    campaign: Campaign,
    step: str,
    *,
    error: str = "",
    failed: int | None = None,
    status: int = 200,
) -> HttpResponse:
    held = roles_held(request.user)
    page = Paginator(
        _scoped(request, campaign).filter(status__in=STEP_STATUSES[step]), PER_PAGE
    ).get_page(request.GET.get("page"))
    entries = [problem_entry(p, held, request.user, error if p.pk == failed else "") for p in page]
    return render(
        request,
        "assessments/review_queue.html",
        {
            "campaign": campaign,
            "step": step,
            "step_label": Step(step).label,
            "statuses": [ProblemStatus(s).label for s in STEP_STATUSES[step]],
            "steps": [(s, Step(s).label) for s in STEP_ORDER],
            "entries": entries,
            "page": page,
            "error": error,
        },
        status=status,
    )


@login_required
def review_queue(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    if step not in STEP_STATUSES:
        raise Http404
    return _queue(request, campaign, step)


def _problem_page(
    request: HttpRequest,
    campaign: Campaign,
    problem: Problem,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    entry = problem_entry(problem, roles_held(request.user), request.user, error)
    return render(
        request,
        "assessments/problem_detail.html",
        {"campaign": campaign, "entry": entry, "error": error},
        status=status,
    )


@login_required
def problem_detail(request: HttpRequest, pk: int, problem_pk: int) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    problem = get_object_or_404(_scoped(request, campaign), pk=problem_pk)
    return _problem_page(request, campaign, problem)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit()]


@login_required
@require_POST
def problem_act(request: HttpRequest, pk: int, problem_pk: int) -> HttpResponse:
    """Take one verification action through `problem_transition`; a refusal changes nothing."""
    campaign = campaign_or_404(request, pk)
    problem = get_object_or_404(_scoped(request, campaign), pk=problem_pk)
    action = request.POST.get("action", "")
    back = request.POST.get("back", "")
    step = request.POST.get("step", "")
    if step not in STEP_STATUSES:
        step = STATUS_STEP.get(problem.status, STEP_ORDER[0])
    move = PROBLEM_TRANSITIONS.get((problem.status, action))
    disputed = None
    if (problem.status, action) in DISPUTED_TARGET:
        disputed = {"yes": True, "no": False}.get(request.POST.get("disputed", ""))
    cited = Evidence.objects.filter(pk__in=_ids(request.POST.getlist("evidence")))
    try:
        problem_transition(
            problem=problem,
            action=action,
            user=request.user,
            opinion=request.POST.get("opinion", ""),
            evidence=list(cited),
            disputed=disputed,
        )
    except AssessmentError as refused:
        status = refusal_status(request.user, move.role if move else None)
        problem.refresh_from_db()
        if back == "problem":
            return _problem_page(request, campaign, problem, error=str(refused), status=status)
        return _queue(request, campaign, step, error=str(refused), failed=problem.pk, status=status)
    problem.refresh_from_db()
    messages.success(
        request,
        _t("问题 #%(id)s 已完成“%(action)s”，现为“%(status)s”")
        % {
            "id": problem.pk,
            "action": ProblemAction(action).label,
            "status": problem.get_status_display(),
        },
    )
    if back == "problem":
        return redirect("assessments:problem", pk=campaign.pk, problem_pk=problem.pk)
    return redirect("assessments:review", pk=campaign.pk, step=step)
