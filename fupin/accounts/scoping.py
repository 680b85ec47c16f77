"""What a user may see: the one place every app's reads are scoped (healthchecks' `_get_check_for_user`).

Each app keeps its own entry point (`registry.selectors.households_for`, `assessments.views.campaigns_for`)
and calls into this module, so that a view cannot forget the scope and the rules live in one file:

- superusers (system admins) see everything;
- poverty offices see their region and everything below it, by code prefix, and the campaigns
  that assessed a county of their region once results are out (decided, feedback, closed: never
  during fieldwork or verification);
- helping cadres see the households they are paired with today (`assistance.HouseholdPairing`)
  and those villages; a helping unit's liaison sees the villages the unit is paired with;
- enumerators see their team's households, experts and institution admins the sampled households of
  their counties, in the assignment in force, and only while the campaign is in fieldwork or
  verification;
- working-group members see the campaigns they belong to and every county those campaigns assess;
- anyone else, including plain `is_staff` users, sees nothing.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from fupin.accounts.models import (
    FULL_ID_ROLES,
    OFFICE_LEVEL,
    CampaignMember,
    Membership,
    Role,
)
from fupin.assessments.models import Campaign, DrawItem, DrawLevel, Enumerator, Expert, Team
from fupin.assessments.services.draws import draws_current
from fupin.assessments.services.evaluators import assessed_counties, assignment_current
from fupin.assessments.workflows import CampaignStatus
from fupin.assistance.models import HouseholdPairing, VillagePairing
from fupin.regions.models import Region
from fupin.registry.models import Household

AnyUser = AbstractBaseUser | AnonymousUser

# Evaluators work on a campaign only while it is in the field or under verification.
EVALUATION_STATUSES = (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)
# Poverty offices see a campaign that assessed their region only once its results are out.
RESULT_STATUSES = (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK, CampaignStatus.CLOSED)


@dataclass
class Scope:
    """Everything a user may see, computed once from their memberships and assignments."""

    everything: bool = False
    prefixes: list[str] = field(default_factory=list)  # whole subtrees (offices, working groups)
    county_prefixes: list[str] = field(default_factory=list)  # evaluators' counties (regions only)
    households: list[Q] = field(default_factory=list)  # single households (cadres, evaluators)
    village_households: list[Q] = field(default_factory=list)  # whose villages become visible
    campaign_ids: set[int] = field(default_factory=set)


def _active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _minimal(prefixes: list[str]) -> list[str]:
    """Drop prefixes covered by a shorter one (a county under a province adds nothing)."""
    out: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return sorted(out)


def _sampled_households(campaign: Campaign, county_ids: list[int]) -> Q:
    keys = DrawItem.objects.filter(
        draw__in=draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD, county_id__in=county_ids)
    ).values("unit_key")
    return Q(household_no__in=keys)


def _add_evaluation(
    scope: Scope, user: AbstractBaseUser, roles: set[str], memberships: list[Membership]
) -> None:
    campaigns = list(Campaign.objects.filter(status__in=EVALUATION_STATUSES))
    if not campaigns:
        return
    if Role.ENUMERATOR in roles and (enumerator := Enumerator.objects.filter(user=user).first()):
        for campaign in campaigns:
            run = assignment_current(campaign, "team")
            teams = Team.objects.filter(campaign=campaign).filter(
                Q(experienced_member=enumerator) | Q(new_member=enumerator)
            )
            if run is None or not teams.exists():
                continue
            ids = run.team_households.filter(team__in=teams).values("household_id")
            scope.households.append(Q(pk__in=ids))
            scope.village_households.append(Q(pk__in=ids))
            scope.campaign_ids.add(campaign.pk)
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
        scope.campaign_ids.add(campaign.pk)
        scope.households.append(_sampled_households(campaign, sorted(county_ids)))
        scope.county_prefixes += [r.prefix for r in Region.objects.filter(pk__in=county_ids)]


def _add_assessed_campaigns(scope: Scope, office_prefixes: list[str]) -> None:
    """Campaigns with results that assessed a county inside one of the offices' regions."""
    if not office_prefixes:
        return
    for campaign in Campaign.objects.filter(status__in=RESULT_STATUSES):
        if any(c.code.startswith(p) for c in assessed_counties(campaign) for p in office_prefixes):
            scope.campaign_ids.add(campaign.pk)


def scope_for(user: AnyUser) -> Scope:
    """The user's whole scope; the four functions below read it."""
    if not _active(user):
        return Scope()
    if getattr(user, "is_superuser", False):
        return Scope(everything=True, prefixes=[""])
    assert isinstance(user, AbstractBaseUser)
    memberships = list(Membership.objects.filter(user=user).select_related("region"))
    roles = {m.role for m in memberships}
    scope = Scope()
    for m in memberships:
        if (
            m.role in OFFICE_LEVEL
            and m.region is not None
            and m.region.level == OFFICE_LEVEL[m.role]
        ):
            scope.prefixes.append(m.region.prefix)
    _add_assessed_campaigns(scope, _minimal(scope.prefixes))
    if Role.WORKING_GROUP in roles:
        for member in CampaignMember.objects.filter(user=user).select_related("campaign"):
            scope.campaign_ids.add(member.campaign_id)
            scope.prefixes += [c.prefix for c in assessed_counties(member.campaign)]
    if Role.HELPING_CADRE in roles:
        ids = HouseholdPairing.objects.active().filter(cadre=user).values("household_id")
        scope.households.append(Q(pk__in=ids))
        scope.village_households.append(Q(pk__in=ids))
    # A helping unit's liaison sees the villages the unit is paired with, whole (no role needed:
    # the HelpingUnitMember row is the grant).
    scope.prefixes += list(
        VillagePairing.objects.active()
        .filter(unit__members__user=user)
        .values_list("village__code", flat=True)
    )
    if roles & {Role.ENUMERATOR, Role.EXPERT, Role.INSTITUTION_ADMIN}:
        _add_evaluation(scope, user, roles, memberships)
    scope.prefixes = _minimal(scope.prefixes)
    return scope


