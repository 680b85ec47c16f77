"""Dated status events (identified, exited, returned, removed) that agree with each status."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.policy.causes import DISABILITY, DISASTER, ILLNESS, SCHOOLING
from fupin.synth.households import Households

IntArray = npt.NDArray[np.int64]

EVENT_KINDS = ("identified", "exited", "returned", "removed")
IDENTIFIED, EXITED_EVENT, RETURNED_EVENT, REMOVED = range(4)
REASONS = (
    "经“一核二看三比四评议五公示”程序识别为建档立卡贫困户",
    "“回头看”核实补录为建档立卡贫困户",
    "动态管理新识别纳入建档立卡贫困户",
    "人均纯收入稳定超过国家扶贫标准，“两不愁三保障”有保障，经民主评议、公示退出",
    "因病返贫",
    "因灾返贫",
    "因残返贫",
    "因学返贫",
    "收入下降返贫",
    "“回头看”核查家庭人均纯收入超过识别标准，属识别不准，予以清退",
)


@dataclass
class Events:
    household: IntArray
    kind: IntArray
    date: npt.NDArray[np.datetime64]
    reason: IntArray  # index into REASONS

    def __len__(self) -> int:
        return len(self.household)


def _dates(
    rng: np.random.Generator, years: IntArray, first: tuple[int, int], last: tuple[int, int]
) -> npt.NDArray[np.datetime64]:
    """A random day between month/day `first` and `last` (inclusive) of each year."""
    months = (years - 1970).astype("datetime64[Y]").astype("datetime64[M]")
    start = (months + (first[0] - 1)).astype("datetime64[D]") + (first[1] - 1)
    end = (months + (last[0] - 1)).astype("datetime64[D]") + (last[1] - 1)
    span = (end - start).astype(np.int64) + 1
    offset = np.floor(rng.random(len(years)) * span).astype(np.int64)
    out: npt.NDArray[np.datetime64] = start + offset.astype("timedelta64[D]")
    return out


def make_events(hh: Households, main_cause: IntArray, rng: np.random.Generator) -> Events:
    """Identification in spring to autumn, exits at the year-end review, returns the year after."""
    idx = np.arange(len(hh))
    ident = idx[hh.identified_year > 0]
    ident_year = hh.identified_year[ident]
    ident_reason = np.select([ident_year == 2014, ident_year <= 2016], [0, 1], default=2)
    ex = idx[hh.exited_year > 0]
    ret = idx[hh.returned_year > 0]
    cause = main_cause[ret]
    ret_reason = np.select(
        [cause == ILLNESS, cause == DISASTER, cause == DISABILITY, cause == SCHOOLING],
        [4, 5, 6, 7],
        default=8,
    )
    rem = idx[hh.removed_year > 0]
    household = np.r_[ident, ex, ret, rem]
    kind = np.r_[
        np.full(len(ident), IDENTIFIED),
        np.full(len(ex), EXITED_EVENT),
        np.full(len(ret), RETURNED_EVENT),
        np.full(len(rem), REMOVED),
    ]
    date = np.r_[
        _dates(rng, ident_year, (3, 1), (10, 31)),
        _dates(rng, hh.exited_year[ex], (11, 1), (12, 31)),
        _dates(rng, hh.returned_year[ret], (3, 1), (10, 31)),
        _dates(rng, hh.removed_year[rem], (3, 1), (10, 31)),
    ]
    reason = np.r_[ident_reason, np.full(len(ex), 3), ret_reason, np.full(len(rem), 9)]
    order = np.lexsort((kind, date, household))
    return Events(
        household=household[order],
        kind=kind[order].astype(np.int64),
        date=date[order],
        reason=reason[order].astype(np.int64),
    )
