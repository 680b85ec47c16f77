"""What every assessment page shares: the scoped lookups, the roles a user holds, refusal answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from fupin.accounts.roles import has_role
from fupin.assessments.models import Campaign, Evidence, Problem
from fupin.assessments.selectors import campaigns_for
from fupin.assessments.services import assessed_counties
from fupin.regions.models import Level, Region
from fupin.registry.selectors import households_for, regions_for


def campaign_or_404(request: HttpRequest, pk: int) -> Campaign:
    return get_object_or_404(campaigns_for(request.user), pk=pk)


def visible_counties(user: Any, campaign: Campaign) -> list[Region]:
    """The counties the campaign assesses that the user may see (by code, never by result)."""
    counties = assessed_counties(campaign)
    seen = set(
        regions_for(user).filter(pk__in=[c.pk for c in counties]).values_list("pk", flat=True)
    )
    return [c for c in counties if c.pk in seen]


def county_or_404(user: Any, campaign: Campaign, code: str) -> Region:
    """A county the campaign assesses and the user may see; 404 otherwise (a guess says nothing)."""
    if len(code) == 6 and code.isdigit():
        code += "000000"
    for county in visible_counties(user, campaign):
        if county.code == code and county.level == Level.COUNTY:
            return county
    raise Http404


def problems_for(user: Any, campaign: Campaign) -> QuerySet[Problem]:
    """The campaign's problems the user may see: of households in their scope, or (county-level
    problems without a household) of counties in their scope. Working-group members' scope is the
    campaign's counties, so they see every problem of the campaign."""
    if not campaigns_for(user).filter(pk=campaign.pk).exists():
        return Problem.objects.none()
    q = Q(household__in=households_for(user)) | Q(
        household__isnull=True, county__in=regions_for(user)
    )
    return Problem.objects.filter(campaign=campaign).filter(q)


def refusal_status(user: Any, role: str | None) -> int:
    """403 when the user lacks the step's role, 409 when the state or the rules refuse the move."""
    return 403 if role is not None and not has_role(user, role) else 409


def evidence_of(problem: Problem) -> QuerySet[Evidence]:
    """Every evidence item the problem may cite: its own, its questionnaire's, the explanations'."""
    q = Q(problem=problem) | Q(explanation__problem=problem)
    if problem.submission_id:
        q |= Q(submission_id=problem.submission_id)
    if problem.finding_id:
        q |= Q(finding_id=problem.finding_id)
    return Evidence.objects.filter(q).order_by("received_at", "id")