def _any(qs: list[Q]) -> Q | None:
    return reduce(operator.or_, qs) if qs else None


def region_prefixes_for(user: AnyUser) -> list[str]:
    """Code prefixes of the regions whose every household the user may see ("" for everything)."""
    return scope_for(user).prefixes


def sees_whole_region(user: AnyUser, region: Region) -> bool:
    """Whether every household of the region is in the user's scope (an office of it or above)."""
    scope = scope_for(user)
    return scope.everything or any(region.prefix.startswith(p) for p in scope.prefixes)


def households_for(user: AnyUser) -> QuerySet[Household]:
    scope = scope_for(user)
    if scope.everything:
        return Household.objects.all()
    q = _any([Q(village__code__startswith=p) for p in scope.prefixes] + scope.households)
    return Household.objects.filter(q) if q is not None else Household.objects.none()


def regions_for(user: AnyUser) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.everything:
        return Region.objects.all()
    parts = [Q(code__startswith=p) for p in _minimal(scope.prefixes + scope.county_prefixes)]
    if (villages := _any(scope.village_households)) is not None:
        parts.append(Q(pk__in=Household.objects.filter(villages).values("village_id")))
    q = _any(parts)
    return Region.objects.filter(q) if q is not None else Region.objects.none()


def campaigns_for(user: AnyUser) -> QuerySet[Campaign]:
    scope = scope_for(user)
    if scope.everything:
        return Campaign.objects.all()
    return Campaign.objects.filter(pk__in=sorted(scope.campaign_ids))


def real_user(user: AnyUser | None) -> AbstractBaseUser | None:
    """The user an audit row points to: None for anonymous callers and the system."""
    return user if user is not None and user.is_authenticated else None  # type: ignore[return-value]


def actor_name(user: AnyUser | None) -> str:
    """The name an audit row or a signature records: the username, or "system"."""
    return user.get_username()[:64] if user is not None and user.is_authenticated else "system"


def office_regions(user: AnyUser | None) -> list[Region]:
    """The regions of the user's poverty-office memberships held at the office's own level
    (a county office on a county). No superuser shortcut: the procedures' steps belong to the
    offices (分工负责)."""
    if user is None or not _active(user):  # type: ignore[arg-type]
        return []
    rows = Membership.objects.filter(user_id=user.pk, role__in=list(OFFICE_LEVEL)).select_related(
        "region"
    )
    return [
        m.region for m in rows if m.region is not None and m.region.level == OFFICE_LEVEL[m.role]
    ]


def office_levels(user: AnyUser | None, region: Region) -> set[str]:
    """The levels at which the user holds a poverty office covering `region` (the office's
    region code is a prefix of the region's code)."""
    return {r.level for r in office_regions(user) if region.code.startswith(r.prefix)}


def has_office(user: AnyUser | None, region: Region, role: str) -> bool:
    return OFFICE_LEVEL[role] in office_levels(user, region)


def can_view_full_id(user: AnyUser, household: Household) -> bool:
    """Whether the user may see the full ID numbers of this household's members.

    Only county and township poverty offices (`FULL_ID_ROLES`), for households of their own
    region; superusers administer the system and are not given it. Each view is logged by
    `accounts.services.person_view_full_id`.
    """
    if not _active(user) or not isinstance(user, AbstractBaseUser):
        return False
    code = household.village.code
    offices = Membership.objects.filter(user=user, role__in=FULL_ID_ROLES, region__isnull=False)
    return any(
        m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
        and code.startswith(m.region.prefix)
        for m in offices.select_related("region")
    )


# Imported here, not at the top, so that this function stays one self-contained block at the end.
from fupin.assessments.models import CountyOfficer, Problem  # noqa: E402
from fupin.assessments.services.common import has_role  # noqa: E402
from fupin.assessments.workflows import ProblemStatus  # noqa: E402
from fupin.assessments.workflows import Role as AssessmentRole  # noqa: E402


def problems_awaiting_explanation_for(user: AnyUser) -> QuerySet[Problem]:
    """The problems in the local explanation window (地方说明期) the user may explain.

    The rule `assessments.services.problem_explain` enforces, so that the page lists exactly what
    the service would accept (bar a window that has run out): an active member of the
    county_officer Group with a `CountyOfficer` row for the problem's county. A county poverty
    office's Membership alone grants nothing here, and there is no superuser shortcut (分工负责).
    """
    if not _active(user) or not has_role(user, AssessmentRole.COUNTY_OFFICER):
        return Problem.objects.none()
    counties = CountyOfficer.objects.filter(user_id=user.pk).values("county_id")
    return Problem.objects.filter(status=ProblemStatus.EXPLAINING, county_id__in=counties)
