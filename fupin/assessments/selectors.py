"""Read-side queries for assessments, and the part of every user's scope that assessments grant.

`accounts.scoping.scope_for` holds the region rule; the campaigns a user works on or may read
come from here (`campaign_scope` and `evaluation_scope`, registered in `AssessmentsConfig.ready`):

- poverty offices see the campaigns that assessed a county of their region once results are out
  (decided, feedback, closed: never during fieldwork or verification);
- a role tied to a campaign (its working group, department and expert-group staff) sees that
  campaign and every county it assesses;
- enumerators see their team's households, experts and institution admins the sampled households
  of their counties, in the assignment in force, and only while the campaign is in fieldwork or
  verification.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from fupin.accounts.models import Membership, Role
from fupin.accounts.roles import has_role
from fupin.accounts.scoping import AnyUser, Grants, Scope, is_active, scope_for, user_flag
from fupin.assessments.models import (
    Campaign,
    DrawItem,
    DrawLevel,
    Enumerator,
    Expert,
    Problem,
    Team,
)
from fupin.assessments.services.draws import draws_current
from fupin.assessments.services.evaluators import assessed_counties, assignment_current
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.regions.models import Region

# Evaluators work on a campaign only while it is in the field or under verification.
EVALUATION_STATUSES = (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)
# Poverty offices see a campaign that assessed their region only once its results are out.
RESULT_STATUSES = (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK, CampaignStatus.CLOSED)


def campaign_scope(scope: Scope, grants: Grants) -> None:
    """Campaigns with results that assessed a county inside one of the user's offices' regions,
    and the campaigns (with their counties) of the user's campaign-bound roles."""
    if grants.office_prefixes:
        prefixes = grants.office_prefixes  # read when a page asks for campaigns (most don't)
        scope.campaigns_later(lambda: _campaigns_assessing(prefixes))
    for m in grants.memberships:  # a campaign's working group and verification staff
        if m.campaign is not None:
            scope.campaigns_found.add(m.campaign.pk)
            scope.prefixes += [c.prefix for c in assessed_counties(m.campaign)]


def _campaigns_assessing(prefixes: list[str]) -> set[int]:
    """The campaigns with results that assessed a county under one of the prefixes (the one rule,
    `assessed_counties`, campaign by campaign)."""
    return {
        campaign.pk
        for campaign in Campaign.objects.filter(status__in=RESULT_STATUSES)
        if any(c.code.startswith(p) for c in assessed_counties(campaign) for p in prefixes)
    }


def _sampled_households(campaign: Campaign, county_ids: list[int]) -> Q:
    keys = DrawItem.objects.filter(
        draw__in=draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD, county_id__in=county_ids)
    ).values("unit_key")
    return Q(household_no__in=keys)


def evaluation_scope(scope: Scope, grants: Grants) -> None:
    """The households (and counties) of the campaigns in the field that the user evaluates."""
    roles, user, memberships = grants.roles, grants.user, grants.memberships
    # An enumerator's team assignment is the grant, as a liaison's unit is (no role row needed):
    # the enumerator role is what lets them take verification steps, not what they see.
    if user_flag(user, "is_enumerator") is False:
        enumerator = None  # read with the user in this request: no enumerator's row
    else:
        enumerator = Enumerator.objects.filter(user=user).first()
    if enumerator is None and not roles & {Role.EXPERT, Role.INSTITUTION_ADMIN}:
        return
    campaigns = list(Campaign.objects.filter(status__in=EVALUATION_STATUSES))
    if not campaigns:
        return
    if enumerator is not None:
        for campaign in campaigns:
            run = assignment_current(campaign, "team")
            teams = Team.objects.filter(campaign=campaign).filter(
                Q(experienced_member=enumerator) | Q(new_member=enumerator)
            )
            if run is None or not teams.exists():
                continue
            ids = run.team_households.filter(team__in=teams).values("household_id")
            if not ids.exists():  # a team with no households here has nothing of the campaign
                continue
            scope.households.append(Q(pk__in=ids))
            scope.village_households.append(Q(pk__in=ids))
            scope.campaigns_found.add(campaign.pk)
    expert = Expert.objects.filter(user=user).first() if Role.EXPERT in roles else None
    institutions = [
        m.institution_id
        for m in memberships
        if m.role == Role.INSTITUTION_ADMIN and m.institution_id
    ]
    for campaign in campaigns:
        county_ids: set[int] = set()
        if expert is not None and (run := assignment_current(campaign, "expert")):
            county_ids |= set(
                run.expert_counties.filter(expert=expert).values_list("county_id", flat=True)
            )
        if institutions and (run := assignment_current(campaign, "institution")):
            county_ids |= set(
                run.institution_counties.filter(institution_id__in=institutions).values_list(
                    "county_id", flat=True
                )
            )
        if not county_ids:
            continue
        scope.campaigns_found.add(campaign.pk)
        scope.households.append(_sampled_households(campaign, sorted(county_ids)))
        scope.county_prefixes += [r.prefix for r in Region.objects.filter(pk__in=county_ids)]


def evaluation_scope_flags() -> dict[str, Exists]:
    """The flag `evaluation_scope` tests (registered with it, read with the signed-in user)."""
    return {"is_enumerator": Exists(Enumerator.objects.filter(user=OuterRef("pk")))}


def campaigns_for(user: AnyUser) -> QuerySet[Campaign]:
    """The campaigns a user may see: the one place assessment reads are scoped."""
    scope = scope_for(user)
    if scope.everything:
        return Campaign.objects.all()
    return Campaign.objects.filter(pk__in=sorted(scope.campaign_ids))


def problems_awaiting_explanation_for(user: AnyUser) -> QuerySet[Problem]:
    """The problems in the local explanation window (地方说明期) the user may explain.

    The rule `assessments.services.problem_explain` enforces, so that the page lists exactly what
    the service would accept (bar a window that has run out): an active member of the
    county_officer role for the problem's county (a Membership with that county). A county poverty
    office's Membership alone grants nothing here, and there is no superuser shortcut (分工负责).
    """
    if not is_active(user) or not has_role(user, Role.COUNTY_OFFICER):
        return Problem.objects.none()
    counties = Membership.objects.filter(
        user_id=user.pk, role=Role.COUNTY_OFFICER, region__isnull=False
    ).values("region_id")
    return Problem.objects.filter(status=ProblemStatus.EXPLAINING, county_id__in=counties)
