"""The working group's assignment run and manual changes, on a small two-province campaign."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import (
    Assignment,
    ExpertCounty,
    InstitutionCounty,
    Team,
    TeamHousehold,
)
from fupin.assessments.services import (
    AssessmentError,
    assignment_change,
    assignment_current,
    assignment_run,
)
from fupin.assessments.tests.assignment_world import (
    HOUSEHOLDS_PER_COUNTY,
    AssignWorld,
    build_assign_world,
)


@pytest.fixture
def w(db) -> AssignWorld:
    return build_assign_world()


def _province(code: str) -> str:
    return code[:2]


def test_a_run_keeps_every_avoidance_rule_for_institutions_and_people(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group, seed=11)
    run = result.assignment
    assert run.seed == "11" and run.solver == "OR-Tools CP-SAT"

    held = list(InstitutionCounty.objects.filter(assignment=run).select_related("institution"))
    assert sorted(h.county.code for h in held) == sorted(c.code for c in w.counties)
    for h in held:
        p = _province(h.county.code)
        assert h.institution.province_code != p  # own province
        assert p not in h.institution.took_part_in  # took part in that province's own assessment
    assert not any(
        h.institution.name == "宁夏大学" and h.county.code.startswith("62") for h in held
    )

    experts = list(ExpertCounty.objects.filter(assignment=run).select_related("expert", "county"))
    assert len(experts) == 2 * len(w.counties)
    for ec in experts:
        p = _province(ec.county.code)
        assert ec.expert.employer_province != p
        assert p not in ec.expert.took_part_in
        assert ec.expert.exam_passed
    assert "未考过" not in {ec.expert.name for ec in experts}
    for county in w.counties:
        assert any(ec.expert.experienced for ec in experts if ec.county_id == county.pk)

    rows = list(
        TeamHousehold.objects.filter(assignment=run).select_related(
            "team__experienced_member", "team__new_member", "household__village"
        )
    )
    assert len(rows) == HOUSEHOLDS_PER_COUNTY * len(w.counties)
    holder = {h.county.code[:6]: h.institution_id for h in held}
    for row in rows:
        p = row.household.village.code[:2]
        team = row.team
        assert team.experienced_member.experienced and not team.new_member.experienced
        assert team.institution_id == holder[row.household.village.code[:6]]
        for member in team.members:
            assert member.employer_province != p
            assert p not in member.took_part_in


def test_the_run_is_audited_with_who_and_the_seed(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group, seed=5)
    entry = AuditEntry.objects.filter(
        model="Assignment", object_key=str(result.assignment.pk)
    ).get()
    assert entry.user_id == w.working_group.pk
    assert entry.after["seed"] == "5"
    assert AuditEntry.objects.filter(model="Team").count() == len(result.teams)


def test_without_a_seed_one_is_drawn_and_recorded(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group)
    assert result.assignment.seed == str(result.seed)


def test_the_same_seed_gives_the_same_assignment(w: AssignWorld):
    def snapshot(run: Assignment) -> tuple:
        return (
            sorted(
                InstitutionCounty.objects.filter(assignment=run).values_list(
                    "county", "institution"
                )
            ),
            sorted(ExpertCounty.objects.filter(assignment=run).values_list("county", "expert")),
            sorted(TeamHousehold.objects.filter(assignment=run).values_list("household", "team")),
        )

    first = assignment_run(w.campaign, user=w.working_group, seed=3).assignment
    second = assignment_run(w.campaign, user=w.working_group, seed=3).assignment
    assert first.pk != second.pk
    assert snapshot(first) == snapshot(second)
    # The second run reused the first run's teams instead of forming them again.
    assert Team.objects.filter(campaign=w.campaign).count() == len(
        {t for _, t in snapshot(first)[2]}
    )


def test_only_the_campaigns_working_group_runs_it(w: AssignWorld):
    for user in (w.outsider, None):
        with pytest.raises(AssessmentError, match="只有本任务的评估工作组成员"):
            assignment_run(w.campaign, user=user, seed=1)
    assert not Assignment.objects.exists()


def test_infeasible_institutions_are_explained_by_rule_and_name(db):
    w = build_assign_world(feasible=False)
    with pytest.raises(AssessmentError) as caught:
        assignment_run(w.campaign, user=w.working_group, seed=1)
    message = str(caught.value)
    assert "甘肃省的2个县没有可用的评估机构" in message
    assert "兰州大学" in message and "本省回避" in message
    assert "宁夏大学" in message and "参加过甘肃省的本省评估" in message and "参评回避" in message
    assert not Assignment.objects.exists() and not Team.objects.exists()


def test_infeasible_experts_are_named_with_their_rule(w: AssignWorld):
    for name in ("宁老师", "专家甲", "专家乙", "专家丙", "专家丁"):
        w.experts[name].exam_passed = False
        w.experts[name].save(update_fields=["exam_passed"])
    with pytest.raises(AssessmentError) as caught:
        assignment_run(w.campaign, user=w.working_group, seed=1)
    message = str(caught.value)
    assert "没有可用的专家" in message
    assert "甘老师" in message and "受雇于甘肃省单位" in message
    assert "参评甘" in message and "参加过甘肃省的本省评估" in message
    assert "未考过" not in message  # not in the pool at all


def test_a_county_without_drawn_households_is_refused_by_name(db):
    w = build_assign_world(undrawn=1)
    with pytest.raises(AssessmentError, match=f"尚未抽取农户.*：{w.counties[1].name}$"):
        assignment_run(w.campaign, user=w.working_group, seed=1)


def test_moving_an_expert_to_a_county_of_their_employers_province_is_refused(w: AssignWorld):
    assignment_run(w.campaign, user=w.working_group, seed=2)
    ningxia = w.counties[2]
    minxian = w.counties[0]
    run = assignment_current(w.campaign, "expert")
    assert run is not None
    in_ningxia = ExpertCounty.objects.filter(assignment=run, county=ningxia).first()
    assert in_ningxia is not None
    gan = w.experts["甘老师"]
    with pytest.raises(AssessmentError) as caught:
        assignment_change(
            w.campaign,
            user=w.working_group,
            kind="expert",
            changes=[{"expert": gan.pk, "from_county": None, "to_county": minxian.code}],
            reason="补充人手",
        )
    assert "甘老师" in str(caught.value) and "雇主省份回避" in str(caught.value)
    assert Assignment.objects.count() == 1


def test_a_change_needs_a_reason_and_the_working_group(w: AssignWorld):
    assignment_run(w.campaign, user=w.working_group, seed=2)
    expert = w.experts["专家甲"]
    with pytest.raises(AssessmentError, match="请填写调整理由"):
        assignment_change(
            w.campaign,
            user=w.working_group,
            kind="expert",
            changes=[{"expert": expert.pk, "to_county": w.counties[2].code}],
            reason=" ",
        )
    with pytest.raises(AssessmentError, match="只有本任务的评估工作组成员"):
        assignment_change(
            w.campaign,
            user=w.outsider,
            kind="expert",
            changes=[{"expert": expert.pk, "to_county": w.counties[2].code}],
            reason="x",
        )


def test_a_valid_expert_move_is_a_new_run_and_the_old_is_kept(w: AssignWorld):
    first = assignment_run(w.campaign, user=w.working_group, seed=2).assignment
    ningxia = w.counties[2]
    current = {
        ec.expert.name: ec.county
        for ec in ExpertCounty.objects.filter(assignment=first).select_related("expert", "county")
    }
    # An expert free to go anywhere, added to 宁夏's county where they are not yet.
    candidate = next(
        w.experts[n] for n in ("专家甲", "专家乙", "专家丙", "专家丁") if current.get(n) != ningxia
    )
    changed = assignment_change(
        w.campaign,
        user=w.working_group,
        kind="expert",
        changes=[{"expert": candidate.pk, "to_county": ningxia.code}],
        reason="宁夏的县户数多，加派一名专家",
    )
    assert changed.solver == "人工调整" and "宁夏的县户数多" in changed.note
    assert changed.seed == first.seed
    assert assignment_current(w.campaign, "expert") == changed
    assert assignment_current(w.campaign, "team") == first  # untouched parts stay in force
    assert ExpertCounty.objects.filter(assignment=first).count() == 6  # the old run is kept
    assert ExpertCounty.objects.filter(assignment=changed, county=ningxia).count() == 3
    entry = AuditEntry.objects.filter(
        model="Assignment", object_key=str(changed.pk), action="update"
    ).get()
    assert entry.note == "宁夏的县户数多，加派一名专家"
    assert entry.user_id == w.working_group.pk


def test_moving_households_to_a_team_whose_member_is_from_that_province_is_refused(
    w: AssignWorld,
):
    result = assignment_run(w.campaign, user=w.working_group, seed=4)
    # A team working in 宁夏 has no member from 甘肃 to trip over; find one with a 甘肃 member.
    gansu_home = [t for t in result.teams if any(m.employer_province == "62" for m in t.members)]
    assert gansu_home, "the world has enumerators from 甘肃 who are placed outside it"
    team = gansu_home[0]
    gansu_households = [no for no in result.team_of if no.startswith("62")]
    with pytest.raises(AssessmentError) as caught:
        assignment_change(
            w.campaign,
            user=w.working_group,
            kind="team",
            changes=[{"team": team.pk, "households": gansu_households[:1]}],
            reason="就近调整",
        )
    message = str(caught.value)
    assert "未保存" in message
    assert "家乡省份回避" in message or "调查组只去本机构承担的县" in message
    assert Assignment.objects.count() == 1


def test_swapping_two_teams_households_in_one_county_is_recorded(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group, seed=4)
    by_county: dict[str, list[Team]] = {}
    for no, team in result.team_of.items():
        by_county.setdefault(no[:6], [])
        if team not in by_county[no[:6]]:
            by_county[no[:6]].append(team)
    code, teams = next((c, ts) for c, ts in by_county.items() if len(ts) >= 2)
    a, b = teams[:2]
    of_a = [no for no, t in result.team_of.items() if t == a]
    of_b = [no for no, t in result.team_of.items() if t == b]
    changed = assignment_change(
        w.campaign,
        user=w.working_group,
        kind="team",
        changes=[{"team": a.pk, "households": of_b}, {"team": b.pk, "households": of_a}],
        reason="两组对调",
    )
    now = dict(
        TeamHousehold.objects.filter(assignment=changed).values_list(
            "household__household_no", "team_id"
        )
    )
    assert all(now[no] == b.pk for no in of_a) and all(now[no] == a.pk for no in of_b)
    assert Assignment.objects.filter(campaign=w.campaign).count() == 2
