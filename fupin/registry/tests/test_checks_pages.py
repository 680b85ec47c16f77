"""平台8个准 pages and API: counts as `run_checks` gives them, the XLSX, the ledgers and exit
notices now read from assistance and exits, and the scope."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fupin.assistance.models import AssistanceMeasure, ExitPlan, VisitLog
from fupin.checks import run_checks
from fupin.exits.models import ExitCase, ExitStep
from fupin.registry.checking import load_check_data
from fupin.registry.models import Household, Person
from fupin.registry.selectors import households_for
from fupin.registry.services import household_record_event
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"  # 岷县
PROVINCE = "620000000000"
DONGJIE = "621126100001"
HEAD_ID = "621126198001010019"  # world.household's head (fupin/conftest.py)


@dataclass
class Registry:
    world: World
    planned: Household  # poor, with a plan, a measure and a 2019 visit
    exited_2018: Household  # exited before the exits app was used
    exited_2019: Household  # exited in 2019 with a public notice on record
    exited_2019_silent: Household  # exited in 2019, no exit case


def _event(h: Household, kind: str, on: str) -> None:
    household_record_event(household=h, kind=kind, date=dt.date.fromisoformat(on), actor="test")


def _household(world: World, no: str, serial: int) -> Household:
    h = Household.objects.create(
        household_no=no,
        village=world.household.village,
        size=1,
        main_cause="illness",
        income_year=2019,
        income_total=5000,
        income_per_capita=5000,
        income_wages=5000,
    )
    Person.objects.create(
        household=h,
        id_number=f"62112619800101{serial:03d}X"[:18],
        name=f"户主{serial}",
        relation="head",
        sex="male",
        birth_date=dt.date(1980, 1, 1),
    )
    return h


def build_registry(world: World) -> Registry:
    Household.objects.filter(pk=world.household.pk).update(main_cause="illness", income_year=2019)
    _event(world.household, "identified", "2016-03-01")
    planned = _household(world, "6211261000010002", 2)
    _event(planned, "identified", "2016-03-01")
    exited_2018 = _household(world, "6211261000010003", 3)
    exited_2019 = _household(world, "6211261000010004", 4)
    silent = _household(world, "6211261000010005", 5)
    for h, on in ((exited_2018, "2018-11-01"), (exited_2019, "2019-11-01"), (silent, "2019-11-02")):
        _event(h, "identified", "2016-03-01")
        _event(h, "exited", on)
    return Registry(world, planned, exited_2018, exited_2019, silent)


def add_ledgers(r: Registry) -> None:
    ExitPlan.objects.create(household=r.planned, target_year=2020)
    AssistanceMeasure.objects.create(
        household=r.planned, kind="industry", description="养羊", start_date=dt.date(2019, 4, 1)
    )
    VisitLog.objects.create(
        household=r.planned, date=dt.date(2019, 5, 1), visitor_name="干部", content="走访"
    )


def add_notice(r: Registry) -> None:
    case = ExitCase.objects.create(
        kind="household",
        household=r.exited_2019,
        region=r.exited_2019.village,
        year=2019,
        status="in_notice",
    )
    ExitStep.objects.create(
        case=case,
        action="村内公示",
        from_status="agreed",
        to_status="in_notice",
        actor="test",
        date=dt.date(2019, 10, 20),
        notice_start=dt.date(2019, 10, 20),
        notice_end=dt.date(2019, 10, 27),
    )


def _page(client, user, code: str = COUNTY, query: str = ""):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client.get(reverse("registry:checks", args=[code]) + query)


def _expected(user, code: str = COUNTY):  # type: ignore[no-untyped-def]
    _region, data, _ids = load_check_data(region_code=code, households=households_for(user))
    return run_checks(data)


# --- the page ---------------------------------------------------------------------------------


def test_page_counts_match_run_checks_on_the_same_data(client, world: World) -> None:
    r = build_registry(world)
    add_ledgers(r)
    add_notice(r)
    user = world.users["county_officer"]
    response = _page(client, user)
    assert response.status_code == 200
    expected = _expected(user)
    shown = response.context["result"]
    assert shown.counts() == expected.counts()
    assert shown.households == expected.households == 6  # 东街村's five and 马家沟村's one
    assert shown.households_flagged == expected.households_flagged > 0
    html = response.content.decode()
    for rule in expected.rules:
        assert f'data-rule="{rule.id}"' in html
    chart = response.context["chart"]["rules"]
    assert {c["id"]: c["flagged"] for c in chart} == {
        k: v for k, v in expected.counts().items() if v is not None
    }
    assert 'id="chart-rules"' in html and "echarts.min.js" in html


def test_the_flagged_list_filters_by_rule_and_gives_reasons(client, world: World) -> None:
    r = build_registry(world)
    add_ledgers(r)
    response = _page(client, world.users["county_officer"], query="?rule=ledgers.no_plan")
    rows = response.context["rows"]
    assert [row["household"].household_no for row in rows] == [world.household.household_no]
    assert rows[0]["household"].flags == (
        ("ledgers.no_plan", "未脱贫户无脱贫计划", "未脱贫户无脱贫计划"),
    )
    assert rows[0]["village"] == (DONGJIE, "东街村")
    assert "未脱贫户无脱贫计划" in response.content.decode()


def test_ledger_rules_run_once_assistance_data_exists(client, world: World) -> None:
    r = build_registry(world)
    user = world.users["county_officer"]
    before = _page(client, user).context["result"].counts()
    assert before["ledgers.no_plan"] is None and before["ledgers.no_visit_this_year"] is None
    add_ledgers(r)
    result = _page(client, user).context["result"]
    by_id = {rule.id: rule for rule in result.rules}
    # Still poor: world.household (no plan) and planned (has one); 马家沟村's household is not
    # identified. Only the first is flagged.
    assert by_id["ledgers.no_plan"].household_no == (world.household.household_no,)
    assert by_id["ledgers.plan_without_measures"].flagged == 0
    assert r.planned.household_no not in by_id["ledgers.no_visit_this_year"].household_no
    assert world.household.household_no in by_id["ledgers.no_visit_this_year"].household_no


def test_public_notices_are_checked_only_for_exits_since_the_exits_app_was_used(
    client, world: World
) -> None:
    r = build_registry(world)
    user = world.users["county_officer"]
    assert _page(client, user).context["result"].counts()["exits.no_public_notice"] is None
    add_notice(r)  # the first household exit case: 2019
    by_id = {rule.id: rule for rule in _page(client, user).context["result"].rules}
    assert by_id["exits.no_public_notice"].household_no == (r.exited_2019_silent.household_no,)
    # Asked to check from 2018, the 2018 exit without a notice is flagged too.
    _region, data, _ids = load_check_data(region_code=COUNTY, notices_since=2018)
    flagged = {rule.id: rule for rule in run_checks(data).rules}["exits.no_public_notice"]
    assert set(flagged.household_no) == {
        r.exited_2018.household_no,
        r.exited_2019_silent.household_no,
    }


def test_the_xlsx_download_opens_and_masks_id_numbers(client, world: World) -> None:
    r = build_registry(world)
    add_ledgers(r)
    user = world.users["county_officer"]
    response = _page(client, user, query="?download=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["规则汇总", "问题户"]
    summary = {row[0]: row[3] for row in book["规则汇总"].iter_rows(min_row=2, values_only=True)}
    expected = _expected(user)
    assert summary["ledgers.no_plan"] == 1
    assert summary[None] == expected.households_flagged  # the total row (an empty id cell)
    cells = [str(c) for row in book["问题户"].iter_rows(values_only=True) for c in row if c]
    assert HEAD_ID not in cells
    assert "621126********0019" in cells


def test_a_province_asks_for_a_county(client, world: World) -> None:
    build_registry(world)
    response = _page(client, world.users["province_officer"], code=PROVINCE)
    assert response.status_code == 200
    assert "result" not in response.context
    counties = {row["region"].code: row["households"] for row in response.context["counties"]}
    assert counties[COUNTY] == 6
    assert reverse("registry:checks", args=[COUNTY]) in response.content.decode()


def test_scope_a_neighbouring_officer_gets_404_and_a_cadre_checks_only_their_household(
    client, world: World
) -> None:
    build_registry(world)
    assert _page(client, world.users["neighbour_officer"]).status_code == 404
    assert _page(client, world.users["township_officer"]).status_code == 404  # not the county
    response = _page(client, world.users["cadre"], code=DONGJIE)
    assert response.status_code == 200
    assert response.context["result"].households == 1


def test_anonymous_is_sent_to_log_in(client, world: World) -> None:
    response = client.get(reverse("registry:checks", args=[COUNTY]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the API ----------------------------------------------------------------------------------


def _api(user=None):  # type: ignore[no-untyped-def]
    api = APIClient()
    if user is not None:
        api.force_authenticate(user)
    return api


def test_api_shape(world: World) -> None:
    r = build_registry(world)
    add_ledgers(r)
    user = world.users["county_officer"]
    response = _api(user).get(f"/api/checks/{COUNTY}/", {"page_size": 2})
    assert response.status_code == 200
    body = response.json()
    expected = _expected(user)
    assert body["rules"] == expected.summary()["rules"]
    assert body["households_flagged"] == expected.households_flagged
    assert body["count"] == expected.households_flagged
    assert len(body["households"]) == min(2, expected.households_flagged)
    first = body["households"][0]
    assert set(first) == {"household_no", "village", "village_name", "flags"}
    assert set(first["flags"][0]) == {"rule", "title", "reason"}
    assert HEAD_ID not in response.content.decode()

    only = _api(user).get(f"/api/checks/{COUNTY}/", {"rule": "ledgers.no_plan"}).json()
    assert [h["household_no"] for h in only["households"]] == [world.household.household_no]
    assert only["households"][0]["village"] == DONGJIE


def test_api_refuses_anonymous_outsiders_bad_parameters_and_provinces(world: World) -> None:
    build_registry(world)
    assert _api().get(f"/api/checks/{COUNTY}/").status_code == 401
    assert _api(world.users["neighbour_officer"]).get(f"/api/checks/{COUNTY}/").status_code == 404
    officer = _api(world.users["county_officer"])
    assert officer.get("/api/checks/xyz/").status_code == 404
    assert officer.get(f"/api/checks/{COUNTY}/", {"rule": "nope"}).status_code == 400
    assert officer.get(f"/api/checks/{COUNTY}/", {"year": 1999}).status_code == 400
    province = _api(world.users["province_officer"]).get(f"/api/checks/{PROVINCE}/")
    assert province.status_code == 400 and "detail" in province.json()
