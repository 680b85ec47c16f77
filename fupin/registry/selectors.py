"""Read-side queries for the registry, all scoped by `households_for(user)`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from fupin.accounts import scoping
from fupin.regions.models import LEVEL_DIGITS, Level, Region
from fupin.registry.models import Household, Status

CHILD_LEVEL = {
    Level.PROVINCE: Level.CITY,
    Level.CITY: Level.COUNTY,
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
}


def households_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Household]:
    """The households a user may see: the one place registry reads are scoped (rules in accounts.scoping)."""
    return scoping.households_for(user)


def regions_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Region]:
    """The regions a user may open: their own and those below it (rules in accounts.scoping)."""
    return scoping.regions_for(user)


def _summary(qs: QuerySet[Household]) -> dict[str, Any]:
    agg = qs.aggregate(
        households=Count("id"),
        registered_households=Count("id", filter=Q(registered=True)),
        poor=Count("id", filter=Q(status__in=[Status.POOR, Status.RETURNED])),
        exited=Count("id", filter=Q(status=Status.EXITED)),
        people=Sum("size"),
        registered_people=Sum("size", filter=Q(registered=True)),
        poor_people=Sum("size", filter=Q(status__in=[Status.POOR, Status.RETURNED])),
    )
    people = agg["people"] or 0
    agg["incidence"] = (agg["poor_people"] or 0) / people if people else None
    return agg


def region_summary(user: AbstractBaseUser | AnonymousUser, region: Region) -> dict[str, Any]:
    return _summary(households_for(user).filter(village__code__startswith=region.prefix))


def _grouped(qs: QuerySet[Household], digits: int) -> dict[str, dict[str, Any]]:
    """Household counts grouped by the first `digits` digits of the village code."""
    rows = (
        qs.annotate(prefix=Substr("village__code", 1, digits))
        .values("prefix")
        .annotate(
            households=Count("id"),
            registered_households=Count("id", filter=Q(registered=True)),
            poor=Count("id", filter=Q(status__in=[Status.POOR, Status.RETURNED])),
            people=Sum("size"),
            poor_people=Sum("size", filter=Q(status__in=[Status.POOR, Status.RETURNED])),
        )
    )
    out = {}
    for r in rows:
        people = r["people"] or 0
        r["incidence"] = (r["poor_people"] or 0) / people if people else None
        out[r.pop("prefix")] = r
    return out


EMPTY = {"households": 0, "registered_households": 0, "poor": 0, "people": 0, "poor_people": 0, "incidence": None}


def children_summary(user: AbstractBaseUser | AnonymousUser, region: Region) -> list[dict[str, Any]]:
    """One row per child region with household counts and the registry's incidence."""
    child_level = CHILD_LEVEL.get(Level(region.level))
    if child_level is None:
        return []
    qs = households_for(user).filter(village__code__startswith=region.prefix)
    by_prefix = _grouped(qs, LEVEL_DIGITS[child_level])
    children = regions_for(user).filter(parent=region).order_by("code")
    return [{"region": c, **by_prefix.get(c.prefix, EMPTY)} for c in children]


def counties_with_data(user: AbstractBaseUser | AnonymousUser) -> list[dict[str, Any]]:
    """Counties that hold registry data, with their counts (the landing page).

    Where the user may not open the whole county (a township office, a helping cadre, an
    enumerator), the highest regions below it they may open take its place.
    """
    households = households_for(user)
    by_prefix = _grouped(households, 6)
    regions = regions_for(user)
    counties = list(regions.filter(code__in=[p + "000000" for p in by_prefix]).order_by("code"))
    rows = [{"region": c, **by_prefix[c.prefix]} for c in counties]
    for county_prefix in sorted(set(by_prefix) - {c.prefix for c in counties}):
        for digits in (LEVEL_DIGITS[Level.TOWNSHIP], LEVEL_DIGITS[Level.VILLAGE]):
            below = _grouped(households.filter(village__code__startswith=county_prefix), digits)
            found = regions.filter(code__in=[p.ljust(12, "0") for p in below]).order_by("code")
            if found:
                rows += [{"region": r, **below[r.prefix]} for r in found]
                break
    return rows
