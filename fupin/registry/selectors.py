"""Read-side queries for the registry, all scoped by `households_for(user)`."""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Substr

from fupin.accounts import scoping
from fupin.accounts.models import FULL_ID_ROLES, OFFICE_LEVEL, AuditEntry
from fupin.regions.models import LEVEL_DIGITS, Level, Region
from fupin.registry.audit_naming import (  # noqa: F401 (the audit page's names, used from here)
    AuditNames,
    audit_changes,
    audit_model_label,
    audit_object_text,
    audit_rows,
    mask_ids,
)
from fupin.registry.models import (
    AnalyticsSnapshot,
    Cause,
    EventKind,
    Household,
    RegionAggregate,
    Status,
    StatusEvent,
)

CHILD_LEVEL = {
    Level.PROVINCE: Level.CITY,
    Level.CITY: Level.COUNTY,
    Level.COUNTY: Level.TOWNSHIP,
    Level.TOWNSHIP: Level.VILLAGE,
}


def _any(qs: list[Q]) -> Q | None:
    return reduce(operator.or_, qs) if qs else None


def households_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Household]:
    """The households a user may see: the one place registry reads are scoped (rules in accounts.scoping)."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return Household.objects.all()
    q = _any([Q(village__code__startswith=p) for p in scope.prefixes] + scope.households)
    return Household.objects.filter(q) if q is not None else Household.objects.none()


def shared_scope_key(user: AbstractBaseUser | AnonymousUser) -> str | None:
    """A name for what `households_for(user)` holds, for caches shared by users who see the same
    households (every county office of a county): "*" for everything, else the region prefixes;
    None where single households are in the scope (cadres, evaluators), which is not shared."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return "*"
    if scope.households:
        return None
    # Minimal and sorted (scope_for); "" (every region) reads as "*", so that no scope at all
    # ("") is never taken for it.
    return ",".join(p or "*" for p in scope.prefixes)


def regions_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Region]:
    """The regions a user may open: their own and those below it, and the villages of the single
    households they see (rules in accounts.scoping)."""
    scope = scoping.scope_for(user)
    if scope.everything:
        return Region.objects.all()
    prefixes = scoping.minimal_prefixes(scope.prefixes + scope.county_prefixes)
    parts = [Q(code__startswith=p) for p in prefixes]
    if (villages := _any(scope.village_households)) is not None:
        parts.append(Q(pk__in=Household.objects.filter(villages).values("village_id")))
    q = _any(parts)
    return Region.objects.filter(q) if q is not None else Region.objects.none()


def ancestors_for(user: AbstractBaseUser | AnonymousUser, region: Region) -> list[Region]:
    """The regions above `region`, top first, for a breadcrumb; `visible` is set on each (a
    township office may not open its county's page, so the breadcrumb names the county without
    linking to it)."""
    out: list[Region] = []
    node = region.parent
    while node is not None:
        out.insert(0, node)
        node = node.parent
    # `regions_for` without a query: a region above another is never a village, so only the
    # prefixes open it (the villages of single households do not).
    scope = scoping.scope_for(user)
    prefixes = scope.prefixes + scope.county_prefixes
    for a in out:
        a.visible = scope.everything or any(a.code.startswith(p) for p in prefixes)
    return out


def can_view_full_id(user: AbstractBaseUser | AnonymousUser, household: Household) -> bool:
    """Whether the user may see the full ID numbers of this household's members.

    Only county and township poverty offices (`FULL_ID_ROLES`), for households of their own
    region; superusers administer the system and are not given it. Each view is logged by
    `registry.services.person_view_full_id`.
    """
    if not scoping.is_active(user) or not isinstance(user, AbstractBaseUser):
        return False
    code = household.village.code
    return any(
        m.role in FULL_ID_ROLES
        and m.region is not None
        and m.region.level == OFFICE_LEVEL[m.role]
        and code.startswith(m.region.prefix)
        for m in scoping.memberships_of(user)
    )


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


EMPTY = {
    "households": 0,
    "registered_households": 0,
    "poor": 0,
    "people": 0,
    "poor_people": 0,
    "incidence": None,
}


