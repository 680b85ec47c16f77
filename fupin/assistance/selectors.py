"""Read-side queries for assistance, every one scoped through `accounts.scoping` (as the registry's)."""

from __future__ import annotations

import operator
from collections import defaultdict
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet, Sum

from fupin.accounts import scoping
from fupin.accounts.models import FULL_ID_ROLES, OFFICE_LEVEL, Membership
from fupin.assistance.models import (
    AssistanceMeasure,
    ExitPlan,
    FundAllocation,
    FundSource,
    HelpingUnitMember,
    HouseholdPairing,
    Project,
    ProjectBeneficiary,
    VillagePairing,
    VisitLog,
    WorkTeam,
)
from fupin.regions.models import Region
from fupin.registry.models import Household

AnyUser = AbstractBaseUser | AnonymousUser

# Who keeps a household's ledgers besides its cadre: the county and township offices (the same
# roles that keep the registry's paper files).
LEDGER_OFFICE_ROLES = FULL_ID_ROLES
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def households_for(user: AnyUser) -> QuerySet[Household]:
    return scoping.households_for(user)


def regions_for(user: AnyUser) -> QuerySet[Region]:
    return scoping.regions_for(user)


def pairings_for(user: AnyUser) -> QuerySet[HouseholdPairing]:
    """Household pairings of the households the user may see (a cadre: exactly their own)."""
    return HouseholdPairing.objects.filter(household__in=households_for(user).values("pk"))


def village_pairings_for(user: AnyUser) -> QuerySet[VillagePairing]:
    return VillagePairing.objects.filter(village__in=regions_for(user).values("pk"))


def work_teams_for(user: AnyUser) -> QuerySet[WorkTeam]:
    return WorkTeam.objects.filter(village__in=regions_for(user).values("pk"))


def measures_for(user: AnyUser) -> QuerySet[AssistanceMeasure]:
    return AssistanceMeasure.objects.filter(household__in=households_for(user).values("pk"))


def visits_for(user: AnyUser) -> QuerySet[VisitLog]:
    return VisitLog.objects.filter(household__in=households_for(user).values("pk"))


def exit_plans_for(user: AnyUser) -> QuerySet[ExitPlan]:
    return ExitPlan.objects.filter(household__in=households_for(user).values("pk"))


def projects_for(user: AnyUser) -> QuerySet[Project]:
    """Projects in a region whose every household the user sees, or that benefit a household they
    see (a cadre sees the projects of their households, with only those households listed)."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return Project.objects.all()
    parts = [Q(region__code__startswith=p) for p in scope.prefixes]
    benefiting = ProjectBeneficiary.objects.filter(
        household__in=households_for(user).values("pk")
    ).values("project_id")
    parts.append(Q(pk__in=benefiting))
    return Project.objects.filter(reduce(operator.or_, parts))


def beneficiaries_for(user: AnyUser, project: Project) -> QuerySet[ProjectBeneficiary]:
    return project.beneficiaries.filter(
        household__in=households_for(user).values("pk")
    ).select_related("household__village")


def unit_ids_of(user: AnyUser) -> list[int]:
    if not user.is_authenticated:
        return []
    return list(HelpingUnitMember.objects.filter(user=user).values_list("unit_id", flat=True))


def may_edit_ledgers(user: AnyUser, household: Household) -> bool:
    """The household's cadre (in an active pairing) and the county and township offices of its
    region keep its three ledgers; superusers administer everything."""
    if not (user.is_authenticated and user.is_active):
        return False
    if getattr(user, "is_superuser", False):
        return True
    if HouseholdPairing.objects.active().filter(household=household, cadre=user).exists():
        return True
    code = household.village.code
    offices = Membership.objects.filter(
        user=user, role__in=LEDGER_OFFICE_ROLES, region__isnull=False
    ).select_related("region")
    return any(
        m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
        and code.startswith(m.region.prefix)
        for m in offices
    )


def may_manage_region(user: AnyUser, region: Region) -> bool:
    """Pairings, work teams and projects of a region are kept by its county or township office."""
    if not (user.is_authenticated and user.is_active):
        return False
    if getattr(user, "is_superuser", False):
        return True
    offices = Membership.objects.filter(
        user=user, role__in=LEDGER_OFFICE_ROLES, region__isnull=False
    ).select_related("region")
    return any(
        m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
        and region.code.startswith(m.region.prefix)
        for m in offices
    )


# --- totals -------------------------------------------------------------------------------------


def fund_totals(projects: QuerySet[Project]) -> dict[str, Any]:
    """Amounts by fund source over the projects, every source present, and the overall total."""
    rows = (
        FundAllocation.objects.filter(project__in=projects.values("pk"))
        .values("source")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    # SQLite sums decimals without their scale: state every amount to the fen.
    by_source = {r["source"]: Decimal(r["total"] or 0).quantize(FEN) for r in rows}
    sources = [
        {"source": code, "label": str(label), "amount": by_source.get(code, ZERO)}
        for code, label in FundSource.choices
    ]
    return {"sources": sources, "total": sum((s["amount"] for s in sources), ZERO)}


def region_projects(user: AnyUser, region: Region) -> QuerySet[Project]:
    return projects_for(user).filter(region__code__startswith=region.prefix)


def region_project_totals(user: AnyUser, region: Region) -> dict[str, Any]:
    """Per-region totals: projects, completed projects and the money by fund source."""
    projects = region_projects(user, region)
    out = fund_totals(projects)
    out["projects"] = projects.count()
    out["completed"] = projects.filter(completed_on__isnull=False).count()
    return out


def project_amounts(projects: QuerySet[Project]) -> dict[int, dict[str, Decimal]]:
    """Per project: amount by source and "total" (one query for a whole list)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"total": Decimal(0)})
    for f in FundAllocation.objects.filter(project__in=projects.values("pk")):
        row = out[f.project_id]
        row[f.source] = row.get(f.source, Decimal(0)) + f.amount
        row["total"] += f.amount
    return out


def household_benefits(user: AnyUser, household: Household) -> dict[str, Any]:
    """What a household received across projects: its beneficiary rows and measures tied to a
    project, with the total (empty for a household the user may not see)."""
    if not households_for(user).filter(pk=household.pk).exists():
        return {"rows": [], "total": Decimal(0)}
    rows: dict[int, dict[str, Any]] = {}
    for b in household.project_benefits.select_related("project__region"):
        rows[b.project_id] = {"project": b.project, "amount": b.amount, "note": b.note,
                              "measures": []}
    for m in household.measures.filter(project__isnull=False).select_related("project__region"):
        assert m.project is not None
        row = rows.setdefault(
            m.project_id, {"project": m.project, "amount": Decimal(0), "note": "", "measures": []}
        )
        row["measures"].append(m)
    ordered = sorted(rows.values(), key=lambda r: (-r["project"].year, r["project"].name))
    return {"rows": ordered, "total": sum((r["amount"] for r in ordered), Decimal(0))}
