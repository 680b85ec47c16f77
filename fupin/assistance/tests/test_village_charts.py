"""村村5张图: the village charts' numbers on a hand-built village, the page's scope and the link."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from fupin.assistance.models import ExitPlan
from fupin.assistance.selectors import (
    target_state,
    village_distribution,
    village_exit_targets,
    village_household_targets,
)
from fupin.assistance.tests.conftest import exit_on, identify
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

DONGJIE = "621126100001"


@dataclass
class Village:
    region: Region
    behind: Household
    on_time: Household
    late: Household
    on_track: Household
    no_plan: Household


def _household(village: Region, no: str, attribute: str, **fields: object) -> Household:
    values: dict[str, object] = {"size": 3, "main_cause": "illness", **fields}
    return Household.objects.create(household_no=no, village=village, attribute=attribute, **values)


def build_village(world: World) -> Village:
    """东街村 (poor village, to exit in 2019): five registered households, one on the roster.

    behind   一般, poor, plan 2018          on_time  低保, exited 2018, plan 2018
    late     特困, exited 2019, plan 2018   on_track 一般, poor, plan 2020
    no_plan  低保, poor, no plan            roster   not registered
    """
    village = world.household.village
    Region.objects.filter(pk=village.pk).update(poor_exit_year=2019)
    village.refresh_from_db()
    Household.objects.filter(pk=world.household.pk).update(
        attribute="ordinary", size=3, main_cause="illness", income_year=2019
    )
    behind = identify(world.household)
    on_time = exit_on(_household(village, "6211261000010002", "dibao"), dt.date(2018, 11, 1))
    late = exit_on(_household(village, "6211261000010003", "tekun"), dt.date(2019, 10, 1))
    on_track = identify(_household(village, "6211261000010004", "ordinary"))
    no_plan = identify(_household(village, "6211261000010005", "dibao", main_cause="schooling"))
    _household(village, "6211261000010006", "", registered=False)
    for h, year in ((behind, 2018), (on_time, 2018), (late, 2018), (on_track, 2020)):
        ExitPlan.objects.create(household=h, target_year=year, targets="产业增收")
    return Village(village, behind, on_time, late, on_track, no_plan)


def test_distribution_counts_registered_households_by_status_and_attribute(world: World) -> None:
    v = build_village(world)
    d = village_distribution(world.users["county_officer"], v.region)
    assert [s["status"] for s in d["statuses"]] == ["poor", "exited", "returned", "removed"]
    by_attribute = {s["attribute"]: s["counts"] for s in d["series"]}
    assert by_attribute == {"ordinary": [2, 0, 0, 0], "dibao": [1, 1, 0, 0], "tekun": [0, 1, 0, 0]}
    assert d["people"] == [9, 6, 0, 0]
    assert d["unregistered"] == 1


def test_planned_exits_per_year_against_actual_exits(world: World) -> None:
    v = build_village(world)
    t = village_exit_targets(world.users["county_officer"], v.region, {2016: 0, 2018: 1, 2019: 1})
    assert t["years"] == [2018, 2019, 2020]
    assert t["planned"] == [3, 0, 1]
    assert t["actual"] == [1, 1, 0]
    assert (t["planned_total"], t["actual_total"], t["village_exit_year"]) == (4, 2, 2019)


def test_households_behind_plan_are_those_still_poor_past_their_target_year(world: World) -> None:
    v = build_village(world)
    t = village_household_targets(world.users["county_officer"], v.region, 2019)
    states = {r["household_no"]: r["state"] for r in t["rows"]}
    assert states == {
        v.behind.household_no: "behind",
        v.on_time.household_no: "exited_on_time",
        v.late.household_no: "exited_late",
        v.on_track.household_no: "on_track",
        v.no_plan.household_no: "no_plan",
    }
    assert t["counts"] == {
        "exited_on_time": 1,
        "exited_late": 1,
        "on_track": 1,
        "behind": 1,
        "no_plan": 1,
    }
    assert t["target_years"] == [2018, 2020]
    assert {s["state"]: s["counts"] for s in t["series"]} == {
        "exited_on_time": [1, 0],
        "exited_late": [1, 0],
        "on_track": [0, 1],
        "behind": [1, 0],
    }
    # A year later the 2020 plan is still on track; two years on it is behind too.
    later = village_household_targets(world.users["county_officer"], v.region, 2021)
    assert later["counts"]["behind"] == 2


def test_target_state_rules() -> None:
    assert target_state("poor", None, 2019, 2019) == "on_track"
    assert target_state("returned", None, 2018, 2019) == "behind"
    assert target_state("exited", 2017, None, 2019) == "exited_on_time"
    assert target_state("poor", None, None, 2019) == "no_plan"


def test_the_page_shows_the_five_charts_data(client, world: World) -> None:
    v = build_village(world)
    client.force_login(world.users["county_officer"])
    response = client.get(reverse("assistance:village_charts", args=[DONGJIE]))
    assert response.status_code == 200
    html = response.content.decode()
    for chart in ("distribution", "causes", "events", "exit-targets", "household-targets"):
        assert f'id="chart-{chart}"' in html
    assert 'id="print-sheet"' in html and "/static/fupin/village-charts.css" in html
    # the print layout lives in the page's stylesheet (no inline <style> under the CSP)
    css = Path(finders.find("fupin/village-charts.css")).read_text(encoding="utf-8")
    assert "@media print" in css and "A4 landscape" in css
    data = response.context["charts"]
    assert data == json.loads(json.dumps(data))  # what json_script sends
    assert data["exit_targets"]["planned"] == [3, 0, 1]
    assert data["exit_targets"]["actual"] == [1, 1, 0]
    assert data["household_targets"]["year"] == 2019  # the village's latest income year
    causes = {c["cause"]: c["households"] for c in data["causes"]}
    assert causes == {"illness": 4, "schooling": 1}
    assert response.context["targets"]["counts"]["behind"] == 1
    assert v.behind.household_no in html


def test_a_cadre_sees_only_their_household_in_the_charts(client, world: World) -> None:
    build_village(world)
    client.force_login(world.users["cadre"])
    response = client.get(reverse("assistance:village_charts", args=[DONGJIE]) + "?year=2019")
    assert response.status_code == 200
    targets = response.context["targets"]
    assert [r["household_no"] for r in targets["rows"]] == [world.household.household_no]
    assert response.context["charts"]["exit_targets"]["planned"] == [1, 0]


def test_a_neighbouring_county_officer_gets_404(client, world: World) -> None:
    build_village(world)
    client.force_login(world.users["neighbour_officer"])
    response = client.get(reverse("assistance:village_charts", args=[DONGJIE]))
    assert response.status_code == 404


def test_only_villages_have_charts(client, world: World) -> None:
    client.force_login(world.users["county_officer"])
    response = client.get(reverse("assistance:village_charts", args=["621126000000"]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(client, world: World) -> None:
    url = reverse("assistance:village_charts", args=[DONGJIE])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_assistance_region_page_links_to_the_charts(client, world: World) -> None:
    client.force_login(world.users["county_officer"])
    response = client.get(reverse("assistance:region", args=[DONGJIE]))
    assert reverse("assistance:village_charts", args=[DONGJIE]) in response.content.decode()


def test_the_api_gives_the_five_charts_to_those_who_may_see_the_village(world):
    from rest_framework.test import APIClient

    api = APIClient()
    url = f"/api/assistance/villages/{world.household.village.code}/charts/"
    assert api.get(url).status_code == 401
    api.force_authenticate(world.users["county_officer"])
    data = api.get(url).json()
    assert {"distribution", "causes", "events", "exit_targets", "household_targets"} <= set(data)
    assert data["summary"]["households"] == 1
    assert api.get(url + "?year=abc").status_code == 400
    api.force_authenticate(world.users["neighbour_officer"])
    assert api.get(url).status_code == 404
