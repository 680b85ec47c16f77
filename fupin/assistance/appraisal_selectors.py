"""Who may take the help appraisal's steps and what each user sees of it (scoped like the rest
of assistance, through `accounts.scoping`).

Who assesses (seed 002): the province's leading group deploys the yearly assessment and the
three-year settlement (年度考核和三年结帐验收…由省扶贫开发领导小组部署和组织实施), and each level's
poverty office carries it out (各级扶贫办…具体负责…考核验收). So a yearly appraisal is recorded by a
poverty office over the paired village at county level or above (county, city, province);
township and village offices are themselves the helped side and do not assess. The settlement is
recorded by the city or province office: the counties are themselves assessed (考核不合格的市、县).
Offices see the appraisals of their region, a helping unit's liaisons those of its villages.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from fupin.accounts import scoping
from fupin.accounts.models import OFFICE_LEVEL, Role
from fupin.assistance.appraisal_evidence import overlapping
from fupin.assistance.models import (
    AppraisalSide,
    AppraisalStatus,
    HelpAppraisal,
    HelpFollowUp,
    HelpingUnit,
    HelpSettlement,
    VillagePairing,
    today,
)
from fupin.regions.models import Region

AnyUser = AbstractBaseUser | AnonymousUser


APPRAISERS = (Role.COUNTY_OFFICE.value, Role.CITY_OFFICE.value, Role.PROVINCE_OFFICE.value)
SETTLERS = (Role.CITY_OFFICE.value, Role.PROVINCE_OFFICE.value)
APPRAISER_LEVELS = frozenset(OFFICE_LEVEL[r] for r in APPRAISERS)
SETTLER_LEVELS = frozenset(OFFICE_LEVEL[r] for r in SETTLERS)
ROUND_YEARS = 3  # 三年结硬帐: a round of pairing is three years (DOMAIN.md §4)


# --- who may act; what a user sees ---------------------------------------------------------------


def may_appraise(user: AnyUser | None, village: Region) -> bool:
    return any(scoping.has_office(user, village, r) for r in APPRAISERS)


def may_settle(user: AnyUser | None, village: Region) -> bool:
    return any(scoping.has_office(user, village, r) for r in SETTLERS)


def scoped(qs: QuerySet[Any], user: AnyUser, field_name: str) -> QuerySet[Any]:
    """Rows whose village lies in a region the user sees whole (offices, unit liaisons)."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return qs
    if not scope.prefixes:
        return qs.none()
    q = Q()
    for p in scope.prefixes:
        q |= Q(**{f"{field_name}__code__startswith": p})
    return qs.filter(q)


def appraisals_for(user: AnyUser) -> QuerySet[HelpAppraisal]:
    return scoped(HelpAppraisal.objects.all(), user, "village")


def settlements_for(user: AnyUser) -> QuerySet[HelpSettlement]:
    return scoped(HelpSettlement.objects.all(), user, "pairing__village")


def follow_ups_for(user: AnyUser) -> QuerySet[HelpFollowUp]:
    return HelpFollowUp.objects.filter(
        Q(appraisal__in=appraisals_for(user).values("pk"))
        | Q(settlement__in=settlements_for(user).values("pk"))
    )


def village_pairings_in(user: AnyUser, region: Region, year: int) -> QuerySet[VillagePairing]:
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    qs = scoped(VillagePairing.objects.all(), user, "village")
    return overlapping(qs.filter(village__code__startswith=region.prefix), start, end)


def round_years(pairing: VillagePairing) -> tuple[int, int]:
    """The three years of a pairing's round: the year it started and the two after."""
    return pairing.start.year, pairing.start.year + ROUND_YEARS - 1


# --- a unit's record ------------------------------------------------------------------------------


def unit_record(user: AnyUser, unit: HelpingUnit) -> dict[str, Any]:
    """What the unit's page shows: its appraisals, the settlements of its rounds and the
    follow-ups on them, each visible to the user, by village code and year."""
    appraisals = (
        appraisals_for(user)
        .filter(side=AppraisalSide.HELPER, unit=unit)
        .select_related("village")
        .order_by("village__code", "-year", "id")
    )
    settlements = (
        settlements_for(user)
        .filter(pairing__unit=unit)
        .select_related("pairing__village")
        .order_by("pairing__village__code", "-first_year", "id")
    )
    follow_ups = (
        follow_ups_for(user)
        .filter(Q(appraisal__unit=unit) | Q(settlement__pairing__unit=unit))
        .select_related("appraisal__village", "settlement__pairing__village")
        .order_by("date", "id")
    )
    return {"appraisals": appraisals, "settlements": settlements, "follow_ups": follow_ups}


def region_rows(user: AnyUser, region: Region, year: int) -> list[dict[str, Any]]:
    """The region list: each pairing of the year (by village code, unit name) with its unit's
    appraisal, the village's appraisal and the round's settlement (voided ones left out)."""
    pairings = list(
        village_pairings_in(user, region, year)
        .select_related("unit", "village")
        .order_by("village__code", "unit__name", "start")
    )
    villages = {p.village_id for p in pairings}
    live = (
        appraisals_for(user)
        .filter(village_id__in=villages, year=year)
        .exclude(status=AppraisalStatus.VOIDED)
    )
    helper = {(a.unit_id, a.village_id): a for a in live.filter(side=AppraisalSide.HELPER)}
    helped = {a.village_id: a for a in live.filter(side=AppraisalSide.HELPED)}
    settled = defaultdict(list)
    for s in (
        settlements_for(user)
        .filter(pairing__in=[p.pk for p in pairings])
        .exclude(status=AppraisalStatus.VOIDED)
    ):
        settled[s.pairing_id].append(s)
    rows = []
    for p in pairings:
        first, last = round_years(p)
        rows.append(
            {
                "pairing": p,
                "helper": helper.get((p.unit_id, p.village_id)),
                "helped": helped.get(p.village_id),
                "round": (first, last),
                "round_over": today() > dt.date(last, 12, 31),
                "settlement": (settled.get(p.pk) or [None])[0],
            }
        )
    return rows
