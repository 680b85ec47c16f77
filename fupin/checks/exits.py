"""对象进出录入准: exits that the registry's own figures or records do not support."""

from __future__ import annotations

import numpy as np

from fupin.checks.data import EXITED, EXITED_EVENT, CheckData, IntArray
from fupin.checks.identification import failed_guarantees, guarantees_met
from fupin.checks.rule import Flags, Rule

FAMILY = "exits"
ACCURACY = "对象进出录入准"


def _exited(data: CheckData) -> np.ndarray:
    hh = data.households
    return np.asarray(hh.registered & (hh.status == EXITED))


def _failed_guarantee(data: CheckData) -> Flags:
    mask = _exited(data) & ~guarantees_met(data)

    def why(rows: IntArray) -> list[str]:
        return [
            "已脱贫，但“两不愁三保障”有缺项：" + "、".join(failed_guarantees(data, int(r)))
            for r in rows
        ]

    return Flags.build(mask, why)


def _income_not_above_line(data: CheckData) -> Flags:
    hh = data.households
    line = data.income_line()
    mask = _exited(data) & (hh.income_per_capita <= line)

    def why(rows: IntArray) -> list[str]:
        return [
            f"已脱贫，但人均纯收入 {hh.income_per_capita[r]:.0f} 元未超过国家扶贫标准 {line[r]:.0f} 元"
            for r in rows
        ]

    return Flags.build(mask, why)


def _no_exit_event(data: CheckData) -> Flags:
    assert data.events is not None
    e = data.events
    recorded = np.bincount(e.household[e.kind == EXITED_EVENT], minlength=len(data.households)) > 0
    mask = _exited(data) & ~recorded
    return Flags.build(mask, lambda rows: ["状态为已脱贫，但状态变更中无脱贫记录"] * len(rows))


def _no_public_notice(data: CheckData) -> Flags:
    assert data.exit_notices is not None
    hh = data.households
    notices = data.exit_notices
    n = len(hh)
    # A notice counts for the exit year it was posted in.
    key = notices.household * 10_000 + notices.year
    exited = _exited(data)
    mine = np.isin(np.arange(n) * 10_000 + hh.exited_year, key)
    mask = exited & ~mine

    def why(rows: IntArray) -> list[str]:
        return [f"{hh.exited_year[r]} 年脱贫退出，但无公示记录" for r in rows]

    return Flags.build(mask, why)


RULES = (
    Rule(
        id="exits.failed_guarantee",
        title="已脱贫户“两不愁三保障”有缺项",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_failed_guarantee,
    ),
    Rule(
        id="exits.income_not_above_line",
        title="已脱贫户人均纯收入未超过扶贫标准",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_income_not_above_line,
    ),
    Rule(
        id="exits.no_exit_event",
        title="已脱贫户无脱贫状态变更记录",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_no_exit_event,
        needs=("events",),
    ),
    Rule(
        id="exits.no_public_notice",
        title="脱贫退出无公示记录",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_no_public_notice,
        needs=("exit_notices",),
    ),
)
