"""Reconciliation of the ledger against the agreement (对账), grades by rule, cross-checks and
year-over-year multiples. Read-only: nothing here writes.

Only confirmed entries (their amount) and resolved ones (the agreed amount) count; pending,
disputed and withdrawn entries count for nothing. A pairing's ledger includes the ledgers of the
pairings below it (a province pairing counts its districts' entries).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from fupin.cooperation.models import (
    Aggregation,
    Agreement,
    Grade,
    GradeRule,
    Indicator,
    LedgerEntry,
    Pairing,
    SelfAssessment,
)
from fupin.cooperation.workflows import EntryStatus, Side
from fupin.regions.templatetags.fupin_numbers import number_text

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class Completion:
    DONE = "done"
    PARTLY = "partly"
    NOT = "not"
    LABELS = {DONE: "完成", PARTLY: "部分完成", NOT: "未完成"}


def _q2(d: Decimal) -> Decimal:
    return d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Totals:
    """Per indicator id: what counts, and what waits (pending) or is contested (disputed)."""

    counted: dict[int, Decimal]
    counted_entries: dict[int, int]
    pending: dict[int, Decimal]
    pending_entries: dict[int, int]
    disputed: dict[int, Decimal]
    disputed_entries: dict[int, int]


def ledger_totals(pairing: Pairing, year: int) -> Totals:
    counted: dict[int, Decimal] = defaultdict(lambda: ZERO)
    counted_n: dict[int, int] = defaultdict(int)
    pending: dict[int, Decimal] = defaultdict(lambda: ZERO)
    pending_n: dict[int, int] = defaultdict(int)
    disputed: dict[int, Decimal] = defaultdict(lambda: ZERO)
    disputed_n: dict[int, int] = defaultdict(int)
    rows = LedgerEntry.objects.filter(pairing_id__in=pairing.descendant_ids(), year=year).only(
        "indicator_id", "amount", "agreed_amount", "status"
    )
    for e in rows:
        i = e.indicator_id
        if e.counts:
            amount = e.counted_amount
            counted[i] += amount
            if amount > 0:
                counted_n[i] += 1
        elif e.status == EntryStatus.PENDING:
            pending[i] += e.amount
            pending_n[i] += 1
        elif e.status == EntryStatus.DISPUTED:
            disputed[i] += e.amount
            disputed_n[i] += 1
    return Totals(
        dict(counted),
        dict(counted_n),
        dict(pending),
        dict(pending_n),
        dict(disputed),
        dict(disputed_n),
    )


def indicator_value(indicator: Indicator, totals: Totals) -> Decimal | None:
    """The indicator's achieved value from counted entries (None: a share without a base)."""
    if indicator.aggregation == Aggregation.COUNT:
        return Decimal(totals.counted_entries.get(indicator.pk, 0))
    amount = totals.counted.get(indicator.pk, ZERO)
    if indicator.aggregation == Aggregation.SHARE:
        base = totals.counted.get(indicator.base_id, ZERO) if indicator.base_id else ZERO
        return _q2(amount * HUNDRED / base) if base > 0 else None
    return amount


@dataclass(frozen=True)
class Line:
    """One indicator of the agreement against the ledger."""

    code: str
    name: str
    unit: str
    side: str
    area: str
    weight: Decimal
    target: Decimal
    value: Decimal | None
    ratio: Decimal | None
    completion: str
    counted_entries: int
    pending_entries: int
    pending_amount: Decimal
    disputed_entries: int
    disputed_amount: Decimal

    @property
    def completion_label(self) -> str:
        return Completion.LABELS[self.completion]

    @property
    def shortfall(self) -> Decimal:
        return max(ZERO, self.target - (self.value or ZERO))


@dataclass
class Reconciliation:
    agreement: Agreement
    lines: list[Line] = field(default_factory=list)

    def for_side(self, side: str) -> list[Line]:
        return [ln for ln in self.lines if ln.side == side]

    def count(self, completion: str, side: str | None = None) -> int:
        return sum(
            1
            for ln in self.lines
            if ln.completion == completion and (side is None or ln.side == side)
        )


def _completion(value: Decimal | None, target: Decimal) -> tuple[Decimal | None, str]:
    if target <= 0:
        return None, Completion.DONE
    if value is None or value <= 0:
        return (ZERO if value is not None else None), Completion.NOT
    ratio = (value / target).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return ratio, (Completion.DONE if value >= target else Completion.PARTLY)


def reconciliation(agreement: Agreement) -> Reconciliation:
    """Each target of the agreement against the counted ledger: value, ratio, done/partly/not."""
    totals = ledger_totals(agreement.pairing, agreement.year)
    out = Reconciliation(agreement=agreement)
    targets = agreement.targets.select_related("indicator").order_by(
        "indicator__side", "indicator__order", "indicator__code"
    )
    for t in targets:
        ind = t.indicator
        value = indicator_value(ind, totals)
        ratio, completion = _completion(value, t.target)
        out.lines.append(
            Line(
                code=ind.code,
                name=ind.name,
                unit=ind.unit,
                side=ind.side,
                area=ind.area,
                weight=ind.weight,
                target=t.target,
                value=value,
                ratio=ratio,
                completion=completion,
                counted_entries=totals.counted_entries.get(ind.pk, 0),
                pending_entries=totals.pending_entries.get(ind.pk, 0),
                pending_amount=totals.pending.get(ind.pk, ZERO),
                disputed_entries=totals.disputed_entries.get(ind.pk, 0),
                disputed_amount=totals.disputed.get(ind.pk, ZERO),
            )
        )
    return out


