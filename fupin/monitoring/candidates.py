"""Finding monitoring candidates in a region: the boundary where querysets become arrays.

One query loads the region's households as columns, two more the year's and last year's reports;
the rules then run on NumPy arrays, so a county of 40 000 households costs three queries, not
40 000. The rules are those of `policy.in_monitoring_range` (DOMAIN.md §8) with the province's
settings (MonitoringSettings); a household's income for a year is the latest report for that year,
else the registry's income when its income year is that year, else unknown (never guessed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import QuerySet, Sum

from fupin.monitoring.models import MonitoringObject, MonitoringReport, MonitoringSettings
from fupin.monitoring.workflows import OPEN_STATUSES, ObjectKind, ReportSource, SpendingKind
from fupin.policy import DEFAULT_LINES, MonitoringPolicy, PolicyError, ReasonCode
from fupin.regions.models import Region
from fupin.registry.models import Household, Status


class MonitoringDataError(ValueError):
    """The rules cannot be applied (no line or range for the year); the message is Chinese."""


# Households that may become monitoring objects: exited (脱贫户) and rural households never
# registered or removed from the registry (边缘户). Poor and returned households are in the
# registry's own assistance, not in monitoring.
ELIGIBLE_STATUSES = ("", Status.EXITED, Status.REMOVED)


@dataclass
class Candidate:
    household_id: int
    household_no: str
    village: str
    status: str
    kind: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    income: float | None = None
    open_object_id: int | None = None

    @property
    def kind_label(self) -> str:
        return str(ObjectKind(self.kind).label)

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status else "非建档立卡户"


@dataclass
class CandidateResult:
    region: Region
    year: int
    income_limit: float
    limit_label: str
    settings_note: str
    candidates: list[Candidate]
    households: int
    without_income: int  # eligible households with no income recorded for the year


def _yuan(v: float) -> str:
    return f"{v:,.0f}".replace(",", "")


def monitoring_policy_for(region: Region) -> tuple[MonitoringPolicy, str]:
    """The province's policy and a Chinese sentence saying what it is."""
    row = MonitoringSettings.for_code(region.code)
    policy = row.policy()
    fall = (
        f"收入比上年下降 {policy.income_fall_share:.0%} 及以上"
        if policy.income_fall_share is not None
        else "未设定收入降幅（不按收入下降筛查）"
    )
    origin = "本省设定" if row.pk else "默认设定（本省未设定）"
    note = (
        f"{origin}：收入低于国家扶贫标准的 {policy.line_multiple:g} 倍（有明确监测范围的年度按该范围）；"
        f"刚性支出超过上年家庭纯收入的 {policy.rigid_spending_share:g} 倍；{fall}。"
    )
    return policy, note


def income_limit(region: Region, year: int) -> tuple[float, str]:
    policy, _note = monitoring_policy_for(region)
    try:
        return policy.income_limit(year, DEFAULT_LINES)
    except PolicyError:
        lines = DEFAULT_LINES.years
        raise MonitoringDataError(
            f"{year} 年没有防止返贫监测范围：监测自 {policy.first_year} 年开始，"
            f"国家扶贫标准表覆盖 {lines[0]}–{lines[-1]} 年，明确的监测范围有 "
            f"{'、'.join(str(r.year) for r in policy.ranges) or '无'} 年"
        ) from None


def reported_incomes(household_ids: Any, years: list[int]) -> dict[tuple[int, int], float]:
    """(household id, year) → the latest reported income per capita for that year."""
    out: dict[tuple[int, int], float] = {}
    rows = (
        MonitoringReport.objects.filter(
            household_id__in=household_ids, year__in=years, income_per_capita__isnull=False
        )
        .order_by("date", "id")
        .values_list("household_id", "year", "income_per_capita")
    )
    for hid, year, income in rows:
        out[(hid, year)] = income  # later rows overwrite earlier ones
    return out


