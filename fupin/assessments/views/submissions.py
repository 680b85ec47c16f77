"""One received household questionnaire on a page, its answers rendered against the questionnaire
version it was given under (a v1 submission reads as v1 asked it, after v2 is installed)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from fupin.assessments.models import Campaign, Submission
from fupin.assessments.services.surveys import answers_read
from fupin.assessments.views.common import campaign_or_404
from fupin.registry.models import Person, Relation
from fupin.registry.selectors import households_for


def submission_for(user: object, campaign: Campaign, pk: int) -> Submission | None:
    """The campaign's submission if the user may see its household (the problems' scope rule)."""
    return (
        Submission.objects.filter(
            campaign=campaign,
            pk=pk,
            household__in=households_for(user),  # type: ignore[arg-type]
        )
        .select_related("household__village__parent", "questionnaire", "enumerator", "team")
        .first()
    )


@login_required
@require_safe
def submission_page(request: HttpRequest, pk: int, submission_pk: int) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    submission = submission_for(request.user, campaign, submission_pk)
    if submission is None:
        raise Http404
    head = Person.objects.filter(household=submission.household, relation=Relation.HEAD).first()
    return render(
        request,
        "assessments/submission.html",
        {
            "campaign": campaign,
            "s": submission,
            "head": head,
            "sections": answers_read(submission.questionnaire.schema, submission.answers or {}),
        },
    )
