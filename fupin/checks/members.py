"""家庭情况核实准: the member roster (a person listed twice, a deceased member, the size)."""

from __future__ import annotations

import numpy as np

from fupin.checks.data import CheckData, IntArray
from fupin.checks.rule import Flags, Rule
from fupin.policy.idnumber import mask as mask_id

FAMILY = "members"
ACCURACY = "家庭情况核实准"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _first_by_household(rows: np.ndarray, households: np.ndarray, n: int) -> IntArray:
    """For each household, the first of `rows` (person rows) that belongs to it, or -1."""
    out = np.full(n, -1, np.int64)
    # Reversed assignment leaves the first occurrence in place.
    out[households[::-1]] = rows[::-1]
    return out


def _sort_keys(ids: np.ndarray) -> np.ndarray:
    """Keys that sort and compare as `ids` do for equality: 18-character ID numbers written
    canonically (17 digits, then a digit or X) become one integer each, which sorts several times
    faster than the bytes; anything else is kept as it is."""
    if ids.dtype != np.dtype("S18") or len(ids) == 0:
        return ids
    chars = ids.view(np.uint8).reshape(-1, 18) - np.uint8(ord("0"))  # wraps below "0"
    last = chars[:, 17]
    is_x = last == ord("X") - ord("0")
    if not ((chars[:, :17] <= 9).all() and ((last <= 9) | is_x).all()):
        return ids
    check = np.where(is_x, np.uint8(10), last)
    keys = np.zeros(len(ids), np.int64)
    for i in range(17):
        keys *= 10
        keys += chars[:, i]
    keys *= 11
    keys += check
    return keys


def _duplicate(data: CheckData) -> Flags:
    p, hh = data.persons, data.households
    on_roll = np.flatnonzero(hh.in_registry[p.household])
    ids = _sort_keys(p.id_number[on_roll])
    order = np.argsort(ids, kind="stable")
    s = ids[order]
    same = s[1:] == s[:-1]
    dup_sorted = np.zeros(len(s), bool)
    dup_sorted[1:] |= same
    dup_sorted[:-1] |= same
    dup_rows = on_roll[order[dup_sorted]]
    n = len(hh)
    mask = np.bincount(p.household[dup_rows], minlength=n) > 0
    first = _first_by_household(dup_rows, p.household[dup_rows], n)
    counts = dict(zip(*np.unique(p.id_number[dup_rows], return_counts=True), strict=True))

    def why(rows: IntArray) -> list[str]:
        return [
            f"身份证号 {mask_id(_text(p.id_number[first[r]]))} 在建档立卡中登记 "
            f"{counts[p.id_number[first[r]]]} 次"
            for r in rows
        ]

    return Flags.build(mask, why)


def _deceased(data: CheckData) -> Flags:
    p, hh = data.persons, data.households
    rows_dead = np.flatnonzero(p.deceased & hh.in_registry[p.household])
    n = len(hh)
    mask = np.bincount(p.household[rows_dead], minlength=n) > 0
    first = _first_by_household(rows_dead, p.household[rows_dead], n)

    def why(rows: IntArray) -> list[str]:
        return [
            f"已故成员（身份证号 {mask_id(_text(p.id_number[first[r]]))}）仍列在家庭成员中"
            for r in rows
        ]

    return Flags.build(mask, why)


def _size_mismatch(data: CheckData) -> Flags:
    hh = data.households
    listed = np.bincount(data.persons.household, minlength=len(hh))
    mask = hh.in_registry & (listed != hh.size)

    def why(rows: IntArray) -> list[str]:
        return [f"家庭人口登记为 {hh.size[r]} 人，成员名单有 {listed[r]} 人" for r in rows]

    return Flags.build(mask, why)


RULES = (
    Rule(
        id="members.duplicate",
        title="家庭成员重复登记（身份证号重复）",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_duplicate,
    ),
    Rule(
        id="members.deceased",
        title="已故人员仍在家庭成员中",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_deceased,
    ),
    Rule(
        id="members.size_mismatch",
        title="家庭人口数与成员名单人数不一致",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_size_mismatch,
    ),
)
