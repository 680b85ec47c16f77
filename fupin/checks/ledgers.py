"""计划措施制定准 and 台账进度记录准: the three ledgers per household (户户3本账)."""

from __future__ import annotations

from fupin.checks.data import CheckData
from fupin.checks.rule import Flags, Rule

FAMILY = "ledgers"


def _no_plan(data: CheckData) -> Flags:
    mask = data.households.still_poor & ~data.ledger_any("plans")
    return Flags.build(mask, lambda rows: ["未脱贫户无脱贫计划"] * len(rows))


def _plan_without_measures(data: CheckData) -> Flags:
    hh = data.households
    mask = hh.in_registry & data.ledger_any("plans") & ~data.ledger_any("measures")
    return Flags.build(mask, lambda rows: ["有脱贫计划，但无帮扶措施"] * len(rows))


def _no_visit(data: CheckData) -> Flags:
    # After exit the pairing continues (跟踪联系), so exited households are visited too.
    mask = data.households.in_registry & ~data.ledger_any("visits", data.year)
    return Flags.build(mask, lambda rows: [f"{data.year} 年无走访记录"] * len(rows))


RULES = (
    Rule(
        id="ledgers.no_plan",
        title="未脱贫户无脱贫计划",
        family=FAMILY,
        accuracy="计划措施制定准",
        evaluate=_no_plan,
        needs=("plans",),
    ),
    Rule(
        id="ledgers.plan_without_measures",
        title="有脱贫计划但无帮扶措施",
        family=FAMILY,
        accuracy="计划措施制定准",
        evaluate=_plan_without_measures,
        needs=("plans", "measures"),
    ),
    Rule(
        id="ledgers.no_visit_this_year",
        title="本年度无走访记录",
        family=FAMILY,
        accuracy="台账进度记录准",
        evaluate=_no_visit,
        needs=("visits",),
    ),
)
