"""Tests for two-person field teams (以老带新), households to teams, and the full-size solve."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from fupin.assessments.engine.assignment import (
    AssignmentInfeasible,
    CountyTask,
    Enumerator,
    Expert,
    Institution,
    Rule,
    Team,
    assign_experts,
    assign_households,
    assign_institutions,
    check_assignment,
    form_teams,
)
from fupin.assessments.engine.tests.test_assignment import PROVINCES


def staff(institution: str, n: int, home: str = "11", start: int = 0) -> list[Enumerator]:
    return [
        Enumerator(f"{institution}-{k}", f"调查员{k}", home, k % 2 == 0, institution_id=institution)
        for k in range(start, start + n)
    ]


def test_pairs_are_one_experienced_and_one_new_from_one_institution_nobody_twice() -> None:
    people = staff("a", 7) + staff("b", 4)
    plan = form_teams(people, rng_seed=4)
    assert len(plan.teams) == 3 + 2
    assert all(t.mentor.experienced and not t.newcomer.experienced for t in plan.teams)
    assert all(t.mentor.institution_id == t.newcomer.institution_id for t in plan.teams)
    members = [m.id for t in plan.teams for m in t.members]
    assert len(members) == len(set(members))
    assert len(plan.unpaired) == 1 and plan.unpaired[0] in {"a-0", "a-2", "a-4", "a-6"}


def test_teams_go_only_to_their_institutions_counties_away_from_home_and_took_part() -> None:
    counties = [CountyTask("620101", "62", 1000), CountyTask("530101", "53", 500)]
    institutions = [Institution("a", "北京评估院", "11"), Institution("b", "上海评估院", "31")]
    held = assign_institutions(institutions, counties, rng_seed=1)
    people = staff("a", 12) + staff("b", 12)
    people += [
        Enumerator("x1", "家在甘肃", "62", True, institution_id="a"),
        Enumerator("x2", "家在云南", "53", False, institution_id="a"),
        Enumerator("x3", "参评甘肃", "11", True, frozenset({"62"}), institution_id="b"),
        Enumerator("x4", "参评云南", "11", False, frozenset({"53"}), institution_id="b"),
    ]
    plan = form_teams(people, rng_seed=1, assignment=held)
    assert (
        check_assignment(
            counties=counties,
            institutions=institutions,
            institution_of=held.institution_of,
            teams=plan.teams,
            county_of_team=plan.county_of_team,
        )
        == []
    )
    for team in plan.teams:
        code = plan.county_of_team[team.id]
        assert held.institution_of[code] == team.institution_id
    assert sum(len(plan.teams_in(c.code)) for c in counties) == len(plan.teams) == 12


def test_teams_are_spread_over_an_institutions_counties_by_households() -> None:
    counties = [CountyTask("620101", "62", 1500), CountyTask("530101", "53", 500)]
    held = assign_institutions([Institution("a", "北京评估院", "11")], counties, rng_seed=1)
    plan = form_teams(staff("a", 16), rng_seed=1, assignment=held)
    assert [len(plan.teams_in(c.code)) for c in counties] == [6, 2]
    assert plan.solve is not None and plan.solve.status == "optimal"


def test_team_placement_is_reproducible() -> None:
    counties = [CountyTask("620101", "62", 1000), CountyTask("530101", "53", 1000)]
    held = assign_institutions([Institution("a", "北京评估院", "11")], counties, rng_seed=1)
    people = staff("a", 20)

    def layout(seed: int) -> list[tuple[str, str, str]]:
        plan = form_teams(people, rng_seed=seed, assignment=held)
        return [(plan.county_of_team[t.id], t.mentor.id, t.newcomer.id) for t in plan.teams]

    assert layout(3) == layout(3)
    assert len({tuple(layout(s)) for s in range(4)}) > 1


def test_a_county_without_an_eligible_mentor_is_explained() -> None:
    counties = [CountyTask("620101", "62", 1000)]
    held = assign_institutions([Institution("a", "北京评估院", "11")], counties, rng_seed=1)
    people = [
        Enumerator("n1", "甲", "62", True, institution_id="a"),
        Enumerator("n2", "乙", "11", False, institution_id="a"),
        Enumerator("n3", "丙", "11", True, frozenset({"62"}), institution_id="a"),
    ]
    with pytest.raises(AssignmentInfeasible) as caught:
        form_teams(people, rng_seed=1, assignment=held)
    assert caught.value.blockers[0].message == (
        "甘肃省的县 620101（机构 a）没有可用的有经验的调查员："
        "有经验的调查员 甲 家在甘肃省（家乡省份回避）；"
        "有经验的调查员 丙 参加过甘肃省的本省评估（参评回避）"
    )
    assert caught.value.blockers[0].subjects == ("n1", "n3")


def test_one_mentor_cannot_lead_teams_in_two_counties() -> None:
    counties = [CountyTask("620101", "62", 1000), CountyTask("530101", "53", 1000)]
    held = assign_institutions([Institution("a", "北京评估院", "11")], counties, rng_seed=1)
    people = [
        Enumerator("n1", "甲", "11", True, institution_id="a"),
        Enumerator("n2", "乙", "11", False, institution_id="a"),
        Enumerator("n3", "丙", "11", False, institution_id="a"),
    ]
    with pytest.raises(AssignmentInfeasible) as caught:
        form_teams(people, rng_seed=1, assignment=held)
    assert caught.value.blockers[0].message.startswith(
        "2个县（机构 a）只剩 1 名可用有经验的调查员（甲），需要 2 名（每人至多承担 1 个县）"
    )
    assert Rule.ONE_PLACE in caught.value.rules


def test_households_are_dealt_evenly_within_each_county() -> None:
    counties = [CountyTask("620101", "62", 10), CountyTask("530101", "53", 7)]
    held = assign_institutions([Institution("a", "北京评估院", "11")], counties, rng_seed=1)
    plan = form_teams(staff("a", 10), rng_seed=1, assignment=held)
    households = {c.code: [f"{c.code}-{n}" for n in range(c.households)] for c in counties}
    team_of = assign_households(plan.teams, households, plan.county_of_team, rng_seed=5)
    assert team_of == assign_households(plan.teams, households, plan.county_of_team, rng_seed=5)
    for c in counties:
        sizes = Counter(team_of[h] for h in households[c.code])
        assert set(sizes) == {t.id for t in plan.teams_in(c.code)}
        assert max(sizes.values()) - min(sizes.values()) <= 1
    assert (
        check_assignment(
            counties=counties,
            teams=plan.teams,
            county_of_team=plan.county_of_team,
            team_of_household=team_of,
            households_by_county=households,
        )
        == []
    )


def test_households_are_refused_to_a_team_that_breaks_a_rule() -> None:
    mentor = Enumerator("m", "老张", "62", True, institution_id="a")
    newcomer = Enumerator("n", "小李", "11", True, institution_id="a")
    team = Team("t1", "a", mentor, newcomer)
    with pytest.raises(AssignmentInfeasible) as caught:
        assign_households([team], {"620101": ["h1", "h2"]}, {"t1": "620101"}, rng_seed=1)
    assert caught.value.rules == {Rule.MENTORING, Rule.HOME_PROVINCE}
    with pytest.raises(AssignmentInfeasible, match="县 530101 有 1 户待调查，但没有调查组"):
        assign_households([], {"530101": ["h3"]}, {}, rng_seed=1)


def test_check_assignment_catches_hand_made_team_violations() -> None:
    counties = [CountyTask("620101", "62", 10), CountyTask("530101", "53", 10)]
    old = Enumerator("m", "老张", "62", True, institution_id="a")
    old2 = Enumerator("m2", "老王", "11", True, frozenset({"53"}), institution_id="b")
    new = Enumerator("n", "小李", "11", False, institution_id="a")
    teams = [Team("t1", "a", old, new), Team("t2", "a", old2, new), Team("t3", "a", old, old2)]
    found = check_assignment(
        counties=counties,
        institution_of={"620101": "a", "530101": "b"},
        teams=teams,
        county_of_team={"t1": "620101", "t2": "530101"},
        team_of_household={"h1": "t2"},
        households_by_county={"620101": ["h1", "h2"]},
    )
    rules = {(v.rule, v.subject) for v in found}
    assert (Rule.HOME_PROVINCE, "m") in rules
    assert (Rule.TOOK_PART, "m2") in rules
    assert (Rule.ONE_PLACE, "n") in rules and (Rule.ONE_PLACE, "m") in rules
    assert (Rule.MENTORING, "t3") in rules
    assert (Rule.SAME_INSTITUTION, "t2") in rules
    assert (Rule.TEAM_COUNTY, "t2") in rules
    assert (Rule.HOUSEHOLD_TEAM, "h1") in rules and (Rule.HOUSEHOLD_TEAM, "h2") in rules


@pytest.mark.slow
def test_a_national_spot_check_scale_assignment_is_valid() -> None:
    # The 2019 scale: 60 counties in 22 provinces, 30 institutions, 300 experts, 2000 enumerators.
    rnd = random.Random(2019)
    counties = [
        CountyTask(f"{PROVINCES[k % 22]}{k:04d}", PROVINCES[k % 22], rnd.randint(900, 1100))
        for k in range(60)
    ]
    institutions = [Institution(f"I{k:02d}", f"机构{k}", PROVINCES[k % 22]) for k in range(30)]
    experts = [
        Expert(
            f"E{k:03d}",
            f"专家{k}",
            rnd.choice(PROVINCES),
            experienced=rnd.random() < 0.4,
            took_part_in=frozenset(rnd.sample(PROVINCES, 2)),
            institution_id=institutions[k % 30].id if k % 4 == 0 else None,
        )
        for k in range(300)
    ]
    enumerators = [
        Enumerator(
            f"N{k:04d}",
            f"调查员{k}",
            rnd.choice(PROVINCES),
            experienced=rnd.random() < 0.5,
            took_part_in=frozenset({rnd.choice(PROVINCES)}) if rnd.random() < 0.2 else frozenset(),
            institution_id=institutions[k % 30].id,
        )
        for k in range(2000)
    ]
    # Timing is measured in bench/, not asserted here (about 5 s on the 2-core machine).
    held = assign_institutions(institutions, counties, rng_seed=1)
    panel = assign_experts(experts, held, rng_seed=1)
    plan = form_teams(enumerators, rng_seed=1, assignment=held)
    households = {c.code: [f"{c.code}-{n}" for n in range(c.households)] for c in counties}
    team_of = assign_households(plan.teams, households, plan.county_of_team, rng_seed=1)
    assert max(held.loads.values()) - min(held.loads.values()) < 200
    assert len(plan.teams) > 850
    assert (
        check_assignment(
            counties=counties,
            institutions=institutions,
            institution_of=held.institution_of,
            experts=experts,
            experts_of=panel.experts_of,
            experts_per_county=2,
            require_experienced_lead=True,
            teams=plan.teams,
            county_of_team=plan.county_of_team,
            team_of_household=team_of,
            households_by_county=households,
        )
        == []
    )
