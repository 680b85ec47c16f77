"""A synthetic Gansu cooperation year: the four eastern cities and their districts, the 59
district↔county pairings of Gansu's 58 poor counties, agreements, and a ledger with shortfalls,
pending and disputed entries, so that reconciliation shows real differences.

Provenance of the pairings (data/gansu_pairings.csv, see data/README.md): the province and city
pairings and 津南区↔秦安县 are stated in seed 003; the other district↔county assignments are
plausible, not the official list. Everything else (targets, ledger amounts, which entries are
disputed) is drawn from `numpy.random.default_rng(seed)`; nothing is a real figure.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.utils import timezone

from fupin.cooperation.models import (
    Aggregation,
    Agreement,
    Indicator,
    Pairing,
    PairingLevel,
    PartnerKind,
)
from fupin.cooperation.services import (
    _code12,
    _data_text,
    agreement_sign,
    east_regions_load,
    grade_rules_load_default,
    indicators_load_default,
    innovation_add,
    ledger_entry_add,
    ledger_entry_transition,
    pairing_add,
    partner_pairing_add,
    self_assessment_submit,
)
from fupin.cooperation.workflows import EntryStatus, ReviewAction, Side, other_side
from fupin.regions.counties import read_counties
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties

SOURCE = "合成数据"

# Target per paired poor county (per pairing for the organisation indicators, marked None).
PER_COUNTY: dict[str, float] = {
    "E03": 0.5,
    "E04": 6,
    "E05": 5,
    "E06": 80,
    "E07": 3000,
    "E10": 0.5,
    "E11": 2000,
    "E12": 300,
    "E13": 800,
    "E14": 150,
    "E15": 300,
    "E16": 200,
    "E17": 1.2,
    "E18": 1.5,
    "E19": 1.0,
    "E20": 100,
    "W03": 5,
    "W04": 6.5,
    "W05": 80,
    "W06": 3000,
    "W09": 1.0,
    "W10": 0.5,
    "W11": 2000,
    "W12": 300,
    "W13": 800,
    "W14": 200,
    "W15": 150,
    "W16": 300,
    "W17": 1.2,
    "W18": 1.5,
    "W19": 1.0,
}
PER_PAIRING = {"E01": 4, "E02": 2, "W01": 4, "W02": 2}
SHARE_TARGETS = {"E08": 80, "E09": 70, "W07": 80, "W08": 70}  # percent
# Last year's figure is this year's divided by these (seed 000: 3.4×, 3.6×, 5×, 48×, 7×).
SEED_MULTIPLES = {"E07": 3.4, "W09": 3.6, "E04": 5.0, "E20": 48.0, "E12": 7.0}

INNOVATIONS = {
    "120000": [
        ("deeply_poor_tilt", "援助资金向甘南州、天祝县等深度贫困地区倾斜"),
        ("land_quota", "承接甘肃增减挂钩节余指标跨省域调剂"),
        ("other", "津南区与秦安县“我有一棵树，足以来扶贫”果树认购"),
    ],
    "350200": [
        ("other", "“鹭岛万人游临夏”旅游扶贫"),
        ("disabled", "帮助临夏州贫困残疾人就业和康复"),
    ],
    "350100": [("deeply_poor_tilt", "菌草种植和“阳光房”向深度贫困乡村倾斜")],
    "370200": [
        ("other", "辣椒订单农业带动陇南贫困户增收"),
        ("disabled", "资助陇南贫困残疾人辅具和技能培训"),
    ],
}


@dataclass
class CooperationCounts:
    east_regions: int = 0
    pairings: int = 0
    partner_pairings: int = 0
    agreements: int = 0
    entries: int = 0
    confirmed: int = 0
    pending: int = 0
    disputed: int = 0
    resolved: int = 0
    innovations: int = 0


def _ensure_regions() -> int:
    gansu = [c.region_code for c in read_counties(province="甘肃省")]
    if Region.objects.filter(code__in=gansu).count() < len(gansu):
        regions_load_poverty_counties(provinces={"甘肃省"})
    return east_regions_load()


def _pairings(counts: CooperationCounts) -> list[Pairing]:
    """The pairings of data/gansu_pairings.csv; returns the four top (province or city) ones."""
    rows = list(csv.DictReader(io.StringIO(_data_text("gansu_pairings.csv"))))
    regions = {
        r.code: r
        for r in Region.objects.filter(
            code__in={
                _code12(r[k])
                for r in rows
                for k in ("east", "west", "parent_east", "parent_west")
                if r[k]
            }
        )
    }
    tops: dict[tuple[str, str], Pairing] = {}
    for r in rows:
        parent = (
            tops.get((_code12(r["parent_east"]), _code12(r["parent_west"])))
            if r["parent_east"]
            else None
        )
        before = Pairing.objects.count()
        p = pairing_add(
            level=r["level"],
            east=regions[_code12(r["east"])],
            west=regions[_code12(r["west"])],
            start_year=int(r["start_year"]),
            parent=parent,
            source=f"{SOURCE}：{r['provenance']}"[:200],
        )
        counts.pairings += Pairing.objects.count() - before
        if r["level"] != PairingLevel.DISTRICT:
            tops[(p.east.code, p.west.code)] = p
    return list(tops.values())


def _partners(
    rng: np.random.Generator, district_pairings: list[Pairing], year: int, counts: CooperationCounts
) -> None:
    """携手奔小康 pairings for the counties whose townships and villages exist (the synthetic
    counties); invented names, marked 合成数据."""
    directions = "东西南北中"
    for p in district_pairings:
        county, district = p.west, p.east
        townships = list(
            Region.objects.filter(code__startswith=county.prefix, level=Level.TOWNSHIP).order_by(
                "code"
            )[:3]
        )
        villages = list(
            Region.objects.filter(
                code__startswith=county.prefix, level=Level.VILLAGE, is_poor_village=True
            ).order_by("code")[:6]
        )
        if not villages:
            continue
        made = []
        for i, t in enumerate(townships):
            made.append(
                partner_pairing_add(
                    kind=PartnerKind.TOWNSHIP,
                    pairing=p,
                    east_name=f"{district.name}{directions[i]}街道",
                    west_region=t,
                    start_year=year,
                    source=SOURCE,
                )
            )
        for i, v in enumerate(villages[:4]):
            made.append(
                partner_pairing_add(
                    kind=PartnerKind.VILLAGE,
                    pairing=p,
                    east_name=f"{district.name}{directions[i % 5]}街道第{i + 1}社区",
                    west_region=v,
                    start_year=year,
                    source=SOURCE,
                )
            )
        firm = ["农业科技", "食品", "纺织", "物流"][int(rng.integers(0, 4))]
        made.append(
            partner_pairing_add(
                kind=PartnerKind.ENTERPRISE,
                pairing=p,
                east_name=f"{district.name}某{firm}有限公司",
                west_region=villages[-1],
                start_year=year,
                source=SOURCE,
            )
        )
        if townships:
            made.append(
                partner_pairing_add(
                    kind=PartnerKind.SCHOOL,
                    pairing=p,
                    east_name=f"{district.name}实验小学",
                    west_region=townships[0],
                    west_name=f"{townships[0].name}中心小学",
                    start_year=year,
                    source=SOURCE,
                )
            )
        made.append(
            partner_pairing_add(
                kind=PartnerKind.HOSPITAL,
                pairing=p,
                east_name=f"{district.name}人民医院",
                west_region=county,
                west_name=f"{county.name}人民医院",
                start_year=year,
                source=SOURCE,
            )
        )
        counts.partner_pairings += len(made)


def _date(rng: np.random.Generator, year: int) -> dt.date:
    last = min(dt.date(year, 12, 31), timezone.localdate())
    span = (last - dt.date(year, 1, 1)).days
    return dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, span + 1)))


def _split(rng: np.random.Generator, total: float, parts: int, whole: bool) -> list[Decimal]:
    shares = rng.dirichlet(np.ones(parts))
    if whole:
        amounts = [int(round(total * s)) for s in shares]
        amounts[-1] += int(round(total)) - sum(amounts)
        return [Decimal(max(a, 0)) for a in amounts]
    return [Decimal(str(round(float(total * s), 2))) for s in shares]


class _Year:
    """One pairing's ledger for one year, entry by entry through the services."""

    def __init__(
        self,
        rng: np.random.Generator,
        top: Pairing,
        children: list[Pairing],
        year: int,
        counts: CooperationCounts,
    ) -> None:
        self.rng, self.top, self.children, self.year, self.counts = rng, top, children, year, counts

    def entry(
        self, ind: Indicator, amount: Decimal, *, status: str, title: str, entered_by: str
    ) -> None:
        if amount <= 0:
            return
        child = self.children[int(self.rng.integers(0, len(self.children)))]
        pairing = self.top if ind.area == "organisation" else child
        e = ledger_entry_add(
            pairing=pairing,
            year=self.year,
            date=_date(self.rng, self.year),
            indicator=ind,
            amount=amount,
            user=None,
            side=entered_by,
            county=pairing.west if pairing is child else None,
            beneficiaries=int(amount) if ind.unit == "人" else 0,
            title=title,
            evidence=f"{title}（合成佐证：文件、凭证编号 {int(self.rng.integers(10000, 99999))}）",
            source=SOURCE,
        )
        self.counts.entries += 1
        reviewer = other_side(entered_by)
        if status == EntryStatus.PENDING:
            self.counts.pending += 1
            return
        if status == EntryStatus.CONFIRMED:
            ledger_entry_transition(entry=e, action=ReviewAction.CONFIRM, user=None, side=reviewer)
            self.counts.confirmed += 1
            return
        ledger_entry_transition(
            entry=e,
            action=ReviewAction.DISPUTE,
            user=None,
            side=reviewer,
            opinion="佐证材料与实际不符，数额待核实",
        )
        if status == EntryStatus.RESOLVED:
            agreed = (amount * Decimal(str(round(float(self.rng.uniform(0.5, 0.9)), 2)))).quantize(
                Decimal("0.01") if amount != amount.to_integral_value() else Decimal(1)
            )
            ledger_entry_transition(
                entry=e,
                action=ReviewAction.RESOLVE,
                user=None,
                side=reviewer,
                opinion="双方核实后按实际到位数额确认",
                amount=agreed,
            )
            self.counts.resolved += 1
        else:
            self.counts.disputed += 1


