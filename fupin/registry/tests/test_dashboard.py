"""The region dashboard: scoped chart selectors on a small hand-built registry, and the page."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.regions.models import Level, Region
from fupin.registry.models import Household
from fupin.registry.selectors import (
    child_incidence,
    children_summary,
    region_causes,
    region_events_by_year,
    region_summary,
    village_points,
)
from fupin.registry.services import household_record_event
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"  # 岷县
DONGJIE = "621126100001"  # 东街村, 岷阳镇
MAJIAGOU = "621126101001"  # 马家沟村, 梅川镇


@dataclass
class Registry:
    world: World
    county: Region
    extra: Household
    roster: Household


def _events(household: Household, *events: tuple[str, str]) -> None:
    for kind, date in events:
        household_record_event(
            household=household,
            kind=kind,
            date=dt.date.fromisoformat(date),
            reason="测试" if kind == "removed" else "",
            actor="test",
        )


def build_registry(world: World) -> Registry:
    """岷县: 东街村 (placed on the map) with a poor and a returned household, 马家沟村 (no
    coordinates) with an exited household and a roster household; 宕昌县 next door, poor."""
    Region.objects.filter(code=DONGJIE).update(lon=104.03, lat=34.44)
    Household.objects.filter(pk=world.household.pk).update(size=3, main_cause="illness")
    Household.objects.filter(pk=world.other_household.pk).update(size=2, main_cause="schooling")
    Household.objects.filter(pk=world.neighbour_household.pk).update(
        size=6, main_cause="disability"
    )
    dongjie = Region.objects.get(code=DONGJIE)
    majiagou = Region.objects.get(code=MAJIAGOU)
    extra = Household.objects.create(
        household_no="6211261000010002", village=dongjie, size=4, main_cause="illness"
    )
    roster = Household.objects.create(
        household_no="6211261010010002",
        village=majiagou,
        size=5,
        registered=False,
        main_cause="land",
    )
    _events(world.household, ("identified", "2014-09-01"))
    _events(world.other_household, ("identified", "2015-03-01"), ("exited", "2018-11-20"))
    _events(
        extra, ("identified", "2014-10-01"), ("exited", "2017-12-01"), ("returned", "2019-06-10")
    )
    _events(world.neighbour_household, ("identified", "2016-04-01"))
    return Registry(world, Region.objects.get(code=COUNTY), extra, roster)


@pytest.fixture
def registry(world: World) -> Registry:
    return build_registry(world)


def test_summary_counts_people_and_incidence_as_poor_people_over_all_people(registry):
    summary = region_summary(registry.world.users["county_officer"], registry.county)
    assert summary["households"] == 4
    assert summary["registered_households"] == 3
    assert summary["people"] == 3 + 2 + 4 + 5
    assert summary["poor_people"] == 3 + 4  # poor and returned
    assert summary["exited"] == 1
    assert summary["incidence"] == pytest.approx(7 / 14)


def test_events_are_counted_by_year_and_kind_with_empty_years_kept(registry):
    events = region_events_by_year(registry.world.users["county_officer"], registry.county)
    assert events["years"] == [2014, 2015, 2016, 2017, 2018, 2019]
    by_kind = {s["kind"]: s["counts"] for s in events["series"]}
    assert by_kind["identified"] == [2, 1, 0, 0, 0, 0]  # 宕昌县's 2016 entry is not counted
    assert by_kind["exited"] == [0, 0, 0, 1, 1, 0]
    assert by_kind["returned"] == [0, 0, 0, 0, 0, 1]
    assert by_kind["removed"] == [0] * 6
    assert [s["label"] for s in events["series"]] == ["识别", "脱贫", "返贫", "清退"]


def test_province_officer_sees_events_of_both_counties(registry):
    province = Region.objects.get(code="620000000000")
    events = region_events_by_year(registry.world.users["province_officer"], province)
    by_kind = {s["kind"]: s["counts"] for s in events["series"]}
    assert by_kind["identified"][events["years"].index(2016)] == 1


def test_causes_count_registered_households_most_common_first_with_chinese_labels(registry):
    causes = region_causes(registry.world.users["county_officer"], registry.county)
    assert causes == [
        {"cause": "illness", "label": "因病", "households": 2, "people": 7},
        {"cause": "schooling", "label": "因学", "households": 1, "people": 2},
    ]  # the roster household's 缺土地 and 宕昌县's 因残 are left out


def test_village_points_split_villages_with_and_without_coordinates(registry):
    points = village_points(registry.world.users["county_officer"], registry.county)
    assert [p["code"] for p in points.placed] == [DONGJIE]
    dongjie = points.placed[0]
    assert (dongjie["lon"], dongjie["lat"]) == (104.03, 34.44)
    assert (dongjie["households"], dongjie["people"], dongjie["poor_people"]) == (2, 7, 7)
    assert dongjie["incidence"] == 1.0
    assert [p["code"] for p in points.unplaced] == [MAJIAGOU]
    assert points.unplaced[0]["incidence"] == 0.0
    assert points.unplaced[0]["registered_households"] == 1


def test_township_officer_sees_only_their_own_villages(registry):
    township = Region.objects.get(code="621126100000")
    points = village_points(registry.world.users["township_officer"], registry.county)
    assert [p["code"] for p in points.placed + points.unplaced] == [DONGJIE]
    assert region_summary(registry.world.users["township_officer"], township)["people"] == 7


def test_child_incidence_gives_each_township_its_rate(registry):
    user = registry.world.users["county_officer"]
    rows = child_incidence(children_summary(user, registry.county))
    assert [(r["name"], r["incidence"]) for r in rows] == [("岷阳镇", 1.0), ("梅川镇", 0.0)]


def test_dashboard_page_carries_chart_data_and_chinese_text(client, registry):
    client.force_login(registry.world.users["county_officer"])
    response = client.get(f"/regions/{COUNTY}/")
    assert response.status_code == 200
    page = response.content.decode()
    for text in ["未脱贫人口", "审计记录", "无坐标", "马家沟村", "dashboard.js", "echarts.min.js"]:
        assert text in page, text
    data = response.context["dashboard"]
    assert json.loads(json.dumps(data)) == data  # what json_script writes is plain JSON
    assert [v[4] for v in data["villages"]] == [DONGJIE]
    assert data["text"]["incidence"] == "发生率"
    assert '<script id="dashboard-data" type="application/json">' in page
    assert data["village_url"].replace(data["placeholder"], DONGJIE) == f"/regions/{DONGJIE}/"


def test_neighbour_county_officer_gets_404_on_the_dashboard(client, registry):
    client.force_login(registry.world.users["neighbour_officer"])
    assert client.get(f"/regions/{COUNTY}/").status_code == 404
    assert client.get(f"/regions/{DONGJIE}/").status_code == 404


def test_anonymous_visitor_is_sent_to_the_login_page(client, registry):
    response = client.get(f"/regions/{COUNTY}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_village_page_has_no_map_but_still_its_charts(client, registry):
    client.force_login(registry.world.users["county_officer"])
    page = client.get(f"/regions/{DONGJIE}/").content.decode()
    assert 'id="chart-events"' in page and 'id="chart-causes"' in page
    assert 'id="chart-map"' not in page


def test_dashboard_queries_do_not_grow_with_the_number_of_villages(client, registry):
    client.force_login(registry.world.users["county_officer"])
    url = f"/regions/{COUNTY}/"
    client.get(url)
    cache.clear()  # measure the computation, not the cached page
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    township = Region.objects.get(code="621126101000")
    for i in range(2, 22):
        village = Region.objects.create(
            code=f"621126101{i:03d}",
            name=f"新村{i}",
            level=Level.VILLAGE,
            parent=township,
            lon=104.0 + i / 100,
            lat=34.4,
        )
        for j in range(3):
            Household.objects.create(
                household_no=f"621126101{i:03d}{j:04d}",
                village=village,
                size=3,
                status="poor",
                main_cause="labour",
            )
    cache.clear()  # the rows above bypass the services, so no audit row gives a new version
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(response.context["dashboard"]["villages"]) == 21
    assert len(after.captured_queries) == len(before.captured_queries)


def test_loaded_synthetic_villages_all_land_on_the_map(gansu_village, system_admin, tmp_path):
    from fupin.demo.loading import registry_load_synth
    from fupin.synth import generate, preset

    registry_load_synth(batches=generate(preset("demo")), truth=tmp_path)
    county = Region.objects.get(code="620121000000")
    villages = Region.objects.filter(level=Level.VILLAGE, code__startswith=county.prefix)
    assert villages.count() == 20
    assert not villages.filter(lon=None).exists() and not villages.filter(lat=None).exists()
    points = village_points(system_admin, county)
    assert len(points.placed) == 20 and points.unplaced == []
    assert sum(p["households"] for p in points.placed) == 1500


def test_a_cached_dashboard_changes_with_the_next_recorded_change(world, client):
    """The county page is cached for users who see the whole county, under the registry's version:
    an exit recorded through the registry's service shows at once."""
    from fupin.registry.services import household_record_event

    client.force_login(world.users["county_officer"])
    household_record_event(
        household=world.household, kind="identified", date=dt.date(2016, 3, 1), actor="test"
    )
    first = client.get("/regions/621126000000/").context["summary"]
    again = client.get("/regions/621126000000/").context["summary"]
    assert first == again and first["poor"] == 1
    household_record_event(
        household=world.household, kind="exited", date=dt.date(2018, 10, 1), actor="test"
    )
    after = client.get("/regions/621126000000/").context["summary"]
    assert after["poor"] == 0 and after["exited"] == 1


def test_a_partial_view_is_never_served_from_the_whole_regions_cache(world, client):
    """A helping cadre sees one household of 东街村: after the county office's visit has cached the
    village's figures, the cadre still gets only their own household's, and the office all of them."""
    from fupin.registry.services import household_record_event

    Household.objects.create(
        household_no="6211261000010002",
        village=world.household.village,
        size=4,
        income_total=9000,
        income_per_capita=2250,
    )
    household_record_event(
        household=world.household, kind="identified", date=dt.date(2016, 3, 1), actor="test"
    )
    village = f"/regions/{world.household.village.code}/"
    client.force_login(world.users["county_officer"])
    assert client.get(village).context["summary"]["households"] == 2
    client.force_login(world.users["cadre"])
    assert client.get(village).context["summary"]["households"] == 1
    client.force_login(world.users["county_officer"])
    assert client.get(village).context["summary"]["households"] == 2
