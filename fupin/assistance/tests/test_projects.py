"""Projects and funds: totals by fund source per region, a household's benefits, the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.models import AuditEntry
from fupin.assistance.models import Project
from fupin.assistance.selectors import household_benefits, region_project_totals
from fupin.assistance.services import (
    AssistanceError,
    ledger_measure_add,
    project_beneficiary_add,
    project_create,
    project_fund_set,
    project_progress_update,
)
from fupin.regions.models import Region
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"


@pytest.fixture
def projects(world: World) -> dict[str, Project]:
    county = Region.objects.get(code=COUNTY)
    road = project_create(
        name="东街村产业路",
        region=world.household.village,
        kind="industry",
        year=2018,
        funds={"central": 300000, "province": 100000},
        actor="t",
    )
    cattle = project_create(
        name="岷县肉牛养殖",
        region=county,
        kind="industry",
        year=2019,
        funds={"eastern_aid": "250000.50", "donation": 20000},
        actor="t",
    )
    far = project_create(
        name="宕昌县安全饮水",
        region=world.neighbour_household.village,
        kind="health",
        year=2019,
        funds={"central": 999},
        actor="t",
    )
    project_beneficiary_add(
        project=road, household=world.household, amount=1200, note="出行便利", actor="t"
    )
    project_beneficiary_add(
        project=cattle, household=world.household, amount=8000, note="基础母牛 2 头", actor="t"
    )
    project_beneficiary_add(project=cattle, household=world.other_household, amount=4000, actor="t")
    return {"road": road, "cattle": cattle, "far": far}


def test_totals_by_fund_source_cover_the_region_and_nothing_outside(
    world: World, projects: dict[str, Project]
) -> None:
    totals = region_project_totals(world.users["county_officer"], Region.objects.get(code=COUNTY))
    by_source = {s["source"]: s["amount"] for s in totals["sources"]}
    assert by_source == {
        "central": Decimal("300000"),
        "province": Decimal("100000"),
        "eastern_aid": Decimal("250000.50"),
        "donation": Decimal("20000"),
    }
    assert totals["total"] == Decimal("670000.50") and totals["projects"] == 2
    village = region_project_totals(world.users["county_officer"], world.household.village)
    assert village["total"] == Decimal("400000") and village["projects"] == 1


def test_changing_a_fund_changes_the_total_and_is_audited(
    world: World, projects: dict[str, Project]
) -> None:
    project_fund_set(project=projects["road"], source="central", amount=200000, actor="county")
    totals = region_project_totals(world.users["superuser"], world.household.village)
    assert totals["total"] == Decimal("300000")
    entry = AuditEntry.objects.get(model="FundAllocation", action="update")
    assert entry.before["amount"] == "300000.00" and entry.after["amount"] == "200000.00"


def test_a_households_benefits_across_projects(world: World, projects: dict[str, Project]) -> None:
    ledger_measure_add(
        household=world.household,
        kind="industry",
        description="领养基础母牛",
        start_date=dt.date(2019, 5, 1),
        project=projects["cattle"],
        actor="t",
    )
    benefits = household_benefits(world.users["cadre"], world.household)
    assert [r["project"] for r in benefits["rows"]] == [projects["cattle"], projects["road"]]
    assert benefits["total"] == Decimal("9200")
    assert [m.description for m in benefits["rows"][0]["measures"]] == ["领养基础母牛"]
    assert household_benefits(world.users["cadre"], world.other_household)["rows"] == []


def test_a_beneficiary_must_live_where_the_project_runs(
    world: World, projects: dict[str, Project]
) -> None:
    with pytest.raises(AssistanceError, match="不在项目实施区划内"):
        project_beneficiary_add(
            project=projects["road"], household=world.other_household, actor="t"
        )


def test_completion_means_full_progress(world: World, projects: dict[str, Project]) -> None:
    with pytest.raises(AssistanceError, match="100%"):
        project_progress_update(
            project=projects["road"], progress=80, completed_on=dt.date(2019, 1, 1), actor="t"
        )
    project_progress_update(
        project=projects["road"], progress=100, completed_on=dt.date(2019, 1, 1), actor="t"
    )
    assert Project.objects.get(pk=projects["road"].pk).completed


def test_the_projects_page_shows_the_regions_totals(
    world: World, projects: dict[str, Project]
) -> None:
    client = Client()
    client.force_login(world.users["county_officer"])
    page = client.get(reverse("assistance:projects", args=[COUNTY]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "东街村产业路" in html and "岷县肉牛养殖" in html and "宕昌县安全饮水" not in html
    assert "670,000.50" in html
    assert client.get(reverse("assistance:project", args=[projects["far"].pk])).status_code == 404


def test_a_cadre_sees_their_households_projects_but_not_the_other_beneficiaries(
    world: World, projects: dict[str, Project]
) -> None:
    client = Client()
    client.force_login(world.users["cadre"])
    html = client.get(reverse("assistance:project", args=[projects["cattle"].pk])).content.decode()
    assert world.household.household_no in html
    assert world.other_household.household_no not in html
    assert client.get(reverse("assistance:project", args=[projects["far"].pk])).status_code == 404
