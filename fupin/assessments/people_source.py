"""What the people pages and API (fupin.accounts.people, below this app) learn about a campaign:
who its evaluators are, and the working group's rules for giving and ending its verification
roles (the same services as the assignments page). Registered in AssessmentsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from fupin.accounts.models import Membership, Role
from fupin.accounts.people import CampaignPeopleSource, PeopleError, campaign_people_source
from fupin.assessments.models import Campaign, ExpertCounty, InstitutionCounty, Team
from fupin.assessments.services import AssessmentError, campaign_role_end, campaign_role_grant


def campaign_members(campaign: Campaign) -> QuerySet[Any]:
    """The user ids of the campaign's evaluators: experts and teams' enumerators assigned by any of
    its runs, and the admins of the institutions assigned to it."""
    teams = Team.objects.filter(campaign=campaign)
    assigned = InstitutionCounty.objects.filter(assignment__campaign=campaign)
    admins = Membership.objects.filter(
        Q(institution_id__in=assigned.values("institution_id"))
        | Q(institution_id__in=teams.values("institution_id")),
        role=Role.INSTITUTION_ADMIN,
    ).values("user_id")
    q = (
        Q(pk__in=ExpertCounty.objects.filter(assignment__campaign=campaign).values("expert__user"))
        | Q(pk__in=teams.values("experienced_member__user"))
        | Q(pk__in=teams.values("new_member__user"))
        | Q(pk__in=admins)
    )
    return get_user_model().objects.filter(q).values("pk")


def _grant(campaign: Any, actor: Any, person: Any, role: str) -> Membership:
    try:
        return campaign_role_grant(campaign, user=actor, person=person, role=role)
    except AssessmentError as refused:
        raise PeopleError(str(refused)) from None


def _end(campaign: Any, actor: Any, person: Any, role: str) -> None:
    try:
        campaign_role_end(campaign, user=actor, person=person, role=role)
    except AssessmentError as refused:
        raise PeopleError(str(refused)) from None


def register() -> None:
    campaign_people_source(CampaignPeopleSource(members=campaign_members, grant=_grant, end=_end))
