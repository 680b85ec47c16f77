"""Village and county exits: criteria from the registry and supplied figures, each explained."""

from __future__ import annotations

import pytest

from fupin.exits.services import (
    ExitError,
    exit_case_data_change,
    exit_case_open,
    exit_criteria_check,
)
from fupin.regions.models import Level

COUNTY = "621126000000"


def test_a_village_exit_explains_what_the_registry_cannot_tell_as_needing_manual_checks(
    poor_household, chain, gansu_village
):
    case = exit_case_open(kind="village", region=gansu_village, user=chain.office[Level.TOWNSHIP])
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
        exit_case_open(kind="village", region=gansu_village, user=chain.office[Level.VILLAGE])
