"""The years after exit in the browser and the API: trainings and reduction targets entered and
undone by the offices that own them (audited, bad input named in Chinese and nothing written),
a county's page, and the list of exited counties by code for a province or city office."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.monitoring.models import ReductionTarget, Training
from fupin.monitoring.tests.conftest import history
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db
API = "/api/monitoring"
CITY = "621100000000"  # 定西市, above 岷县


def _client(world: World, persona: str) -> Client:
    c = Client()
    c.force_login(world.users[persona])
    return c


def _api(world: World, persona: str) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=world.users[persona])
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def city_officer(world: World):
    user = get_user_model().objects.create_user("city_officer", password=None)
    membership_grant(user=user, role=Role.CITY_OFFICE, region=CITY)
    world.users["city_officer"] = user
    return user


TRAINING = {
    "date": "2021-04-08",
    "level": "county",
    "organiser": "岷县扶贫办",
    "topic": "防止返贫监测政策",
    "participants": "",
    "participant_names": "王一\n李二",
}


def test_the_county_office_records_a_training_on_the_page_and_it_counts(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2021))
    c = _client(world, "county_officer")
    page = c.get(f"/monitoring/counties/{COUNTY}/trainings/").content.decode()
    assert 'id="training-form"' in page and "不足上年的 50%" in page
    r = c.post(f"/monitoring/counties/{COUNTY}/trainings/", TRAINING)
    assert r.status_code == 302
    t = Training.objects.get()
    assert (t.participants, t.names, t.recorded_by) == (
        2,
        ["王一", "李二"],
        world.users["county_officer"],
    )
    assert AuditEntry.objects.filter(
        model="Training", object_key=str(t.pk), action="create"
    ).exists()
    signs = c.get(f"/monitoring/counties/{COUNTY}/signals/").content.decode()
    assert "2021-04-08 岷县扶贫办：防止返贫监测政策（2 人）" in signs


def test_bad_training_input_is_named_in_chinese_and_nothing_is_written(world: World) -> None:
    c = _client(world, "county_officer")
    r = c.post(f"/monitoring/counties/{COUNTY}/trainings/", {**TRAINING, "topic": ""})
    assert r.status_code == 400 and "培训主题：" in r.content.decode()
    r = c.post(f"/monitoring/counties/{COUNTY}/trainings/", {**TRAINING, "participants": "1"})
    assert r.status_code == 400 and "参训人数 1 少于名单中的 2 人" in r.content.decode()
    # a county office cannot record a city's training: the level is not offered
    r = c.post(f"/monitoring/counties/{COUNTY}/trainings/", {**TRAINING, "level": "city"})
    assert r.status_code == 400 and "组织层级：" in r.content.decode()
    assert not Training.objects.exists()


def test_a_training_is_withdrawn_after_confirmation_with_a_reason(world: World) -> None:
    c = _client(world, "county_officer")
    c.post(f"/monitoring/counties/{COUNTY}/trainings/", TRAINING)
    t = Training.objects.get()
    url = f"/monitoring/trainings/{t.pk}/withdraw/"
    assert "确认撤销" in c.get(url).content.decode()
    assert c.post(url, {"reason": ""}).status_code == 400
    assert c.post(url, {"reason": "重复录入"}).status_code == 302
    t.refresh_from_db()
    assert t.withdrawn_at is not None and t.withdrawn_reason == "重复录入"
    assert AuditEntry.objects.filter(model="Training", action="update").count() == 1
    assert _client(world, "neighbour_officer").get(url).status_code == 404


def test_offices_outside_the_county_or_below_it_get_404(world: World) -> None:
    for persona in ("neighbour_officer", "township_officer", "cadre"):
        c = _client(world, persona)
        for path in ("trainings", "targets", "signals"):
            assert c.get(f"/monitoring/counties/{COUNTY}/{path}/").status_code == 404, persona
    api = _api(world, "neighbour_officer")
    body = {**TRAINING, "county": COUNTY, "participants": 2, "participant_names": ["王一"]}
    r = api.post(f"{API}/trainings/", body, format="json")
    assert r.status_code == 404 and not Training.objects.exists()


def test_the_city_records_its_own_training_by_api_and_the_county_may_not(
    world: World, city_officer
) -> None:
    body = {**TRAINING, "county": COUNTY, "level": "city", "organiser": "定西市扶贫办"}
    body.pop("participant_names")
    body["participants"] = 40
    r = _api(world, "county_officer").post(f"{API}/trainings/", body, format="json")
    assert r.status_code == 403 and "市(州)扶贫办" in r.json()["detail"]
    r = _api(world, "city_officer").post(f"{API}/trainings/", body, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["level_label"] == "市(州)级" and r.json()["participants"] == 40
    listed = _api(world, "county_officer").get(f"{API}/trainings/?county={COUNTY}").json()
    assert [t["organiser"] for t in listed["results"]] == ["定西市扶贫办"]
    pk = r.json()["id"]
    r = _api(world, "county_officer").post(
        f"{API}/trainings/{pk}/withdraw/", {"reason": "误录"}, format="json"
    )
    assert r.status_code == 403
    r = _api(world, "city_officer").post(
        f"{API}/trainings/{pk}/withdraw/", {"reason": "误录"}, format="json"
    )
    assert r.status_code == 200 and r.json()["withdrawn"] is True


def test_reduction_targets_are_set_corrected_and_removed_by_the_county_office(
    world: World,
) -> None:
    c = _client(world, "county_officer")
    url = f"/monitoring/counties/{COUNTY}/targets/"
    assert c.post(url, {"year": 2021, "people": "-3"}).status_code == 400
    assert (
        c.post(url, {"year": 2021, "people": 3000, "source": "岷政发〔2021〕1号"}).status_code
        == 302
    )
    assert c.post(url, {"year": 2021, "people": 2500}).status_code == 302
    target = ReductionTarget.objects.get()
    assert target.people == 2500
    correction = AuditEntry.objects.get(model="ReductionTarget", action="update")
    assert correction.before == {"people": 3000, "source": "岷政发〔2021〕1号"}
    assert "计划减贫人数" in c.get(url).content.decode()
    remove = f"/monitoring/targets/{target.pk}/remove/"
    assert "确认删除" in c.get(remove).content.decode()
    assert c.post(remove, {"reason": "录错年度"}).status_code == 302
    assert not ReductionTarget.objects.exists()
    assert AuditEntry.objects.get(model="ReductionTarget", action="delete").before["people"] == 2500


def test_the_city_sets_a_target_by_api_and_the_province_may_not(world: World, city_officer) -> None:
    body = {"county": COUNTY, "year": 2021, "people": 3000}
    r = _api(world, "province_officer").post(f"{API}/targets/", body, format="json")
    assert r.status_code == 403 and "减贫任务" in r.json()["detail"]
    r = _api(world, "city_officer").post(f"{API}/targets/", body, format="json")
    assert r.status_code == 201 and r.json()["people"] == 3000
    r = _api(world, "city_officer").post(f"{API}/targets/", {**body, "year": 2012}, format="json")
    assert r.status_code == 400 and "year" in r.json()
    pk = ReductionTarget.objects.get().pk
    assert _api(world, "neighbour_officer").get(f"{API}/targets/{pk}/").status_code == 404


def test_the_province_lists_exited_counties_by_code_with_the_raised_signs(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2019))
    for year in (2020, 2021):
        Training.objects.create(
            county_id=world.household.village.parent.parent_id,
            date=dt.date(year, 5, 1),
            level="county",
            organiser="岷县扶贫办",
            topic="培训",
            participants=50 if year == 2020 else 5,
        )
    page = _client(world, "province_officer").get("/monitoring/after-exit/?q=岷县")
    body = page.content.decode()
    assert page.status_code == 200 and "不打分、不排名" in body
    assert f'data-code="{COUNTY}"' in body
    every = _api(world, "province_officer").get(f"{API}/after-exit/").json()
    codes = [r["county"] for r in every["results"]]
    assert codes == sorted(codes) and every["count"] > len(["岷县"])
    found = _api(world, "province_officer").get(f"{API}/after-exit/?q={COUNTY}").json()["results"]
    assert [(r["county"], r["signs_raised"]) for r in found] == [(COUNTY, ["training_far_below"])]
    mine = _api(world, "neighbour_officer").get(f"{API}/after-exit/").json()["results"]
    assert COUNTY not in [r["county"] for r in mine]
