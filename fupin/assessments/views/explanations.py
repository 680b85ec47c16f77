"""Local explanations (地方说明): a county officer's problems in the explanation window, and the form.

County poverty offices see a campaign only once it is decided, so this page is their one view of a
campaign under verification: only the problems `selectors.problems_awaiting_explanation_for` lists
(the rule `problem_explain` enforces), never the campaign, its sample or the evidence. Whether an
explanation is accepted is decided by `problem_explain` alone; a refusal shows its message and
changes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.views.decorators.http import require_http_methods

from fupin.accounts.models import Role
from fupin.assessments import selectors
from fupin.assessments.models import Problem, ProblemStep
from fupin.assessments.services import AssessmentError, problem_explain
from fupin.assessments.views.common import refusal_status
from fupin.assessments.views.review import household_head
from fupin.assessments.workflows import ProblemAction

PER_PAGE = 50


def _awaiting(request: HttpRequest) -> QuerySet[Problem]:
    reviews = ProblemStep.objects.filter(action=ProblemAction.REVIEW).order_by("at", "id")
    return (
        selectors.problems_awaiting_explanation_for(request.user)
        .select_related("campaign", "county", "household__village")
        .prefetch_related(
            "household__members", Prefetch("steps", queryset=reviews), "explanations__user"
        )
        .order_by("explain_until", "id")
    )


def _entry(problem: Problem, now: Any, *, error: str = "", text: str = "") -> dict[str, Any]:
    """What the page shows of one problem: never the full ID, only the head's masked one."""
    head = household_head(problem)
    reviews = list(problem.steps.all())  # prefetched: the 复核 steps that opened the window
    return {
        "problem": problem,
        "head_name": head.name if head else "",
        "head_id": head.masked_id if head else "",
        "review": reviews[-1] if reviews else None,
        "open": problem.explain_until is None or now <= problem.explain_until,
        "explanations": list(problem.explanations.all()),
        "error": error,
        "text": text,
    }


def _page(
    request: HttpRequest,
    *,
    error: str = "",
    failed: int | None = None,
    text: str = "",
    status: int = 200,
) -> HttpResponse:
    page = Paginator(_awaiting(request), PER_PAGE).get_page(request.GET.get("page"))
    now = timezone.now()
    entries = [
        _entry(p, now, error=error if p.pk == failed else "", text=text if p.pk == failed else "")
        for p in page
    ]
    return render(
        request,
        "assessments/explanations.html",
        {"entries": entries, "page": page, "error": error},
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def explanations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    raw = request.POST.get("problem", "")
    text = request.POST.get("text", "")
    problem = _awaiting(request).filter(pk=int(raw)).first() if raw.isdigit() else None
    if problem is None:
        # Not one of the user's: say nothing about it (a forged or stale id alike).
        return _page(request, error=_t("该问题不在您可作说明的范围内，未作任何更改"), status=404)
    try:
        problem_explain(problem=problem, user=request.user, text=text)
    except AssessmentError as refused:
        return _page(
            request,
            error=str(refused),
            failed=problem.pk,
            text=text,
            status=refusal_status(request.user, Role.COUNTY_OFFICER),
        )
    messages.success(request, _t("已提交对问题 #%(id)s 的说明") % {"id": problem.pk})
    return redirect("assessments:explanations")
