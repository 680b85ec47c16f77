"""Grades from configurable rules, and year-over-year multiples from the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fupin.cooperation.models import GradeRule
from fupin.cooperation.services import (
    agreement_sign,
    grade_compute,
    ledger_entry_add,
    ledger_entry_transition,
    yoy_multiples,
)


def _confirmed(coop, year, code, amount):
    e = ledger_entry_add(
        pairing=coop.district,
        year=year,
        date=dt.date(year, 6, 1),
        indicator=code,
        amount=amount,
        user=coop.east_user,
    )
    ledger_entry_transition(entry=e, action="confirm", user=coop.west_user)


def test_grade_follows_the_rules_in_the_table(coop):
    agreement = agreement_sign(
        pairing=coop.top, year=2019, targets={"E07": "1000", "E12": "100"}, user=coop.tianjin_user
    )
    _confirmed(coop, 2019, "E07", "1000")
    _confirmed(coop, 2019, "E12", "80")
    GradeRule.objects.all().delete()
    GradeRule.objects.create(grade="good", order=1, min_score=95)
    GradeRule.objects.create(grade="fairly_good", order=2, min_score=85)
    result = grade_compute(agreement, "east")
    assert result.score == Decimal("90.00") and (result.done, result.partly) == (1, 1)
    assert result.grade == "fairly_good" and result.grade_label == "较好"
    # Change the data, not the code: the same ledger grades differently.
    GradeRule.objects.filter(grade="good").update(min_score=90)
    assert grade_compute(agreement, "east").grade == "good"
    GradeRule.objects.all().delete()
    assert grade_compute(agreement, "east").grade == "poor"
    # The west has no targets here: nothing done, graded by the same fall-through.
    assert grade_compute(agreement, "west").score == 0


def test_open_disputes_can_cap_the_grade(coop):
    agreement = agreement_sign(
        pairing=coop.top, year=2019, targets={"E07": "100"}, user=coop.tianjin_user
    )
    _confirmed(coop, 2019, "E07", "100")
    e = ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=dt.date(2019, 7, 1),
        indicator="E07",
        amount="50",
        user=coop.east_user,
    )
    ledger_entry_transition(entry=e, action="dispute", user=coop.west_user, opinion="重复报账")
    GradeRule.objects.all().delete()
    GradeRule.objects.create(grade="good", order=1, min_score=95, max_open_disputes=0)
    GradeRule.objects.create(grade="fairly_good", order=2, min_score=80)
    assert grade_compute(agreement, "east").grade == "fairly_good"


def test_year_over_year_multiples_like_the_seed(coop):
    # Seed 000: 济南's fiscal aid 8147 万元 (2017) → 2.8 亿元 (2018), 3.4×; people lifted 7×.
    _confirmed(coop, 2018, "E07", "8147")
    _confirmed(coop, 2019, "E07", "20000")
    _confirmed(coop, 2019, "E07", "8000")
    _confirmed(coop, 2018, "E12", "2480")
    _confirmed(coop, 2019, "E12", "17359")
    _confirmed(coop, 2019, "E20", "48")
    pending = ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=dt.date(2019, 8, 1),
        indicator="E12",
        amount="99999",
        user=coop.east_user,
    )
    assert pending.status == "pending"
    got = {m.code: m for m in yoy_multiples(coop.top, 2019)}
    assert got["E07"].multiple == Decimal("3.4") and got["E07"].this == Decimal("28000")
    assert got["E12"].multiple == Decimal("7.0")
    assert got["E20"].multiple is None and got["E20"].last == 0