def children_summary(
    user: AbstractBaseUser | AnonymousUser, region: Region
) -> list[dict[str, Any]]:
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


# --- the region dashboard -----------------------------------------------------------------------


def _below(user: AbstractBaseUser | AnonymousUser, region: Region) -> QuerySet[Household]:
    return households_for(user).filter(village__code__startswith=region.prefix)


def region_events_by_year(user: AbstractBaseUser | AnonymousUser, region: Region) -> dict[str, Any]:
    """Status events below the region counted by year and kind (纳入, 脱贫, 返贫, 清退).

    One row per year, a list per kind in `EventKind` order: {"years": [...], "series": [{"kind",
    "label", "counts"}]}; years without any event between the first and last are kept as zeros.
    """
    rows = (
        StatusEvent.objects.filter(household__in=_below(user, region))
        .values("year", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {(r["year"], r["kind"]): r["n"] for r in rows}
    if not counts:
        return {"years": [], "series": []}
    found = [y for y, _ in counts]
    years = list(range(min(found), max(found) + 1))
    series = [
        {"kind": kind, "label": str(label), "counts": [counts.get((y, kind), 0) for y in years]}
        for kind, label in EventKind.choices
    ]
    return {"years": years, "series": series}


def region_causes(user: AbstractBaseUser | AnonymousUser, region: Region) -> list[dict[str, Any]]:
    """Registered households below the region by main poverty cause (致贫原因), most common first."""
    rows = (
        _below(user, region)
        .filter(registered=True)
        .exclude(main_cause="")
        .values("main_cause")
        .annotate(households=Count("id"), people=Sum("size"))
        .order_by()
    )
    labels = dict(Cause.choices)
    out = [
        {
            "cause": r["main_cause"],
            "label": str(labels.get(r["main_cause"], r["main_cause"])),
            "households": r["households"],
            "people": r["people"] or 0,
        }
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r["households"], r["cause"]))


@dataclass(frozen=True)
class VillagePoints:
    """Villages below a region that hold visible households, with and without map coordinates."""

    placed: list[dict[str, Any]]
    unplaced: list[dict[str, Any]]


def village_points(user: AbstractBaseUser | AnonymousUser, region: Region) -> VillagePoints:
    """Per village: coordinates, household and people counts and the registry's incidence.

    Counted in the database (GROUP BY village); only villages the user may open and that hold
    households the user may see are returned.
    """
    rows = (
        _below(user, region)
        .values("village_id")
        .annotate(
            households=Count("id"),
            registered_households=Count("id", filter=Q(registered=True)),
            people=Sum("size"),
            poor_people=Sum("size", filter=Q(status__in=[Status.POOR, Status.RETURNED])),
        )
        .order_by()
    )
    by_village = {r.pop("village_id"): r for r in rows}
    villages = (
        regions_for(user)
        .filter(level=Level.VILLAGE, code__startswith=region.prefix)
        .values_list("id", "code", "name", "lon", "lat", "is_poor_village")
        .order_by("code")
    )
    placed: list[dict[str, Any]] = []
    unplaced: list[dict[str, Any]] = []
    for pk, code, name, lon, lat, is_poor in villages:
        counts = by_village.get(pk)
        if counts is None:
            continue
        people = counts["people"] or 0
        poor_people = counts["poor_people"] or 0
        point = {
            "code": code,
            "name": name,
            "lon": lon,
            "lat": lat,
            "is_poor_village": is_poor,
            "households": counts["households"],
            "registered_households": counts["registered_households"],
            "people": people,
            "poor_people": poor_people,
            "incidence": round(poor_people / people, 6) if people else None,
        }
        (placed if lon is not None and lat is not None else unplaced).append(point)
    return VillagePoints(placed=placed, unplaced=unplaced)


def child_incidence(children: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows of `children_summary` that hold people, as chart data (name, code, incidence)."""
    return [
        {
            "code": c["region"].code,
            "name": c["region"].name,
            "people": c["people"] or 0,
            "poor_people": c["poor_people"] or 0,
            "incidence": round(c["incidence"], 6) if c["incidence"] is not None else None,
        }
        for c in children
        if c["people"]
    ]


# --- the audit trail ----------------------------------------------------------------------------


def audit_entries_for(user: AbstractBaseUser | AnonymousUser) -> QuerySet[AuditEntry]:
    """Audit rows the user may read: those of households they may see; rows about no household
    (county loads, campaigns, exports) only for superusers, who see everything."""
    if scoping.scope_for(user).everything:
        return AuditEntry.objects.all()
    return AuditEntry.objects.filter(household__in=households_for(user))


def audit_entries_filtered(
    user: AbstractBaseUser | AnonymousUser,
    *,
    action: str = "",
    actor: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """The user's audit rows, newest first, narrowed by action, actor (part of the name) and dates."""
    qs = audit_entries_for(user)
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor__icontains=actor)
    if since is not None:
        qs = qs.filter(at__date__gte=since)
    if until is not None:
        qs = qs.filter(at__date__lte=until)
    return qs.select_related("household").order_by("-at", "-id")


# Naming the audit rows' records and values: fupin.registry.audit_naming (re-exported here).
# Rows about who came in or looked, not about registry data: they leave the version alone, so a
# login does not empty every cached dashboard.
ACCESS_ACTIONS = (
    AuditEntry.Action.LOGIN,
    AuditEntry.Action.LOGIN_FAILED,
    AuditEntry.Action.VIEW_ID,
    AuditEntry.Action.GRANT,
    AuditEntry.Action.REVOKE,
)


def registry_version() -> int:
    """A number that changes with every change to registry data: the newest audit row's id
    (the project's rule is that every such change writes one, bulk loads and deletions included)."""
    newest = (
        AuditEntry.objects.exclude(action__in=ACCESS_ACTIONS)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return newest or 0


def household_version() -> Subquery:
    """For annotating households: a number that changes with every change to registry data and
    with every audit row of the household (a logged full-ID view of one of its members included,
    which the household page lists): the newest such row's id (audit rows are only ever added),
    read with the household in one query; None before any."""
    return Subquery(
        AuditEntry.objects.filter(Q(household_id=OuterRef("pk")) | ~Q(action__in=ACCESS_ACTIONS))
        .order_by("-id")
        .values("id")[:1]
    )


def region_dashboard(user: AbstractBaseUser | AnonymousUser, region: Region) -> dict[str, Any]:
    """Everything the region page shows: summary, children, events, causes and village points.

    Where the user sees the whole region, the figures are the same for every such user: they are
    read from the aggregates of the latest snapshot (fupin.registry.aggregates), and the summary
    carries `as_of`, the snapshot's time, for the page to show. Without a snapshot they are
    computed live and cached under the registry's version: a change anywhere gives a new key.
    Partial views (cadres, enumerators: a few households) are computed live each time.
    """
    return region_dashboard_keyed(user, region)[0]


def region_dashboard_keyed(
    user: AbstractBaseUser | AnonymousUser, region: Region
) -> tuple[dict[str, Any], str | None]:
    """`region_dashboard`, and the cache key its figures are shared under (None for a partial
    view): what is drawn from them alone may be cached under it too (the region page does)."""
    key = None
    if scoping.sees_whole_region(user, region):
        if (record := latest_aggregates()) is not None:
            key = f"fupin:dashboard:snapshot:{record.snapshot_id}:{region.code}"
            if (hit := cache.get(key)) is None:
                hit = dashboard_from_aggregates(record, user, region)
                cache.set(key, hit, timeout=24 * 3600)
            return dict(hit), key
        key = f"fupin:dashboard:{region.code}:{registry_version()}"
        if (hit := cache.get(key)) is not None:
            return dict(hit), key
    is_village = region.level == Level.VILLAGE
    data = {
        "summary": region_summary(user, region),
        "children": children_summary(user, region),
        "villages": None if is_village else village_points(user, region),
        "events": region_events_by_year(user, region),
        "causes": region_causes(user, region),
    }
    if key is not None:
        cache.set(key, data, timeout=24 * 3600)
    return data, key


# The dashboard read back from a snapshot's aggregates (built by fupin.registry.aggregates).

COUNTS = (
    "households",
    "registered_households",
    "poor",
    "exited",
    "removed",
    "people",
    "registered_people",
    "poor_people",
)


def latest_aggregates() -> AnalyticsSnapshot | None:
    """The newest snapshot whose aggregates are built."""
    found: AnalyticsSnapshot | None = AnalyticsSnapshot.objects.order_by("-taken_at", "-id").first()
    return found


def _counts(row: RegionAggregate | None) -> dict[str, Any]:
    values = {k: getattr(row, k) if row is not None else 0 for k in COUNTS}
    people = values["people"]
    values["incidence"] = values["poor_people"] / people if people else None
    return values


CHILD_KEYS = ("households", "registered_households", "poor", "people", "poor_people", "incidence")
SUMMARY_KEYS = (
    "households",
    "registered_households",
    "poor",
    "exited",
    "people",
    "registered_people",
    "poor_people",
    "incidence",
)


def _events(data: dict[str, dict[str, int]]) -> dict[str, Any]:
    if not data:
        return {"years": [], "series": []}
    found = [int(y) for y in data]
    years = list(range(min(found), max(found) + 1))
    return {
        "years": years,
        "series": [
            {
                "kind": kind,
                "label": str(label),
                "counts": [data.get(str(y), {}).get(kind, 0) for y in years],
            }
            for kind, label in EventKind.choices
        ],
    }


def dashboard_from_aggregates(
    record: AnalyticsSnapshot, user: AbstractBaseUser | AnonymousUser, region: Region
) -> dict[str, Any]:
    """What `region_dashboard` returns, read from a snapshot's aggregates (for a user who sees
    the whole region): a handful of queries whatever the region's size."""
    aggregates = RegionAggregate.objects.filter(snapshot=record)
    own = aggregates.filter(code=region.code).first()
    counts = _counts(own)
    summary: dict[str, Any] = {k: counts[k] for k in SUMMARY_KEYS}
    summary["duplicated_people"] = own.duplicated_people if own is not None else 0
    summary["duplicated_elsewhere"] = own.duplicated_elsewhere if own is not None else 0
    summary["as_of"] = record.taken_at
    summary["snapshot_id"] = record.snapshot_id

    children: list[dict[str, Any]] = []
    child_level = CHILD_LEVEL.get(Level(region.level))
    if child_level is not None:
        kids = list(regions_for(user).filter(parent=region).order_by("code"))
        rows = {a.code: a for a in aggregates.filter(code__in=[k.code for k in kids])}
        for kid in kids:
            c = _counts(rows.get(kid.code))
            children.append({"region": kid, **{k: c[k] for k in CHILD_KEYS}})

    villages = None
    if region.level != Level.VILLAGE:
        prefix = region.code[: LEVEL_DIGITS[Level(region.level)]]
        rows = {a.code: a for a in aggregates.filter(level="village", code__startswith=prefix)}
        placed: list[dict[str, Any]] = []
        unplaced: list[dict[str, Any]] = []
        for code, name, lon, lat, is_poor in (
            regions_for(user)
            .filter(level=Level.VILLAGE, code__startswith=prefix)
            .values_list("code", "name", "lon", "lat", "is_poor_village")
            .order_by("code")
        ):
            if (row := rows.get(code)) is None:
                continue
            point = {
                "code": code,
                "name": name,
                "lon": lon,
                "lat": lat,
                "is_poor_village": is_poor,
                "households": row.households,
                "registered_households": row.registered_households,
                "people": row.people,
                "poor_people": row.poor_people,
                "incidence": round(row.poor_people / row.people, 6) if row.people else None,
            }
            (placed if lon is not None and lat is not None else unplaced).append(point)
        villages = VillagePoints(placed=placed, unplaced=unplaced)

    labels = dict(Cause.choices)
    causes = [
        {
            "cause": c["cause"],
            "label": str(labels.get(c["cause"], c["cause"])),
            "households": c["households"],
            "people": c["people"],
        }
        for c in (own.causes if own is not None else [])
    ]
    return {
        "summary": summary,
        "children": children,
        "villages": villages,
        "events": _events(own.events if own is not None else {}),
        "causes": causes,
    }