def monitoring_candidates_find(
    *, region: Region, year: int, households: QuerySet[Household] | None = None
) -> CandidateResult:
    """The households of `region` (restricted to `households` when given: the user's scope) that
    fall in the monitoring range in `year`, or have a hardship report for it, each with reasons."""
    policy, note = monitoring_policy_for(region)
    limit, limit_label = income_limit(region, year)
    qs = Household.objects.filter(village__code__startswith=region.prefix)
    if households is not None:
        qs = qs.filter(pk__in=households.values("pk"))
    total = qs.count()
    qs = qs.filter(status__in=ELIGIBLE_STATUSES)
    cols = list(
        qs.order_by("household_no").values_list(
            "id",
            "household_no",
            "village__name",
            "status",
            "income_year",
            "income_per_capita",
            "size",
            "food_ok",
            "clothing_ok",
            "education_ok",
            "medical_ok",
            "housing_ok",
            "water_ok",
        )
    )
    empty = CandidateResult(region, year, limit, limit_label, note, [], total, 0)
    if not cols:
        return empty
    ids = np.array([c[0] for c in cols], dtype=np.int64)
    income_year = np.array([c[4] if c[4] is not None else -1 for c in cols], dtype=np.int64)
    registry_income = np.array([c[5] for c in cols], dtype=np.float64)
    size = np.maximum(np.array([c[6] for c in cols], dtype=np.float64), 1)
    guarantees = np.array([all(c[7:13]) for c in cols], dtype=bool)
    index = {int(h): i for i, h in enumerate(ids)}

    cur = np.where(income_year == year, registry_income, np.nan)
    prev = np.where(income_year == year - 1, registry_income, np.nan)
    id_subquery = qs.values("pk")
    for (hid, y), income in reported_incomes(id_subquery, [year - 1, year]).items():
        (cur if y == year else prev)[index[hid]] = income

    spending = np.zeros(len(ids))
    reports: dict[int, list[MonitoringReport]] = defaultdict(list)
    for r in MonitoringReport.objects.filter(household_id__in=id_subquery, year=year).order_by(
        "date", "id"
    ):
        reports[r.household_id].append(r)
    for hid, total_spent in (
        MonitoringReport.objects.filter(household_id__in=id_subquery, year=year)
        .values("household_id")
        .annotate(s=Sum("rigid_spending"))
        .values_list("household_id", "s")
    ):
        spending[index[hid]] = total_spent or 0.0

    known = ~np.isnan(cur)
    below = known & (cur < limit)
    prev_total = prev * size
    rigid_share = policy.rigid_spending_share
    rigid = (spending > 0) & ~np.isnan(prev) & (spending > rigid_share * prev_total)
    fall = np.zeros(len(ids), dtype=bool)
    if policy.income_fall_share is not None:
        fall = known & ~np.isnan(prev) & (prev > 0) & (cur <= (1 - policy.income_fall_share) * prev)
    reported = np.array([int(h) in reports for h in ids], dtype=bool)
    flagged = below | rigid | fall | ~guarantees | reported

    open_objects = dict(
        MonitoringObject.objects.filter(
            household_id__in=id_subquery, status__in=OPEN_STATUSES
        ).values_list("household_id", "id")
    )
    out: list[Candidate] = []
    for i in np.flatnonzero(flagged):
        c = cols[i]
        reasons: list[dict[str, Any]] = []
        if below[i]:
            reasons.append(
                {
                    "code": ReasonCode.INCOME_BELOW_MONITORING_LIMIT.value,
                    "message": f"{year} 年人均纯收入 {_yuan(cur[i])} 元 低于 {limit_label}",
                    "value": float(cur[i]),
                    "limit": float(limit),
                }
            )
        if fall[i]:
            share = 1 - cur[i] / prev[i]
            reasons.append(
                {
                    "code": ReasonCode.INCOME_FELL_SHARPLY.value,
                    "message": f"人均纯收入由 {year - 1} 年 {_yuan(prev[i])} 元 降至 {year} 年 "
                    f"{_yuan(cur[i])} 元，降幅 {share:.0%}，不低于 {policy.income_fall_share:.0%}",
                    "value": float(cur[i]),
                    "limit": float((1 - policy.income_fall_share) * prev[i]),  # type: ignore[operator]
                }
            )
        if rigid[i]:
            reasons.append(
                {
                    "code": ReasonCode.RIGID_SPENDING_HIGH.value,
                    "message": f"{year} 年上报刚性支出 {_yuan(spending[i])} 元，超过 {year - 1} 年家庭纯收入 "
                    f"{_yuan(prev_total[i])} 元"
                    + ("" if rigid_share == 1 else f"的 {rigid_share:g} 倍"),
                    "value": float(spending[i]),
                    "limit": float(rigid_share * prev_total[i]),
                }
            )
        if not guarantees[i]:
            reasons.append(
                {
                    "code": "guarantees_not_met",
                    "message": "两不愁三保障或饮水安全未全部保障（按登记数据）",
                }
            )
        for r in reports.get(int(ids[i]), []):
            parts = [f"{r.date.isoformat()} {ReportSource(r.source).label}"]
            if r.rigid_spending:
                kind = SpendingKind(r.spending_kind).label if r.spending_kind else "刚性支出"
                parts.append(f"{kind} {_yuan(r.rigid_spending)} 元")
            if r.income_per_capita is not None:
                parts.append(f"人均纯收入 {_yuan(r.income_per_capita)} 元")
            if r.description:
                parts.append(r.description)
            if r.rigid_spending and np.isnan(prev[i]):
                parts.append(f"{year - 1} 年收入无记录，未能与上年收入比较")
            reasons.append({"code": "reported", "message": "；".join(parts), "report": r.pk})
        status = c[3]
        if status == Status.EXITED:
            kind = ObjectKind.UNSTABLE_EXITED
        elif rigid[i] or spending[i] > 0:
            kind = ObjectKind.SUDDEN_HARDSHIP
        else:
            kind = ObjectKind.MARGINAL_AT_RISK
        out.append(
            Candidate(
                household_id=int(ids[i]),
                household_no=c[1],
                village=c[2],
                status=status,
                kind=kind.value,
                reasons=reasons,
                income=None if np.isnan(cur[i]) else float(cur[i]),
                open_object_id=open_objects.get(int(ids[i])),
            )
        )
    return CandidateResult(region, year, limit, limit_label, note, out, total, int((~known).sum()))
