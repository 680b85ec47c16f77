"""Read-side queries for assistance, every one scoped through `accounts.scoping` (as the registry's)."""

from __future__ import annotations

import datetime as dt
import operator
from collections import defaultdict
from decimal import Decimal
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from fupin.accounts import scoping
from fupin.accounts.models import FULL_ID_ROLES, OFFICE_LEVEL, Membership, Role
from fupin.assistance.models import (
    AssistanceMeasure,
    ExitPlan,
    FundAllocation,
    FundSource,
    HelpingUnit,
    HelpingUnitMember,
    HouseholdPairing,
    Project,
    ProjectBeneficiary,
    VillagePairing,
    VisitLog,
    WorkTeam,
    add_years,
    today,
)
from fupin.checks import LedgerColumns
from fupin.regions.models import Region
from fupin.registry import selectors as registry_selectors
from fupin.registry.checking import CHUNK, CheckInput, ledger_columns
from fupin.registry.models import Attribute, Household, Status

AnyUser = AbstractBaseUser | AnonymousUser

# Who keeps a household's ledgers besides its cadre: the county and township offices (the same
# roles that keep the registry's paper files).
LEDGER_OFFICE_ROLES = FULL_ID_ROLES
FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def pairing_scope(scope: scoping.Scope, grants: scoping.Grants) -> None:
    """Assistance's part of every scope (registered in AssistanceConfig.ready): a helping cadre
    sees the households they are paired with today and those villages; a helping unit's liaison
    sees the villages the unit is paired with, whole (no role needed: the HelpingUnitMember row
    is the grant)."""
    if Role.HELPING_CADRE in grants.roles:
        ids = HouseholdPairing.objects.active().filter(cadre=grants.user).values("household_id")
        scope.households.append(Q(pk__in=ids))
        scope.village_households.append(Q(pk__in=ids))
    if scoping.user_flag(grants.user, "is_unit_member") is False:
        return  # read with the user in this request: a member of no unit, so no pairing to read
    scope.prefixes += [p.village.code for p in unit_village_pairings(grants.user)]


def pairing_scope_flags() -> dict[str, Exists]:
    """The flag `pairing_scope` tests (registered with it, read with the signed-in user)."""
    return {"is_unit_member": Exists(HelpingUnitMember.objects.filter(user=OuterRef("pk")))}


def unit_village_pairings(user: AnyUser) -> list[VillagePairing]:
    """The village pairings of the user's units that are running or in their tracking years
    (跟踪联系: the liaison keeps seeing the village for its return visits)."""
    on = today()
    rows = (
        VillagePairing.objects.filter(unit__members__user=user, start__lte=on)
        .select_related("unit", "village")
        .order_by("village__code", "-start")
    )
    out = []
    for p in rows:
        window = p.tracking_window()
        if p.is_active(on) or (window is not None and window[0] <= on < window[1]):
            out.append(p)
    return out


def households_for(user: AnyUser) -> QuerySet[Household]:
    return registry_selectors.households_for(user)


def regions_for(user: AnyUser) -> QuerySet[Region]:
    return registry_selectors.regions_for(user)


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


# --- who manages the help ----------------------------------------------------------------------

# The offices that own the help of their region (DOMAIN.md §4 gives no owner; seed 002 makes the
# county's leading group and poverty office arrange the pairings and projects): the county office
# and the city and province offices above it. Township and village offices keep ledgers only.
HELP_MANAGER_LEVELS = frozenset({"province", "city", "county"})


