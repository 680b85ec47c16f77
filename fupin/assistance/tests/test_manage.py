"""The offices' management of the help: units, ending village pairings, team members, project
changes, return visits (回头看) and who may do each (the county office, not the neighbour's)."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assistance.models import (
    HelpingUnit,
    ProjectBeneficiary,
    TeamRole,
    VillagePairing,
    WorkTeamMember,
)
from fupin.assistance.selectors import tracking_years, units_for
from fupin.assistance.services import (
    AssistanceError,
    HelpDenied,
    TeamMemberInput,
    WarningKind,
    assistance_warnings,
    pairing_household_create,
    pairing_village_create,
    pairing_work_team_create,
    project_beneficiary_add,
    project_create,
)
from fupin.assistance.services_manage import (
    pairing_village_end,
    pairing_village_update,
    project_beneficiary_remove,
    project_update,
    return_visit_add,
    unit_create,
    unit_deactivate,
    unit_member_add,
    unit_reactivate,
    unit_update,
    work_team_end,
    work_team_member_join,
    work_team_member_leave,
)
from fupin.assistance.tests.conftest import identify, make_cadre
from fupin.regions.models import Region
from fupin.registry.selectors import audit_changes
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db


def _unit(world: World, name: str = "甘肃省财政厅") -> HelpingUnit:
    county = Region.objects.get(code=COUNTY)
    return unit_create(
        name=name, kind="government", region=county, actor="t", user=world.users["county_officer"]
    )


def test_the_county_office_registers_and_changes_a_unit_and_the_neighbour_may_not(
    world: World,
) -> None:
    unit = _unit(world)
    assert unit in units_for(world.users["county_officer"])
    assert unit not in units_for(world.users["neighbour_officer"])
    with pytest.raises(HelpDenied, match="扶贫部门"):
        unit_update(
            unit=unit,
            name="改名",
            kind="government",
            region=unit.region,
            actor="t",
            user=world.users["neighbour_officer"],
        )
    with pytest.raises(HelpDenied):
        unit_create(
            name="宕昌单位",
            kind="government",
            region=Region.objects.get(code=COUNTY),
            actor="t",
            user=world.users["neighbour_officer"],
        )
    unit_update(
        unit=unit,
        name="甘肃省财政厅（新）",
        kind="state_firm",
        region=unit.region,
        actor="t",
        user=world.users["county_officer"],
    )
    unit.refresh_from_db()
    assert (unit.name, unit.kind) == ("甘肃省财政厅（新）", "state_firm")
    row = AuditEntry.objects.filter(model="HelpingUnit", action="update").get()
    assert row.before == {"name": "甘肃省财政厅", "kind": "government"}


def test_a_duplicate_unit_name_is_refused_naming_the_field(world: World) -> None:
    _unit(world)
    with pytest.raises(AssistanceError, match="单位名称：已有名为"):
        _unit(world)


def test_a_unit_still_helping_a_village_cannot_be_deactivated(world: World) -> None:
    officer = world.users["county_officer"]
    unit = _unit(world)
    pairing = pairing_village_create(
        unit=unit,
        village=world.household.village,
        start=dt.date(2016, 1, 1),
        actor="t",
        user=officer,
    )
    with pytest.raises(AssistanceError, match="仍在结对帮扶 东街村"):
        unit_deactivate(unit=unit, on=dt.date(2020, 1, 1), reason="撤并", actor="t", user=officer)
    pairing_village_end(
        pairing=pairing, end=dt.date(2019, 1, 1), reason="三年期满", actor="t", user=officer
    )
    unit_deactivate(unit=unit, on=dt.date(2020, 1, 1), reason="撤并", actor="t", user=officer)
    unit.refresh_from_db()
    assert not unit.active and unit.deactivation_reason == "撤并"
    with pytest.raises(AssistanceError, match="已停用"):
        pairing_village_create(
            unit=unit, village=world.household.village, start=dt.date(2020, 2, 1), actor="t"
        )
    unit_reactivate(unit=unit, actor="t", user=officer)
    unit.refresh_from_db()
    assert unit.active


def test_ending_a_village_pairing_needs_a_reason_and_is_audited(world: World) -> None:
    officer = world.users["county_officer"]
    pairing = pairing_village_create(
        unit=_unit(world),
        village=world.household.village,
        start=dt.date(2016, 1, 1),
        actor="t",
        user=officer,
    )
    with pytest.raises(AssistanceError, match="解除原因：不能为空"):
        pairing_village_end(pairing=pairing, end=dt.date(2019, 1, 1), reason=" ", actor="t")
    with pytest.raises(HelpDenied):
        pairing_village_end(
            pairing=pairing,
            end=dt.date(2019, 1, 1),
            reason="期满",
            actor="t",
            user=world.users["neighbour_officer"],
        )
    pairing_village_end(
        pairing=pairing, end=dt.date(2019, 1, 1), reason="期满", actor="t", user=officer
    )
    pairing.refresh_from_db()
    assert (pairing.end, pairing.end_reason) == (dt.date(2019, 1, 1), "期满")
    assert AuditEntry.objects.filter(model="VillagePairing", action="update").count() == 1
    created = AuditEntry.objects.get(model="VillagePairing", action="create")
    shown = {c["field"]: c["after"] for c in audit_changes(created)}
    assert shown["帮扶单位"] == "甘肃省财政厅" and shown["村"] == "东街村"  # names, not ids
    # a mistaken end is undone by a recorded correction
    pairing_village_update(
        pairing=pairing, start=pairing.start, end=None, reason="误解除", actor="t", user=officer
    )
    pairing.refresh_from_db()
    assert pairing.end is None and pairing.end_reason == ""


def test_return_visits_fill_the_three_year_window_and_a_missed_year_is_flagged(
    world: World,
) -> None:
    officer = world.users["county_officer"]
    unit = _unit(world)
    pairing = pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="t"
    )
    pairing_village_end(pairing=pairing, end=dt.date(2019, 1, 1), reason="期满", actor="t")
    pairing.refresh_from_db()
    assert pairing.tracking_window() == (dt.date(2019, 1, 1), dt.date(2022, 1, 1))
    with pytest.raises(AssistanceError, match="不在跟踪联系期"):
        return_visit_add(
            pairing=pairing, date=dt.date(2018, 6, 1), visitors="张三", findings="好", actor="t"
        )
    with pytest.raises(HelpDenied):
        return_visit_add(
            pairing=pairing,
            date=dt.date(2019, 6, 1),
            visitors="张三",
            findings="好",
            actor="t",
            user=world.users["neighbour_officer"],
        )
    return_visit_add(
        pairing=pairing,
        date=dt.date(2019, 6, 1),
        visitors="张三、李四",
        findings="合作社运转正常",
        actor="t",
        user=officer,
    )
    years = tracking_years(pairing, on=dt.date(2021, 3, 1))
    assert [(y["n"], len(y["visits"]), y["flagged"]) for y in years] == [
        (1, 1, False),
        (2, 0, True),
        (3, 0, False),  # the third year has not passed yet
    ]
    assert "第2年（2020-01-01 至 2020-12-31）没有到东街村回头看" in years[1]["reason"]
    warnings = assistance_warnings(region=Region.objects.get(code=COUNTY), on=dt.date(2021, 3, 1))
    flagged = [w for w in warnings if w.kind == WarningKind.NO_RETURN_VISIT]
    assert [w.message for w in flagged] == [years[1]["reason"]]


def test_a_unit_liaison_records_the_units_return_visit(world: World) -> None:
    unit = _unit(world)
    unit_member_add(unit=unit, member=world.users["nobody"], actor="t")
    pairing = pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="t"
    )
    pairing_village_end(pairing=pairing, end=dt.date(2019, 1, 1), reason="期满", actor="t")
    visit = return_visit_add(
        pairing=pairing,
        date=dt.date(2020, 3, 1),
        visitors="王五",
        findings="道路完好",
        actor="t",
        user=world.users["nobody"],
    )
    assert visit.recorded_by == world.users["nobody"]


def test_team_members_join_and_leave_dated_and_the_team_ends(world: World) -> None:
    officer = world.users["county_officer"]
    team = pairing_work_team_create(
        village=world.household.village,
        start=dt.date(2018, 1, 1),
        members=[TeamMemberInput("赵队长", TeamRole.LEADER)],
        actor="t",
        user=officer,
    )
    with pytest.raises(AssistanceError, match="职务：该期间已有队长 赵队长"):
        work_team_member_join(
            team=team, name="钱", role=TeamRole.LEADER, start=dt.date(2018, 3, 1), actor="t"
        )
    with pytest.raises(HelpDenied):
        work_team_member_join(
            team=team,
            name="钱",
            role=TeamRole.MEMBER,
            start=dt.date(2018, 3, 1),
            actor="t",
            user=world.users["neighbour_officer"],
        )
    leader = team.members.get()
    work_team_member_leave(member=leader, end=dt.date(2019, 1, 1), actor="t", user=officer)
    new = work_team_member_join(
        team=team,
        name="孙队长",
        role=TeamRole.LEADER,
        start=dt.date(2019, 1, 1),
        actor="t",
        user=officer,
    )
    work_team_end(team=team, end=dt.date(2020, 1, 1), reason="期满轮换", actor="t", user=officer)
    new.refresh_from_db()
    team.refresh_from_db()
    assert team.end == new.end == dt.date(2020, 1, 1)
    assert WorkTeamMember.objects.filter(team=team, end__isnull=True).count() == 0


def test_a_project_is_changed_and_a_beneficiary_removed_with_a_reason(world: World) -> None:
    officer = world.users["county_officer"]
    identify(world.household)
    project = project_create(
        name="东街村养殖合作社",
        region=world.household.village,
        kind="industry",
        year=2018,
        funds={"central": 100000},
        actor="t",
        user=officer,
    )
    with pytest.raises(HelpDenied):
        project_create(
            name="x",
            region=world.household.village,
            kind="industry",
            year=2018,
            actor="t",
            user=world.users["neighbour_officer"],
        )
    row = project_beneficiary_add(
        project=project, household=world.household, amount=2000, actor="t", user=officer
    )
    project_update(
        project=project,
        name="东街村养牛合作社",
        kind="industry",
        year=2019,
        unit=None,
        start_date=dt.date(2019, 3, 1),
        description="",
        actor="t",
        user=officer,
    )
    project.refresh_from_db()
    assert (project.name, project.year) == ("东街村养牛合作社", 2019)
    with pytest.raises(AssistanceError, match="移除原因"):
        project_beneficiary_remove(beneficiary=row, reason="", actor="t", user=officer)
    project_beneficiary_remove(beneficiary=row, reason="重复登记", actor="t", user=officer)
    assert not ProjectBeneficiary.objects.filter(project=project).exists()
    assert AuditEntry.objects.filter(model="ProjectBeneficiary", action="delete").exists()


def test_household_pairings_are_the_county_offices_not_the_neighbours(world: World) -> None:
    identify(world.other_household)
    cadre = make_cadre("周干部")
    with pytest.raises(HelpDenied):
        pairing_household_create(
            household=world.other_household,
            cadre=cadre,
            start=dt.date(2018, 1, 1),
            actor="t",
            user=world.users["neighbour_officer"],
        )
    pairing_household_create(
        household=world.other_household,
        cadre=cadre,
        start=dt.date(2018, 1, 1),
        actor="t",
        user=world.users["county_officer"],
    )
    assert VillagePairing.objects.count() == 0