def _status(rng: np.random.Generator) -> str:
    u = rng.random()
    if u < 0.05:
        return EntryStatus.PENDING
    if u < 0.09:
        return EntryStatus.DISPUTED
    if u < 0.12:
        return EntryStatus.RESOLVED
    return EntryStatus.CONFIRMED


def _targets(top: Pairing, n: int, indicators: list[Indicator]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for ind in indicators:
        if ind.code in PER_PAIRING:
            out[ind.code] = Decimal(PER_PAIRING[ind.code])
        elif ind.code in SHARE_TARGETS:
            out[ind.code] = Decimal(SHARE_TARGETS[ind.code])
        elif ind.code in PER_COUNTY:
            out[ind.code] = Decimal(max(1, round(PER_COUNTY[ind.code] * n)))
    return out


def _factors(rng: np.random.Generator, codes: list[str]) -> dict[str, float]:
    """Completion per indicator: mostly done, some short, a rare nothing; at least two short."""
    out = {}
    for c in codes:
        u = rng.random()
        # Fiscal aid is never wholly missing (it drives the share indicators).
        nothing = 0.0 if c not in ("E07", "W06") else float(rng.uniform(0.55, 0.95))
        out[c] = (
            float(rng.uniform(1.0, 1.25))
            if u < 0.8
            else float(rng.uniform(0.55, 0.95))
            if u < 0.96
            else nothing
        )
    short = [c for c in codes if out[c] < 1.0]
    for c in rng.permutation([c for c in codes if out[c] >= 1.0])[: max(0, 2 - len(short))]:
        out[str(c)] = float(rng.uniform(0.6, 0.9))
    return out


@transaction.atomic
def cooperation_load_synthetic(*, year: int, seed: int) -> CooperationCounts:
    """Build Gansu's cooperation year `year` (and last year's confirmed ledger, for the
    year-over-year multiples); refuses to run twice for one year."""
    if Agreement.objects.filter(year=year, pairing__west__code__startswith="62").exists():
        raise ValueError(f"{year} 年甘肃东西部扶贫协作数据已存在")
    counts = CooperationCounts()
    counts.east_regions = _ensure_regions()
    indicators_load_default()
    grade_rules_load_default()
    tops = _pairings(counts)
    rng = np.random.default_rng([seed, year, 7])
    catalogue = list(Indicator.objects.for_year(year).order_by("side", "order"))
    by_code = {i.code: i for i in catalogue}
    for top in sorted(tops, key=lambda p: p.east.code):
        children = list(
            top.children.select_related("east", "west").order_by("east__code", "west__code")
        )
        _partners(rng, children, top.start_year, counts)
        n = len({c.west_id for c in children})
        targets = _targets(top, n, catalogue)
        agreement_sign(
            pairing=top,
            year=year,
            targets=targets,
            user=None,
            side=Side.EAST,
            signed_on=dt.date(year, 3, 1),
            note=SOURCE,
        )
        counts.agreements += 1
        factors = _factors(rng, sorted(targets))
        ledger = _Year(rng, top, children, year, counts)
        achieved: dict[str, float] = {}
        for ind in catalogue:
            if ind.code not in targets or ind.aggregation == Aggregation.SHARE:
                continue
            total = float(targets[ind.code]) * factors[ind.code]
            # The west's mirror of an east figure follows it (cross-checks then mostly agree).
            if ind.side == Side.WEST and ind.counterpart_id and ind.counterpart.code in achieved:
                total = achieved[ind.counterpart.code] * float(rng.uniform(0.97, 1.0))
            achieved[ind.code] = total
            whole = ind.unit != "万元"
            if ind.aggregation == Aggregation.COUNT:
                amounts = [Decimal(1)] * int(round(total))
            else:
                parts = min(4, max(1, int(round(total)))) if whole else int(rng.integers(2, 5))
                amounts = _split(rng, total, parts, whole)
            for k, amount in enumerate(amounts):
                entered = ind.side if rng.random() < 0.85 else other_side(ind.side)
                ledger.entry(
                    ind,
                    amount,
                    status=_status(rng),
                    entered_by=entered,
                    title=f"{ind.name}（第 {k + 1} 笔）",
                )
            for share in (
                s
                for s in catalogue
                if s.aggregation == Aggregation.SHARE and s.base_id == ind.pk and s.code in targets
            ):
                fraction = min(0.99, float(targets[share.code]) / 100 * factors[share.code])
                for k, amount in enumerate(amounts):
                    ledger.entry(
                        share,
                        (amount * Decimal(str(round(fraction, 3)))).quantize(Decimal("0.01")),
                        status=EntryStatus.CONFIRMED,
                        entered_by=ind.side,
                        title=f"{share.name}（第 {k + 1} 笔资金中的相应部分）",
                    )
        if year - 1 >= top.start_year:
            last = _Year(rng, top, children, year - 1, counts)
            for code, total in achieved.items():
                ind = by_code[code]
                if ind.aggregation != Aggregation.SUM or total <= 0:
                    continue
                multiple = SEED_MULTIPLES.get(code, float(rng.uniform(1.1, 1.6)))
                amount = Decimal(str(round(total / multiple, 2 if ind.unit == "万元" else 0)))
                last.entry(
                    ind,
                    amount.quantize(Decimal("0.01") if ind.unit == "万元" else Decimal(1)),
                    status=EntryStatus.CONFIRMED,
                    entered_by=ind.side,
                    title=f"{ind.name}（上年度）",
                )
        for kind, title in INNOVATIONS.get(top.east.code[:6], []):
            innovation_add(
                pairing=top,
                year=year,
                kind=kind,
                title=title,
                user=None,
                side=Side.EAST if kind != "disabled" else Side.WEST,
                description=f"{title}（合成数据）",
                beneficiaries=int(rng.integers(100, 3000)),
            )
            counts.innovations += 1
        for side in (Side.EAST, Side.WEST):
            codes = [
                c
                for c in targets
                if by_code[c].side == side and by_code[c].aggregation != Aggregation.SHARE
            ]
            # Each side claims a little more than the confirmed ledger shows (a cross-check finds it).
            claims = {
                c: round(achieved.get(c, 0) * float(rng.uniform(1.0, 1.08)), 2) for c in codes[:6]
            }
            self_assessment_submit(
                pairing=top,
                year=year,
                user=None,
                side=side,
                text=f"{top} {year} 年{Side(side).label}自评（合成数据）",
                claims=claims,
                claimed_grade="好",
            )
    # The demo must show both kinds of difference: force one of each if chance gave none.
    _ensure_disputes(tops, year, counts)
    return counts


def _ensure_disputes(tops: list[Pairing], year: int, counts: CooperationCounts) -> None:
    from fupin.cooperation.models import LedgerEntry

    ids = [i for t in tops for i in t.descendant_ids()]
    entries = LedgerEntry.objects.filter(pairing_id__in=ids, year=year)
    if counts.disputed == 0 and (e := entries.filter(status=EntryStatus.PENDING).first()):
        ledger_entry_transition(
            entry=e,
            action=ReviewAction.DISPUTE,
            user=None,
            side=other_side(e.entered_by),
            opinion="数额待核实",
        )
        counts.pending -= 1
        counts.disputed += 1
    if counts.pending == 0 and (e := entries.filter(status=EntryStatus.CONFIRMED).last()):
        # Confirmed entries are locked; a fresh pending one is added instead.
        ledger_entry_add(
            pairing=e.pairing,
            year=year,
            date=e.date,
            indicator=e.indicator,
            amount=e.amount,
            user=None,
            side=e.entered_by,
            county=e.county,
            title=f"{e.title}（补录，待确认）",
            source=SOURCE,
        )
        counts.entries += 1
        counts.pending += 1
