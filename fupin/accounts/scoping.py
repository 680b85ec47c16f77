"""What a user may see: the scope every app's reads apply (healthchecks' `_get_check_for_user`).

`scope_for(user)` computes it once from the user's role rows; each app applies it in its own
selectors (`registry.selectors.households_for` and `regions_for`, `assessments.selectors.campaigns_for`,
…), so that a view cannot forget the scope. The region rule is here; an app that grants more
(pairings, evaluation assignments) adds its part through a scope source it registers in its
AppConfig.ready (`scope_source`), so that this module imports no app but regions:

- superusers (system admins) see everything;
- poverty offices see their region and everything below it, by code prefix, and the campaigns
  that assessed a county of their region once results are out (decided, feedback, closed: never
  during fieldwork or verification);
- helping cadres see the households they are paired with today (`assistance.HouseholdPairing`)
  and those villages; a helping unit's liaison sees the villages the unit is paired with
  (`assistance.selectors.pairing_scope`);
- enumerators see their team's households, experts and institution admins the sampled households of
  their counties, in the assignment in force, and only while the campaign is in fieldwork or
  verification (`assessments.selectors.evaluation_scope`);
- a role tied to a campaign (its working group, department and expert-group staff) sees that
  campaign and every county it assesses (`assessments.selectors.campaign_scope`);
- anyone else, including plain `is_staff` users, sees nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q

from fupin.accounts.models import OFFICE_LEVEL, Membership
from fupin.regions.models import Region

AnyUser = AbstractBaseUser | AnonymousUser


@dataclass
class Scope:
    """Everything a user may see, computed once from their memberships and assignments."""

    everything: bool = False
    prefixes: list[str] = field(default_factory=list)  # whole subtrees (offices, working groups)
    county_prefixes: list[str] = field(default_factory=list)  # evaluators' counties (regions only)
    households: list[Q] = field(default_factory=list)  # single households (cadres, evaluators)
    village_households: list[Q] = field(default_factory=list)  # whose villages become visible
    campaign_ids: set[int] = field(default_factory=set)


def is_active(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_active)


def minimal_prefixes(prefixes: list[str]) -> list[str]:
    """Drop prefixes covered by a shorter one (a county under a province adds nothing)."""
    out: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(q) for q in out):
            out.append(p)
    return sorted(out)


@dataclass(frozen=True)
class Grants:
    """What a scope source reads: the user, their role rows and roles, and the regions of their
    poverty offices (minimal code prefixes)."""

    user: AbstractBaseUser
    memberships: list[Membership]
    roles: set[str]
    office_prefixes: list[str]


ScopeSource = Callable[[Scope, Grants], None]
_SOURCES: list[ScopeSource] = []


def scope_source(source: ScopeSource) -> ScopeSource:
    """Register an app's part of every scope (called from the app's AppConfig.ready)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def scope_for(user: AnyUser) -> Scope:
    """The user's whole scope: the region rule here, then every registered source."""
    if not is_active(user):
        return Scope()
    if getattr(user, "is_superuser", False):
        return Scope(everything=True, prefixes=[""])
    assert isinstance(user, AbstractBaseUser)
    memberships = list(Membership.objects.filter(user=user).select_related("region", "campaign"))
    roles = {m.role for m in memberships}
    scope = Scope()
    for m in memberships:
        if (
            m.role in OFFICE_LEVEL
            and m.region is not None
            and m.region.level == OFFICE_LEVEL[m.role]
        ):
            scope.prefixes.append(m.region.prefix)
    grants = Grants(user, memberships, roles, minimal_prefixes(scope.prefixes))
    for source in _SOURCES:
        source(scope, grants)
    scope.prefixes = minimal_prefixes(scope.prefixes)
    return scope


def region_prefixes_for(user: AnyUser) -> list[str]:
    """Code prefixes of the regions whose every household the user may see ("" for everything)."""
    return scope_for(user).prefixes


def sees_whole_region(user: AnyUser, region: Region) -> bool:
    """Whether every household of the region is in the user's scope (an office of it or above)."""
    scope = scope_for(user)
    return scope.everything or any(region.prefix.startswith(p) for p in scope.prefixes)


def office_regions(user: AnyUser | None) -> list[Region]:
    """The regions of the user's poverty-office memberships held at the office's own level
    (a county office on a county). No superuser shortcut: the procedures' steps belong to the
    offices (分工负责)."""
    if user is None or not is_active(user):  # type: ignore[arg-type]
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
