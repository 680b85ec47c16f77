"""三回避 for institutions: one that took part in a province's own assessment stands aside there."""

from __future__ import annotations

import pytest

from fupin.assessments.engine.assignment import (
    AssignmentInfeasible,
    CountyTask,
    Institution,
    Rule,
    assign_institutions,
    check_assignment,
)
from fupin.assessments.engine.assignment_rules import institution_exclusions

GANSU = CountyTask(code="621126000000", province="62", households=10, name="岷县")
NINGXIA = CountyTask(code="640422000000", province="64", households=10, name="西吉县")


def test_the_took_part_rule_keeps_an_institution_off_that_province():
    nxu = Institution("nxu", "宁夏大学", "64", frozenset({"62"}))
    assert institution_exclusions(nxu, GANSU) == (Rule.TOOK_PART,)
    assert institution_exclusions(nxu, NINGXIA) == (Rule.OWN_PROVINCE,)


def test_the_solver_never_sends_it_there_and_names_it_when_no_one_else_can_go():
    nxu = Institution("nxu", "宁夏大学", "64", frozenset({"62"}))
    bnu = Institution("bnu", "北京师范大学", "11")
    held = assign_institutions([nxu, bnu], [GANSU], rng_seed=1)
    assert held.institution_of == {GANSU.code: "bnu"}
    lzu = Institution("lzu", "兰州大学", "62")
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_institutions([nxu, lzu], [GANSU], rng_seed=1)
    assert caught.value.rules == {Rule.TOOK_PART, Rule.OWN_PROVINCE}
    message = str(caught.value)
    assert "评估机构 宁夏大学 参加过甘肃省的本省评估（参评回避）" in message
    assert "评估机构 兰州大学 位于甘肃省（本省回避）" in message


def test_the_check_reports_it():
    nxu = Institution("nxu", "宁夏大学", "64", frozenset({"62"}))
    violations = check_assignment(
        counties=[GANSU], institutions=[nxu], institution_of={GANSU.code: "nxu"}
    )
    assert [v.rule for v in violations] == [Rule.TOOK_PART]
    assert "宁夏大学" in violations[0].message and "岷县" in violations[0].message