def may_manage_help(user: AnyUser | None, region: Region | None) -> bool:
    """Whether the user may create, change and end the help (units, pairings, teams, projects)
    of `region`: a county (or city, province) poverty office whose region covers it; superusers
    administer everything. A unit without a region is the province offices' (and superusers')."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    if getattr(user, "is_superuser", False):
        return True
    levels = {r.level: r for r in scoping.office_regions(user)}
    if region is None:
        return "province" in levels
    return bool(HELP_MANAGER_LEVELS & scoping.office_levels(user, region))


def managed_regions(user: AnyUser) -> list[Region]:
    """The regions whose help the user manages (their county, city or province offices)."""
    return [r for r in scoping.office_regions(user) if r.level in HELP_MANAGER_LEVELS]


def units_for(user: AnyUser) -> QuerySet[HelpingUnit]:
    """Helping units the user may see: those based in their regions, those paired with a village
    they see, and their own (a liaison's)."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return HelpingUnit.objects.all()
    parts = [Q(region__code__startswith=p) for p in scope.prefixes]
    parts.append(
        Q(
            pk__in=VillagePairing.objects.filter(village__in=regions_for(user).values("pk")).values(
                "unit_id"
            )
        )
    )
    parts.append(Q(pk__in=unit_ids_of(user)))
    return HelpingUnit.objects.filter(reduce(operator.or_, parts))


def may_record_return_visit(user: AnyUser, pairing: VillagePairing) -> bool:
    """The unit's own liaisons keep in contact (跟踪联系); the offices managing the village too."""
    return pairing.unit_id in unit_ids_of(user) or may_manage_help(user, pairing.village)


def tracking_years(pairing: VillagePairing, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The tracking window after a round (跟踪联系), year by year: its dates, the return visits in
    it, and whether it is flagged (a year that has passed without a 回头看). Empty while the round
    lasts."""
    window = pairing.tracking_window()
    if window is None:
        return []
    on = on or today()
    visits = list(pairing.return_visits.order_by("date", "id"))
    out = []
    start, until = window
    n = 1
    while start < until:
        end = min(add_years(start, 1), until)
        inside = [v for v in visits if start <= v.date < end]
        passed = end <= on
        row = {
            "n": n,
            "start": start,
            "end": end,
            "visits": inside,
            "passed": passed,
            "current": start <= on < end,
            "flagged": passed and not inside,
            "reason": "",
        }
        if row["flagged"]:
            row["reason"] = (
                f"{pairing.unit.name}在跟踪联系第{n}年（{start.isoformat()} 至 "
                f"{(end - dt.timedelta(days=1)).isoformat()}）没有到{pairing.village.name}回头看"
            )
        out.append(row)
        start, n = end, n + 1
    return out


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
        rows[b.project_id] = {
            "project": b.project,
            "amount": b.amount,
            "note": b.note,
            "measures": [],
        }
    for m in household.measures.filter(project__isnull=False).select_related("project__region"):
        assert m.project is not None
        row = rows.setdefault(
            m.project_id, {"project": m.project, "amount": Decimal(0), "note": "", "measures": []}
        )
        row["measures"].append(m)
    ordered = sorted(rows.values(), key=lambda r: (-r["project"].year, r["project"].name))
    return {"rows": ordered, "total": sum((r["amount"] for r in ordered), Decimal(0))}


# --- the five village charts (村村5张图) -----------------------------------------------------------

# How a household stands against its exit plan (贫困户脱贫目标任务表).
TARGET_STATES = {
    "exited_on_time": "按期脱贫",
    "exited_late": "逾期脱贫",
    "on_track": "按计划推进",
    "behind": "滞后于计划",
    "no_plan": "无脱贫计划",
}


def village_households(user: AnyUser, village: Region) -> QuerySet[Household]:
    return households_for(user).filter(village=village)


def village_as_of_year(user: AnyUser, village: Region) -> int:
    """The village's "as of" year: its latest income year recorded (as the checks use), or this
    year when none is."""
    from fupin.assistance.models import today

    latest = village_households(user, village).aggregate(y=Max("income_year"))["y"]
    return int(latest) if latest else today().year


def village_distribution(user: AnyUser, village: Region) -> dict[str, Any]:
    """Registered households by status (rows) and attribute (series), plus roster households:
    {"statuses": [{"status", "label"}], "series": [{"attribute", "label", "counts"}],
    "people": [...per status], "unregistered": N}."""
    rows = (
        village_households(user, village)
        .values("registered", "status", "attribute")
        .annotate(n=Count("id"), people=Sum("size"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = defaultdict(int)
    people: dict[str, int] = defaultdict(int)
    unregistered = 0
    for r in rows:
        if not r["registered"]:
            unregistered += r["n"]
            continue
        counts[(r["status"] or "", r["attribute"] or "")] += r["n"]
        people[r["status"] or ""] += r["people"] or 0
    statuses = [(str(v), str(label)) for v, label in Status.choices]
    if any(s == "" for s, _ in counts):
        statuses.append(("", "未标注"))
    attributes = [(str(v), str(label)) for v, label in Attribute.choices]
    if any(a == "" for _, a in counts):
        attributes.append(("", "未标注属性"))
    return {
        "statuses": [{"status": s, "label": label} for s, label in statuses],
        "series": [
            {"attribute": a, "label": label, "counts": [counts.get((s, a), 0) for s, _ in statuses]}
            for a, label in attributes
        ],
        "people": [people.get(s, 0) for s, _ in statuses],
        "unregistered": unregistered,
    }


def village_exit_targets(
    user: AnyUser, village: Region, exits_by_year: dict[int, int]
) -> dict[str, Any]:
    """全村脱贫目标任务图: households whose exit plan targets each year against the exits that
    happened (`exits_by_year`, from the registry's `region_events_by_year`), with the village's
    own exit year and the remaining poor households each year would leave if the plan held."""
    planned_rows = (
        ExitPlan.objects.filter(household__in=village_households(user, village).values("pk"))
        .values("target_year")
        .annotate(n=Count("id"))
        .order_by()
    )
    planned = {r["target_year"]: r["n"] for r in planned_rows}
    found = set(planned) | {y for y, n in exits_by_year.items() if n}
    if village.poor_exit_year:
        found.add(village.poor_exit_year)
    if not found:
        return {
            "years": [],
            "planned": [],
            "actual": [],
            "village_exit_year": None,
            "planned_total": 0,
            "actual_total": 0,
        }
    years = list(range(min(found), max(found) + 1))
    return {
        "years": years,
        "planned": [planned.get(y, 0) for y in years],
        "actual": [exits_by_year.get(y, 0) for y in years],
        "planned_total": sum(planned.values()),
        "actual_total": sum(exits_by_year.values()),
        "village_exit_year": village.poor_exit_year,
    }


def target_state(status: str, exited_year: int | None, target_year: int | None, year: int) -> str:
    """One household against its plan in `year` (a key of TARGET_STATES)."""
    if status == Status.EXITED:
        if target_year is None or (exited_year or 0) <= target_year:
            return "exited_on_time"
        return "exited_late"
    if target_year is None:
        return "no_plan"
    return "behind" if target_year < year else "on_track"


def village_household_targets(user: AnyUser, village: Region, year: int) -> dict[str, Any]:
    """贫困户脱贫目标任务表: every registered household still poor or with an exit plan, its
    target year and how it stands in `year`; with counts per target year and state."""
    qs = (
        village_households(user, village)
        .filter(registered=True)
        .filter(
            Q(status__in=[Status.POOR, Status.RETURNED])
            | Q(exit_plan__isnull=False, status=Status.EXITED)
        )
        .values_list(
            "household_no",
            "status",
            "attribute",
            "size",
            "exited_year",
            "exit_plan__target_year",
            "exit_plan__income_target",
        )
        .order_by("household_no")
    )
    status_labels = dict(Status.choices)
    attribute_labels = dict(Attribute.choices)
    rows = []
    for no, status, attribute, size, exited_year, target, income_target in qs:
        state = target_state(status, exited_year, target, year)
        rows.append(
            {
                "household_no": no,
                "status": status,
                "status_label": str(status_labels.get(status, "")),
                "attribute_label": str(attribute_labels.get(attribute, "")),
                "size": size,
                "exited_year": exited_year,
                "target_year": target,
                "income_target": income_target,
                "state": state,
                "state_label": TARGET_STATES[state],
            }
        )
    target_years = sorted({r["target_year"] for r in rows if r["target_year"]})
    states = list(TARGET_STATES)
    by: dict[tuple[int | None, str], int] = defaultdict(int)
    for r in rows:
        by[(r["target_year"], r["state"])] += 1
    return {
        "year": year,
        "rows": rows,
        "counts": {s: sum(1 for r in rows if r["state"] == s) for s in states},
        "target_years": target_years,
        "series": [
            {"state": s, "label": TARGET_STATES[s], "counts": [by[(y, s)] for y in target_years]}
            for s in states
            if s != "no_plan"
        ],
    }


def ledger_check_input(found: CheckInput) -> dict[str, LedgerColumns | None]:
    """户户3本账 as check input (registered in AssistanceConfig.ready): plans (by target year),
    measures (by start year) and visits (by visit year) of the checked households.

    Supplied only where the region keeps its ledgers on the platform, that is where any of its
    households has a plan, a measure or a visit: a region whose ledgers are still on paper would
    otherwise have every poor household flagged, which says nothing about the households. Then
    the ledger rules report "not run", as before the assistance app existed.
    """
    pks = found.queryset.values("id")
    plans = ExitPlan.objects.filter(household__in=pks)
    measures = AssistanceMeasure.objects.filter(household__in=pks)
    visits = VisitLog.objects.filter(household__in=pks)
    if not (plans.exists() or measures.exists() or visits.exists()):
        return {}
    plan_rows = plans.values_list("household_id", "target_year").iterator(chunk_size=CHUNK)
    measure_rows = measures.values_list("household_id", "start_date").iterator(chunk_size=CHUNK)
    visit_rows = visits.values_list("household_id", "date").iterator(chunk_size=CHUNK)
    return {
        "plans": ledger_columns(found.ids, plan_rows),
        "measures": ledger_columns(found.ids, ((h, d.year) for h, d in measure_rows)),
        "visits": ledger_columns(found.ids, ((h, d.year) for h, d in visit_rows)),
    }
