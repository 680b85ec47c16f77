"""Village and county exits: criteria from the registry and supplied figures, each explained."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.exits.services import (
    ExitError,
    exit_case_data_change,
    exit_case_open,
    exit_case_transition,
    exit_criteria_check,
)
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level, Region

COUNTY = "621126000000"


def test_a_village_exit_explains_what_the_registry_cannot_tell_as_needing_manual_checks(
    poor_household, chain, gansu_village
):
    case = exit_case_open(
        kind="village", region=gansu_village, year=2019, user=chain.office[Level.TOWNSHIP]
    )
    failed = exit_criteria_check(case)
    assert failed[0].code == "population_missing" and failed[0].manual
    assert "需人工核实" in failed[0].message
    exit_case_data_change(
        case=case,
        changes={"population": 1000},
        user=chain.office[Level.TOWNSHIP],
        reason="录入统计部门农村人口",
    )
    failed = exit_criteria_check(case)
    assert [c.code for c in failed] == [
        "infrastructure_ok",
        "public_services_ok",
        "industry_ok",
        "collective_income_ok",
    ]
    assert all(c.manual and c.message.startswith("需人工核实") for c in failed)


def test_a_village_with_incidence_above_the_western_threshold_fails_with_the_figures(
    poor_household, chain, gansu_village
):
    case = exit_case_open(
        kind="village",
        region=gansu_village,
        year=2019,
        user=chain.office[Level.TOWNSHIP],
        supplied={
            "population": 20,
            "infrastructure_ok": True,
            "public_services_ok": True,
            "industry_ok": True,
            "collective_income_ok": True,
        },
    )
    failed = exit_criteria_check(case)
    assert [c.code for c in failed] == ["incidence"]
    assert "5%" in failed[0].message and "3%" in failed[0].message and "未达标" in failed[0].message
    assert "未脱贫 1 人 / 农村人口 20 人" in failed[0].message


def test_a_village_cannot_be_proposed_by_the_village_itself(chain, gansu_village):
    with pytest.raises(ExitError, match="乡\\(镇\\)扶贫工作站"):
        exit_case_open(
            kind="village", region=gansu_village, year=2019, user=chain.office[Level.VILLAGE]
        )


def test_a_county_exit_needs_the_assessment_figures_and_recognition_of_at_least_90_percent(
    poor_household, chain
):
    county = Region.objects.get(code=COUNTY)
    case = exit_case_open(
        kind="county",
        region=county,
        year=2019,
        user=chain.office[Level.COUNTY],
        supplied={"population": 1000},
    )
    codes = {c.code: c for c in exit_criteria_check(case)}
    assert set(codes) == {"wrong_exit_rate", "missed_rate", "recognition"}
    assert "须由省级核查或专项评估检查提供" in codes["recognition"].message
    exit_case_data_change(
        case=case,
        changes={"wrong_exit_rate": 0.01, "missed_rate": 0.005, "recognition": 0.85},
        user=chain.office[Level.PROVINCE],
        reason="省级核查结果",
    )
    failed = exit_criteria_check(case)
    assert [c.code for c in failed] == ["recognition"]
    assert failed[0].message == "群众认可度 85%，标准为不低于 90%，未达标"


def test_a_county_exit_runs_from_proposal_to_province_approval_with_its_six_signatures(
    poor_household, chain
):
    county = Region.objects.get(code=COUNTY)
    case = exit_case_open(
        kind="county",
        region=county,
        year=2019,
        user=chain.office[Level.COUNTY],
        supplied={
            "population": 1000,
            "wrong_exit_rate": 0.0,
            "missed_rate": 0.0,
            "recognition": 0.97,
        },
    )
    city, province = chain.office[Level.CITY], chain.office[Level.PROVINCE]
    with pytest.raises(ExitError, match="须由岷县所属的市\\(州\\)扶贫办进行"):
        exit_case_transition(case=case, to=ExitStatus.CITY_REVIEWED, user=chain.neighbour_county)
    exit_case_transition(case=case, to=ExitStatus.CITY_REVIEWED, user=city)
    exit_case_transition(case=case, to=ExitStatus.PROVINCE_VERIFIED, user=province)
    exit_case_transition(
        case=case,
        to=ExitStatus.IN_NOTICE,
        user=province,
        notice_start=dt.date(2020, 4, 1),
        notice_end=dt.date(2020, 4, 7),
        date=dt.date(2020, 4, 1),
    )
    exit_case_transition(case=case, to=ExitStatus.NOTICED, user=province, date=dt.date(2020, 4, 8))
    with pytest.raises(ExitError, match="3342签字不全.*县\\(区\\)级尚缺"):
        exit_case_transition(case=case, to=ExitStatus.APPROVED, user=province)
    with pytest.raises(ExitError, match="不需要村级签字"):
        chain.sign(case, Level.VILLAGE)
    chain.sign_through(case, Level.CITY)
    exit_case_transition(case=case, to=ExitStatus.APPROVED, user=province)
    county.refresh_from_db()
    case.refresh_from_db()
    assert case.status == ExitStatus.APPROVED and county.exit_year == 2019
