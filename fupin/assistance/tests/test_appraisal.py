"""一年一考核、三年结硬帐: evidence computed from a constructed year's ledgers, who may assess,
conclusion, voiding as a recorded step, the three-year settlement and follow-up actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assistance import appraisal as ap
from fupin.assistance import appraisal_selectors as sel
from fupin.assistance.models import (
    AppraisalSide,
    AppraisalStatus,
    HelpAppraisal,
    HelpFollowUp,
    HelpingUnit,
    HouseholdPairing,
    ItemBasis,
    TeamRole,
    VillagePairing,
    WorkTeam,
    WorkTeamMember,
)
from fupin.assistance.services import (
    ledger_exit_plan_set,
    ledger_measure_add,
    ledger_visit_add,
    project_create,
    project_progress_update,
)
from fupin.assistance.tests.conftest import exit_on, identify
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

YEAR = 2018


@dataclass
class Help:
    """Two units, each paired from 2016 with one village of 岷县: 甲 keeps its ledgers, 乙 none."""

    world: World
    good: VillagePairing
    idle: VillagePairing

    @property
    def officer(self):  # noqa: ANN201
        return self.world.users["county_officer"]


def _pair(world: World, name: str, household, *, keep_ledgers: bool) -> VillagePairing:  # noqa: ANN001
    unit = HelpingUnit.objects.create(name=name, kind="government")
    village = household.village
    pairing = VillagePairing.objects.create(unit=unit, village=village, start=dt.date(2016, 1, 1))
    identify(household)
    cadre = world.users["cadre"]
    HouseholdPairing.objects.create(
        household=household,
        cadre=cadre,
        unit=unit,
        start=dt.date(2016, 1, 1),
        end=dt.date(2020, 1, 1),
    )
    if keep_ledgers:
        team = WorkTeam.objects.create(village=village, unit=unit, start=dt.date(2016, 1, 1))
        WorkTeamMember.objects.create(
            team=team, name="李队长", role=TeamRole.LEADER, start=team.start
        )
        for year in (2016, 2017, 2018):
            ledger_visit_add(
                household=household, date=dt.date(year, 5, 6), content="走访", actor="t"
            )
            ledger_measure_add(
                household=household,
                kind="industry",
                description="养殖",
                start_date=dt.date(year, 3, 1),
                actor="t",
            )
        ledger_exit_plan_set(household=household, target_year=YEAR, actor="t")
        project = project_create(
            name="村道硬化",
            region=village,
            kind="industry",
            year=YEAR,
            unit=unit,
            funds={"province": 10000},
            actor="t",
        )
        project_progress_update(
            project=project, progress=100, completed_on=dt.date(YEAR, 11, 30), actor="t"
        )
        exit_on(household, dt.date(YEAR, 10, 1))
    return pairing


@pytest.fixture
def help_(world: World) -> Help:
    good = _pair(world, "甲单位", world.household, keep_ledgers=True)
    idle = _pair(world, "乙单位", world.other_household, keep_ledgers=False)
    return Help(world, good, idle)


def _open(
    h: Help, pairing: VillagePairing, side: str = AppraisalSide.HELPER, year: int = YEAR
) -> HelpAppraisal:
    return ap.appraisal_create(
        side=side,
        village=pairing.village,
        year=year,
        unit=pairing.unit if side == AppraisalSide.HELPER else None,
        user=h.officer,
    )


def _results(a: HelpAppraisal) -> dict[str, bool | None]:
    return {i.code: i.passed for i in a.items.all()}


def _judge_all(a: HelpAppraisal, user, passed: bool = True) -> None:  # noqa: ANN001
    for item in a.items.filter(basis=ItemBasis.JUDGEMENT):
        ap.appraisal_item_judge(item=item, passed=passed, reason="现场核实", user=user)


def test_a_unit_with_visits_passes_and_one_without_fails_the_visit_item(help_: Help) -> None:
    good = _results(_open(help_, help_.good))
    idle = _results(_open(help_, help_.idle))
    assert good["visits"] is True and idle["visits"] is False
    assert good["work_team"] is True and idle["work_team"] is False
    assert good["funds_projects"] is True and idle["funds_projects"] is False
    assert good["projects_completed"] is True and idle["projects_completed"] is None  # 不适用
    assert good["households_exited"] is True
    assert good["household_pairing"] is True and idle["household_pairing"] is True
    assert good["leadership"] is None  # left to the assessor


def test_the_evidence_names_its_numbers_and_records(help_: Help) -> None:
    a = _open(help_, help_.idle)
    visits = a.items.get(code="visits")
    figures = {f["label"]: f["value"] for f in visits.evidence["figures"]}
    assert figures == {"贫困户": "1", "走访次数": "0", "有走访记录的户": "0", "无走访记录的户": "1"}
    assert visits.evidence["records"] == [
        {
            "kind": "household",
            "key": help_.world.other_household.household_no,
            "note": "本年度无走访记录",
        }
    ]
    assert "1 户贫困户中 1 户" in visits.reason


def test_a_visit_outside_the_year_does_not_count_and_refresh_picks_up_a_new_one(
    help_: Help,
) -> None:
    ledger_visit_add(
        household=help_.world.other_household, date=dt.date(2017, 12, 31), content="走访", actor="t"
    )
    a = _open(help_, help_.idle)
    assert _results(a)["visits"] is False
    ledger_visit_add(
        household=help_.world.other_household, date=dt.date(YEAR, 1, 1), content="走访", actor="t"
    )
    ap.appraisal_refresh(appraisal=a, user=help_.officer)
    assert _results(a)["visits"] is True
    assert AuditEntry.objects.filter(model="HelpAppraisal", object_key=str(a.pk)).count() == 2


def test_a_team_that_left_mid_year_fails_with_the_gap_named(help_: Help) -> None:
    WorkTeam.objects.filter(unit=help_.good.unit).update(end=dt.date(YEAR, 7, 1))
    item = _open(help_, help_.good).items.get(code="work_team")
    assert item.passed is False
    assert "2018-07-01 至 2018-12-31" in item.reason


def test_the_helped_village_is_appraised_on_its_own_duties(help_: Help) -> None:
    good = _results(_open(help_, help_.good, AppraisalSide.HELPED))
    idle = _results(_open(help_, help_.idle, AppraisalSide.HELPED))
    assert good["exit_plans"] is True and idle["exit_plans"] is False
    assert good["measures"] is True and idle["measures"] is False
    assert idle["households_exited"] is None  # nobody planned to exit in the year


def test_only_offices_over_the_village_at_county_level_or_above_may_appraise(help_: Help) -> None:
    users = help_.world.users
    for persona in ("neighbour_officer", "cadre", "township_officer", "nobody"):
        with pytest.raises(ap.AppraisalDenied):
            ap.appraisal_create(
                side=AppraisalSide.HELPER,
                village=help_.good.village,
                year=YEAR,
                unit=help_.good.unit,
                user=users[persona],
            )
    a = ap.appraisal_create(
        side=AppraisalSide.HELPER,
        village=help_.good.village,
        year=YEAR,
        unit=help_.good.unit,
        user=users["province_officer"],
    )
    with pytest.raises(ap.AppraisalDenied):
        ap.appraisal_item_judge(
            item=a.items.get(code="leadership"),
            passed=True,
            reason="x",
            user=users["neighbour_officer"],
        )
    with pytest.raises(ap.AppraisalDenied):
        ap.appraisal_void(appraisal=a, reason="错", user=users["cadre"])


def test_refusals_say_why(help_: Help) -> None:
    with pytest.raises(ap.AppraisalError, match="2015 年度没有与"):
        _open(help_, help_.good, year=2015)
    _open(help_, help_.good)
    with pytest.raises(ap.AppraisalError, match="已经存在"):
        _open(help_, help_.good)


def test_conclusion_needs_every_judgement_and_fails_on_any_failed_item(help_: Help) -> None:
    a = _open(help_, help_.idle)
    with pytest.raises(ap.AppraisalError, match="尚未评定：主要负责人亲自挂点督办、党组织结对共建"):
        ap.appraisal_conclude(appraisal=a, opinion="", user=help_.officer)
    computed = a.items.get(code="visits")
    with pytest.raises(ap.AppraisalError, match="由台账核算"):
        ap.appraisal_item_judge(item=computed, passed=True, reason="x", user=help_.officer)
    _judge_all(a, help_.officer)
    step = ap.appraisal_conclude(appraisal=a, opinion="走访不到位", user=help_.officer)
    a.refresh_from_db()
    assert (a.status, a.passed, step.to_status) == (AppraisalStatus.CONCLUDED, False, "concluded")
    with pytest.raises(ap.AppraisalError, match="不能再修改"):
        ap.appraisal_refresh(appraisal=a, user=help_.officer)


def test_voiding_is_a_recorded_step_and_frees_the_year(help_: Help) -> None:
    a = _open(help_, help_.good)
    with pytest.raises(ap.AppraisalError, match="作废须写明理由"):
        ap.appraisal_void(appraisal=a, reason=" ", user=help_.officer)
    ap.appraisal_void(appraisal=a, reason="年度选错", user=help_.officer)
    a.refresh_from_db()
    assert a.status == AppraisalStatus.VOIDED
    assert a.steps.get().opinion == "年度选错"
    assert HelpAppraisal.objects.filter(pk=a.pk).exists()
    assert _open(help_, help_.good).pk != a.pk


def test_follow_ups_only_on_a_failed_conclusion(help_: Help) -> None:
    good = _open(help_, help_.good)
    _judge_all(good, help_.officer)
    ap.appraisal_conclude(appraisal=good, opinion="", user=help_.officer)
    with pytest.raises(ap.AppraisalError, match="不合格"):
        ap.followup_record(
            appraisal=good,
            kind="talk",
            date=dt.date(2019, 1, 5),
            target="甲单位负责人",
            user=help_.officer,
        )
    idle = _open(help_, help_.idle)
    _judge_all(idle, help_.officer)
    ap.appraisal_conclude(appraisal=idle, opinion="", user=help_.officer)
    with pytest.raises(ap.AppraisalDenied):
        ap.followup_record(
            appraisal=idle,
            kind="talk",
            date=dt.date(2019, 1, 5),
            target="x",
            user=help_.world.users["neighbour_officer"],
        )
    row = ap.followup_record(
        appraisal=idle,
        kind="talk",
        date=dt.date(2019, 1, 5),
        target="乙单位主要负责人",
        note="单兵教练约谈",
        user=help_.officer,
    )
    assert row.get_kind_display() == "单兵教练约谈"
    ap.followup_void(follow_up=row, reason="记错对象", user=help_.officer)
    row.refresh_from_db()
    assert row.voided_at is not None and HelpFollowUp.objects.count() == 1
    record = sel.unit_record(help_.officer, help_.idle.unit)
    assert list(record["follow_ups"]) == [row]


def _conclude_round(h: Help, pairing: VillagePairing) -> None:
    for year in (2016, 2017, 2018):
        for side in (AppraisalSide.HELPER, AppraisalSide.HELPED):
            a = _open(h, pairing, side, year)
            _judge_all(a, h.officer)
            ap.appraisal_conclude(appraisal=a, opinion="", user=h.officer)


def test_the_settlement_brings_six_appraisals_and_the_round_outcome_together(help_: Help) -> None:
    province = help_.world.users["province_officer"]
    with pytest.raises(ap.AppraisalDenied):  # the county is itself assessed: it does not settle
        ap.settlement_create(pairing=help_.good, user=help_.officer)
    with pytest.raises(ap.AppraisalError, match="2016 年度帮扶方考核"):
        ap.settlement_create(pairing=help_.good, user=province)
    _conclude_round(help_, help_.good)
    s = ap.settlement_create(pairing=help_.good, user=province)
    items = {i.code: i for i in s.items.all()}
    assert (s.first_year, s.last_year) == (2016, 2018)
    assert len([c for c in items if c.startswith(("helper_", "helped_"))]) == 6
    assert items["households_exited"].passed is True
    # 东街村 is a poor village that has not exited: the round's outcome fails
    assert items["village_exited"].passed is False and "尚未退出" in items["village_exited"].reason
    ap.settlement_conclude(settlement=s, opinion="村未退出", user=province)
    s.refresh_from_db()
    assert s.passed is False
    ap.followup_record(
        settlement=s, kind="notice", date=dt.date(2019, 3, 1), target="甲单位", user=province
    )
    assert sel.unit_record(province, help_.good.unit)["follow_ups"].count() == 1


def test_a_village_that_exited_in_the_round_passes_the_settlement(help_: Help) -> None:
    village = help_.good.village
    village.poor_exit_year = 2018
    village.save(update_fields=["poor_exit_year"])
    _conclude_round(help_, help_.good)
    s = ap.settlement_create(pairing=help_.good, user=help_.world.users["province_officer"])
    failed = [i.label for i in s.items.all() if i.passed is False]
    ap.settlement_conclude(settlement=s, opinion="", user=help_.world.users["province_officer"])
    s.refresh_from_db()
    assert s.passed is (not failed)
    assert s.items.get(code="village_exited").passed is True
