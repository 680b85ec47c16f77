"""扶贫政策落实准: a guarantee recorded as met that the members' records contradict."""

from __future__ import annotations

import numpy as np

from fupin.checks.data import DROPPED_OUT, CheckData
from fupin.checks.rule import Flags, Rule

FAMILY = "guarantees"
ACCURACY = "扶贫政策落实准"
# Compulsory education (义务教育) covers ages 6 to 15.
COMPULSORY_AGES = (6, 15)


def _education(data: CheckData) -> Flags:
    hh, p = data.households, data.persons
    lo, hi = COMPULSORY_AGES
    rows = np.flatnonzero((p.school_status == DROPPED_OUT) & ~p.deceased)
    age = p.age_at_end_of(data.year, rows)
    dropped = np.zeros(len(p), bool)
    dropped[rows[(age >= lo) & (age <= hi)]] = True
    dropped = data.members_any(dropped)
    mask = hh.in_registry & hh.education_ok & dropped
    return Flags.build(
        mask, lambda rows: ["“义务教育有保障”，但有义务教育阶段（6-15 岁）成员辍学"] * len(rows)
    )


def _medical(data: CheckData) -> Flags:
    hh, p = data.households, data.persons
    uninsured = data.members_any(~p.insured & ~p.deceased)
    mask = hh.in_registry & hh.medical_ok & uninsured
    return Flags.build(
        mask, lambda rows: ["“基本医疗有保障”，但有成员未参加基本医疗保险"] * len(rows)
    )


RULES = (
    Rule(
        id="guarantees.education_dropout",
        title="义务教育有保障，但有适龄成员辍学",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_education,
    ),
    Rule(
        id="guarantees.medical_uninsured",
        title="基本医疗有保障，但有成员未参保",
        family=FAMILY,
        accuracy=ACCURACY,
        evaluate=_medical,
    ),
)
