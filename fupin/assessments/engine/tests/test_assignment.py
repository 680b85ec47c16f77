"""Tests for assigning institutions and experts to counties under the avoidance rules (三回避)."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from fupin.assessments.engine.assignment import (
    AssignmentInfeasible,
    CountyTask,
    Expert,
    Institution,
    Rule,
    assign_experts,
    assign_institutions,
    check_assignment,
)

REPO = Path(__file__).resolve().parents[4]
PROVINCES = ["13", "14", "15", "22", "23", "34", "36", "41", "42", "43", "45"]
PROVINCES += ["46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"]


def county(code: str, households: int = 1000) -> CountyTask:
    return CountyTask(code, code[:2], households)


def spread_counties(n: int, households: int = 1000) -> list[CountyTask]:
    return [county(f"{PROVINCES[k % 22]}{k:04d}", households + 7 * (k % 5)) for k in range(n)]


def spread_institutions(n: int) -> list[Institution]:
    return [Institution(f"I{k:02d}", f"机构{k}", PROVINCES[k % 22]) for k in range(n)]


def test_an_institution_never_assesses_its_own_province() -> None:
    counties = spread_counties(24)
    institutions = spread_institutions(12)
    for seed in range(5):
        done = assign_institutions(institutions, counties, rng_seed=seed)
        province = {i.id: i.province for i in institutions}
        assert all(province[done.institution_of[c.code]] != c.province for c in counties)
        assert (
            check_assignment(
                counties=counties, institutions=institutions, institution_of=done.institution_of
            )
            == []
        )


def test_each_county_gets_exactly_one_institution_within_the_capacity() -> None:
    counties = spread_counties(10)
    institutions = spread_institutions(5)
    done = assign_institutions(institutions, counties, rng_seed=3, max_counties_per_institution=2)
    assert sorted(done.institution_of) == sorted(c.code for c in counties)
    assert all(len(done.counties_of(i.id)) == 2 for i in institutions)


def _brute_force_best(
    institutions: list[Institution], counties: list[CountyTask]
) -> tuple[int, int]:
    best: tuple[int, int] | None = None
    for choice in itertools.product(institutions, repeat=len(counties)):
        if any(i.province == c.province for i, c in zip(choice, counties, strict=True)):
            continue
        loads = {i.id: 0 for i in institutions}
        for i, c in zip(choice, counties, strict=True):
            loads[i.id] += c.households
        key = (max(loads.values()), -min(loads.values()))
        best = key if best is None or key < best else best
    assert best is not None
    return best[0], -best[1]


def test_loads_are_as_even_as_any_assignment_allows() -> None:
    counties = [
        county("620101", 1200),
        county("620102", 700),
        county("530101", 900),
        county("530102", 400),
        county("450101", 1000),
        county("450102", 650),
    ]
    institutions = [
        Institution("gs", "甘肃所", "62"),
        Institution("yn", "云南所", "53"),
        Institution("gx", "广西所", "45"),
    ]
    most, least = _brute_force_best(institutions, counties)
    for seed in range(3):
        done = assign_institutions(institutions, counties, rng_seed=seed)
        assert done.solve.status == "optimal"
        assert (max(done.loads.values()), min(done.loads.values())) == (most, least)


def test_the_same_seed_gives_the_same_assignment_and_seeds_differ() -> None:
    counties = spread_counties(8)
    institutions = spread_institutions(6)
    first = assign_institutions(institutions, counties, rng_seed=11)
    again = assign_institutions(institutions, counties, rng_seed=11)
    assert first.institution_of == again.institution_of
    others = {
        tuple(
            sorted(assign_institutions(institutions, counties, rng_seed=s).institution_of.items())
        )
        for s in range(4)
    }
    assert len(others) > 1


def test_over_seeds_every_eligible_institution_gets_some_county() -> None:
    counties = [county(f"6201{n:02d}") for n in range(3)]
    institutions = spread_institutions(9)  # I18 is in Gansu (62) and must never appear
    used: set[str] = set()
    for seed in range(40):
        done = assign_institutions(institutions, counties, rng_seed=seed)
        assert max(done.loads.values()) == 1000  # balanced: nobody takes two counties
        used |= set(done.institution_of.values())
    assert used == {i.id for i in institutions if i.province != "62"}


def test_no_institution_outside_the_province_is_explained_by_the_own_province_rule() -> None:
    counties = [county(f"6201{n:02d}") for n in range(3)] + [county("530101")]
    institutions = [Institution("a", "兰州评估所", "62"), Institution("b", "陇原咨询", "62")]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_institutions(institutions, counties, rng_seed=1)
    blocker = caught.value.blockers[0]
    assert blocker.message == (
        "甘肃省的3个县没有可用的评估机构：所有评估机构均位于甘肃省（本省回避）"
    )
    assert "all institutions are located in 甘肃省 (own-province rule)" in blocker.message_en
    assert blocker.rules == (Rule.OWN_PROVINCE,)
    assert blocker.subjects == ("a", "b")
    assert len(caught.value.blockers) == 1  # the Yunnan county can be staffed


def test_too_few_institutions_outside_the_province_for_the_capacity_is_explained() -> None:
    counties = [county(f"6201{n:02d}") for n in range(3)] + [county("530101")]
    institutions = [Institution("a", "兰州评估所", "62"), Institution("b", "北京评估院", "11")]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_institutions(institutions, counties, rng_seed=1, max_counties_per_institution=2)
    assert str(caught.value).splitlines()[0] == (
        "甘肃省的3个县只剩 1 家可用评估机构（北京评估院），需要 2 家（每家至多承担 2 个县）："
        "评估机构 兰州评估所 位于甘肃省（本省回避）"
    )
    assert caught.value.rules == {Rule.OWN_PROVINCE, Rule.CAPACITY}


def test_total_capacity_shortfall_is_explained() -> None:
    counties = spread_counties(5)
    with pytest.raises(AssignmentInfeasible, match="最多只能承担 4 个县（承担县数上限）"):
        assign_institutions(
            spread_institutions(4), counties, rng_seed=1, max_counties_per_institution=1
        )


def experts_pool(n: int) -> list[Expert]:
    return [
        Expert(
            f"E{k:03d}",
            f"专家{k}",
            PROVINCES[k % 22],
            experienced=k % 3 == 0,
            took_part_in=frozenset({PROVINCES[(k * 7 + 3) % 22]}),
        )
        for k in range(n)
    ]


def test_an_expert_never_assesses_the_province_of_their_employer_or_one_they_took_part_in() -> None:
    counties = spread_counties(20)
    experts = experts_pool(60)
    done = assign_experts(experts, counties, rng_seed=5)
    by_id = {e.id: e for e in experts}
    for c in counties:
        team = [by_id[i] for i in done.experts_of[c.code]]
        assert len(team) == 2 and len(set(team)) == 2
        assert all(e.employer_province != c.province for e in team)
        assert all(c.province not in e.took_part_in for e in team)
        assert team[0].experienced  # the lead comes first
    assert max(done.loads.values()) == 1  # 60 experts for 40 places: nobody twice
    assert (
        check_assignment(
            counties=counties,
            experts=experts,
            experts_of=done.experts_of,
            experts_per_county=2,
            require_experienced_lead=True,
        )
        == []
    )


def test_an_expert_sent_by_an_institution_stays_with_its_counties() -> None:
    counties = spread_counties(6)
    institutions = spread_institutions(3)
    held = assign_institutions(institutions, counties, rng_seed=2)
    experts = [
        Expert(f"E{k}", f"专家{k}", "11", experienced=True, institution_id=f"I{k % 3:02d}")
        for k in range(12)
    ]
    done = assign_experts(experts, held, rng_seed=2)
    sent_by = {e.id: e.institution_id for e in experts}
    for code, team in done.experts_of.items():
        assert all(sent_by[e] == held.institution_of[code] for e in team)


def test_expert_assignment_is_reproducible() -> None:
    counties = spread_counties(12)
    experts = experts_pool(50)
    a = assign_experts(experts, counties, rng_seed=9)
    b = assign_experts(experts, counties, rng_seed=9)
    assert a.experts_of == b.experts_of
    others = {
        tuple(sorted(assign_experts(experts, counties, rng_seed=s).experts_of.items()))
        for s in range(4)
    }
    assert len(others) > 1


def test_too_few_experts_outside_the_employer_province_are_named() -> None:
    counties = [county(f"6201{n:02d}") for n in range(4)]
    experts = [
        Expert("e1", "张三", "62", True),
        Expert("e2", "李四", "62", True),
        Expert("e3", "王五", "11", True),
        Expert("e4", "赵六", "11", False, frozenset({"62"})),
    ]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_experts(experts, counties, rng_seed=1)
    blocker = caught.value.blockers[0]
    assert blocker.message == (
        "甘肃省的4个县只剩 1 名可用专家（王五），需要 2 名："
        "专家 张三、李四 均受雇于甘肃省单位（雇主省份回避）；"
        "专家 赵六 参加过甘肃省的本省评估（参评回避）"
    )
    assert blocker.rules == (Rule.EMPLOYER_PROVINCE, Rule.TOOK_PART)
    assert set(blocker.subjects) == {"e1", "e2", "e4"}


def test_a_missing_experienced_lead_is_named() -> None:
    counties = [county("620101")]
    experts = [
        Expert("e1", "张三", "62", True),
        Expert("e2", "李四", "11"),
        Expert("e3", "王五", "11"),
    ]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_experts(experts, counties, rng_seed=1)
    assert caught.value.blockers[0].message == (
        "甘肃省的县 620101没有可用的有经验的专家：所有有经验的专家均受雇于甘肃省单位（雇主省份回避）"
    )
    assert Rule.EXPERIENCED_LEAD in caught.value.rules
    done = assign_experts(experts, counties, rng_seed=1, require_experienced_lead=False)
    assert sorted(done.experts_of["620101"]) == ["e2", "e3"]


def test_a_conflict_between_counties_is_found_by_the_solver_and_named() -> None:
    # Each county alone has an expert; together they need 张三 twice, and he takes one county.
    counties = [county("620101"), county("530101")]
    experts = [
        Expert("e1", "张三", "11", True),
        Expert("e2", "李四", "62", True, frozenset({"53"})),
        Expert("e3", "王五", "53", True, frozenset({"62"})),
    ]
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_experts(
            experts, counties, rng_seed=1, experts_per_county=1, max_counties_per_expert=1
        )
    blocker = caught.value.blockers[0]
    assert blocker.message.startswith("无法同时满足：")
    assert "县 620101、530101 各需 1 名专家" in blocker.message
    assert "专家 张三 每人至多承担 1 个县" in blocker.message
    assert blocker.message.endswith("这些县可用的专家只有 张三")
    assert {Rule.CAPACITY, Rule.EXPERT_COUNT} <= set(blocker.rules)
    assert blocker.subjects == ("e1",)
    assert set(blocker.counties) == {"620101", "530101"}


def test_check_assignment_lists_every_broken_rule() -> None:
    counties = [county("620101"), county("530101"), county("450101")]
    institutions = [Institution("gs", "甘肃所", "62"), Institution("yn", "云南所", "53")]
    experts = [
        Expert("e1", "张三", "62", True),
        Expert("e2", "李四", "11", False, frozenset({"53"}), institution_id="gs"),
    ]
    found = check_assignment(
        counties=counties,
        institutions=institutions,
        institution_of={"620101": "gs", "530101": "gs", "999999": "yn"},
        max_counties_per_institution=1,
        experts=experts,
        experts_of={"620101": ["e1", "e1"], "530101": ["e2"]},
        experts_per_county=2,
        require_experienced_lead=True,
    )
    rules = [(v.rule, v.subject, v.county) for v in found]
    assert (Rule.OWN_PROVINCE, "gs", "620101") in rules
    assert (Rule.COVERAGE, "450101", "450101") in rules
    assert (Rule.COVERAGE, "999999", "999999") in rules
    assert (Rule.CAPACITY, "gs", None) in rules
    assert (Rule.EMPLOYER_PROVINCE, "e1", "620101") in rules
    assert (Rule.ONE_PLACE, "e1", "620101") in rules
    assert (Rule.TOOK_PART, "e2", "530101") in rules
    assert (Rule.EXPERIENCED_LEAD, "530101", "530101") in rules
    assert (Rule.EXPERT_COUNT, "530101", "530101") in rules
    assert (Rule.EXPERT_COUNT, "450101", "450101") in rules
    assert (Rule.EXPERT_INSTITUTION, "e2", "530101") not in rules  # gs holds 530101 here
    own = next(v for v in found if v.rule is Rule.OWN_PROVINCE)
    assert own.message == "机构 甘肃所 位于甘肃省，不能评估甘肃省的县 620101"


def test_the_engine_does_not_import_django() -> None:
    code = "import sys, fupin.assessments.engine.assignment;print('django' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]