@dataclass(frozen=True)
class GradeResult:
    side: str
    grade: str
    score: Decimal
    done: int
    partly: int
    not_done: int
    open_disputes: int
    rule_id: int | None

    @property
    def grade_label(self) -> str:
        return str(Grade(self.grade).label)


def _rules(side: str, year: int) -> list[GradeRule]:
    return list(
        GradeRule.objects.filter(Q(side="") | Q(side=side))
        .filter(Q(from_year__isnull=True) | Q(from_year__lte=year))
        .filter(Q(to_year__isnull=True) | Q(to_year__gte=year))
        .order_by("order", "id")
    )


def grade_compute(
    agreement: Agreement, side: str, *, recon: Reconciliation | None = None
) -> GradeResult:
    """The side's grade (好/较好/一般/差): the first GradeRule, in order, whose conditions all
    hold; 差 when none does. Score = weighted mean of completion ratios capped at 1, × 100."""
    if side not in Side.values:
        raise ValueError(f"未知的协作方：{side}")
    recon = recon or reconciliation(agreement)
    lines = recon.for_side(side)
    weight = sum((ln.weight for ln in lines), ZERO)
    achieved = sum(
        (
            ln.weight
            * (
                Decimal(1)
                if ln.completion == Completion.DONE
                else min(Decimal(1), ln.ratio or ZERO)
            )
            for ln in lines
        ),
        ZERO,
    )
    score = _q2(achieved * HUNDRED / weight) if weight > 0 else ZERO
    done = sum(1 for ln in lines if ln.completion == Completion.DONE)
    partly = sum(1 for ln in lines if ln.completion == Completion.PARTLY)
    not_done = sum(1 for ln in lines if ln.completion == Completion.NOT)
    open_disputes = sum(ln.disputed_entries for ln in lines)
    done_share = Decimal(done) / Decimal(len(lines)) if lines else ZERO
    for rule in _rules(side, agreement.year):
        if (
            score >= rule.min_score
            and done_share >= rule.min_done_share
            and (rule.max_not_done is None or not_done <= rule.max_not_done)
            and (rule.max_open_disputes is None or open_disputes <= rule.max_open_disputes)
        ):
            return GradeResult(
                side, rule.grade, score, done, partly, not_done, open_disputes, rule.pk
            )
    return GradeResult(side, Grade.POOR, score, done, partly, not_done, open_disputes, None)


@dataclass(frozen=True)
class CrossCheck:
    """Two figures that should agree: the east's and the west's counterpart indicators, or a
    side's self-reported figure and its confirmed ledger."""

    kind: str  # "counterpart" or "claim"
    code: str
    other: str
    a: Decimal | None
    b: Decimal | None
    ok: bool
    message: str


def cross_checks(
    pairing: Pairing, year: int, *, tolerance: Decimal = Decimal("0.05")
) -> list[CrossCheck]:
    """Counterpart indicators (east ↔ west) and self-assessment claims against the counted ledger;
    a difference above `tolerance` (share of the larger figure) is flagged."""
    totals = ledger_totals(pairing, year)
    out: list[CrossCheck] = []

    def differs(a: Decimal | None, b: Decimal | None) -> bool:
        if a is None or b is None:
            return a is not b
        big = max(abs(a), abs(b))
        return big > 0 and abs(a - b) > tolerance * big

    seen: set[tuple[str, str]] = set()
    for ind in (
        Indicator.objects.filter(counterpart__isnull=False, side=Side.EAST)
        .select_related("counterpart")
        .for_year(year)
    ):
        other = ind.counterpart
        assert other is not None
        if (ind.code, other.code) in seen:
            continue
        seen.add((ind.code, other.code))
        a, b = indicator_value(ind, totals), indicator_value(other, totals)
        if not a and not b:
            continue
        bad = differs(a, b)
        out.append(
            CrossCheck(
                "counterpart",
                ind.code,
                other.code,
                a,
                b,
                not bad,
                f"东部“{ind.name}”{number_text(a)} 与西部“{other.name}”{number_text(b)}"
                + ("不一致" if bad else "一致"),
            )
        )
    by_code = {i.code: i for i in Indicator.objects.all()}
    for sa in SelfAssessment.objects.filter(pairing=pairing, year=year).order_by("side"):
        for code, claimed in sorted(sa.claims.items()):
            ind = by_code.get(code)
            if ind is None:
                continue
            value = indicator_value(ind, totals)
            c = Decimal(str(claimed))
            bad = differs(c, value)
            out.append(
                CrossCheck(
                    "claim",
                    code,
                    sa.side,
                    c,
                    value,
                    not bad,
                    f"{Side(sa.side).label}自报“{ind.name}”{number_text(c)}，"
                    f"台账确认 {number_text(value)}" + ("，不一致" if bad else ""),
                )
            )
    return out


@dataclass(frozen=True)
class Multiple:
    code: str
    name: str
    unit: str
    last: Decimal
    this: Decimal
    multiple: Decimal | None  # this / last, one decimal; None when last year had nothing


def yoy_multiples(pairing: Pairing, year: int) -> list[Multiple]:
    """This year's counted ledger over last year's, per summed or counted indicator (the seed's
    3.4×, 3.6×, 5×, 48×, 7×). Shares are left out: a ratio of percentages says nothing."""
    now, before = ledger_totals(pairing, year), ledger_totals(pairing, year - 1)
    ids = set(now.counted) | set(before.counted)
    out = []
    for ind in Indicator.objects.filter(pk__in=ids).exclude(aggregation=Aggregation.SHARE):
        this, last = indicator_value(ind, now) or ZERO, indicator_value(ind, before) or ZERO
        multiple = (
            (this / last).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if last > 0 else None
        )
        out.append(Multiple(ind.code, ind.name, ind.unit, last, this, multiple))
    return out
