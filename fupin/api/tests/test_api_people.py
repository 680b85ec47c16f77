"""The people API (/api/people/): each office grants what it may and is refused what it may not,
with the pages' scope (a guessed user from the next county is a 404), the pages' refusals and
audit rows; a one-time password is shown once and must be changed before anything else."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from fupin.accounts.first_login import MUST_CHANGE
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import person_create
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Zhen-xin-mima-2019"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _create(client: APIClient, **body: str):
    return client.post("/api/people/", body, format="json")


def test_county_office_adds_a_township_officer_by_region_name_and_sees_the_password_once(
    api, world
):
    county = api("county_officer")
    response = _create(
        county,
        name="王站长",
        username="zhanzhang",
        role=Role.TOWNSHIP_OFFICE,
        region="岷阳镇",
        phone="13800000001",
        post="站长",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    password = body["one_time_password"]
    user = get_user_model().objects.get(username="zhanzhang")
    assert user.check_password(password)
    person = body["person"]
    assert person["must_change_password"] is True
    assert person["roles"][0]["region"] == {"code": "621126100000", "name": "岷阳镇"}
    assert person["roles"][0]["role_label"] == "乡(镇)扶贫工作站"
    again = county.get("/api/people/zhanzhang/").json()
    assert "one_time_password" not in again and again["name"] == "王站长"
    made = AuditEntry.objects.get(model="User", object_key=str(user.pk), action="create")
    assert made.actor == "county_officer"
    assert password not in str(list(AuditEntry.objects.values("before", "after", "note")))


@pytest.mark.parametrize(
    ("persona", "role", "region", "status", "words"),
    [
        ("county_officer", Role.COUNTY_OFFICE, "621126000000", 403, "不能授予"),
        ("county_officer", Role.VILLAGE_OFFICE, "621223100001", 400, "不在本单位辖区内"),
        ("township_officer", Role.TOWNSHIP_OFFICE, "621126100000", 403, "不能授予"),
        ("township_officer", Role.HELPING_CADRE, "621126101001", 400, "不在本单位辖区内"),
        ("province_officer", Role.TOWNSHIP_OFFICE, "621126100000", 403, "不能授予"),
        ("province_officer", Role.COUNTY_OFFICE, "621126100000", 403, "须对应一个县(区)级区划"),
        ("working_group", Role.COUNTY_OFFICE, "", 403, "不能授予"),
    ],
)
def test_an_office_is_refused_what_it_may_not_grant_and_nothing_is_made(
    api, world, persona, role, region, status, words
):
    response = _create(api(persona), name="某人", username="mouren", role=role, region=region)
    assert response.status_code == status, response.json()
    assert words in response.json()["detail"]
    assert not get_user_model().objects.filter(username="mouren").exists()


def test_province_grants_a_county_office_and_a_city_office(api, world):
    province = api("province_officer")
    county = _create(
        province,
        name="县主任",
        username="xianzhuren",
        role=Role.COUNTY_OFFICE,
        region="621126000000",
    )
    assert county.status_code == 201, county.json()
    city = Region.objects.get(code="621126000000").parent
    response = province.post(
        "/api/people/xianzhuren/roles/",
        {"role": Role.CITY_OFFICE, "region": city.code},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert {r["role"] for r in response.json()["roles"]} == {"county_office", "city_office"}
    row = Membership.objects.get(user__username="xianzhuren", role=Role.CITY_OFFICE)
    granted = AuditEntry.objects.filter(model="Membership", action="grant").order_by("-id")[0]
    assert granted.actor == "province_officer" and row.region == city


def test_a_guessed_user_from_the_next_county_is_not_found_anywhere(api, world):
    theirs, _pw = person_create(
        actor=world.users["neighbour_officer"],
        name="邻县干部",
        username="next-cadre",
        role=Role.HELPING_CADRE,
        region=Region.objects.get(code="621223100001"),
    )
    county = api("county_officer")
    assert county.get("/api/people/next-cadre/").status_code == 404
    assert county.patch("/api/people/next-cadre/", {"name": "改"}, format="json").status_code == 404
    for action in ("password", "deactivate", "activate"):
        assert county.post(f"/api/people/next-cadre/{action}/").status_code == 404
    grant = {"role": Role.VILLAGE_OFFICE, "region": "621126100001"}
    assert county.post("/api/people/next-cadre/roles/", grant, format="json").status_code == 404
    listed = county.get("/api/people/", {"q": "next"}).json()
    assert listed["count"] == 0
    theirs.refresh_from_db()
    assert theirs.first_name == "邻县干部" and theirs.is_active
    assert api("neighbour_officer").get("/api/people/next-cadre/").status_code == 200


def test_the_list_is_the_pages_scope_and_searches(api, world):
    county = api("county_officer")
    names = {p["username"] for p in county.get("/api/people/").json()["results"]}
    assert {"county_officer", "township_officer"} <= names
    assert not names & {"neighbour_officer", "province_officer", "superuser"}
    found = county.get("/api/people/", {"q": "岷阳镇"}).json()["results"]
    assert [p["username"] for p in found] == ["township_officer"]


def test_nobody_grants_themselves_anything_or_ends_their_own_role(api, world):
    county = api("county_officer")
    grant = {"role": Role.TOWNSHIP_OFFICE, "region": "621126100000"}
    response = county.post("/api/people/county_officer/roles/", grant, format="json")
    assert response.status_code == 403 and "不能给自己" in response.json()["detail"]
    end = {"role": Role.COUNTY_OFFICE, "region": "621126000000", "end": True}
    response = county.post("/api/people/county_officer/roles/", end, format="json")
    assert response.status_code == 403 and "不能给自己" in response.json()["detail"]
    assert Membership.objects.filter(user=world.users["county_officer"]).count() == 1


def test_the_last_holder_of_an_office_cannot_stop_themselves_but_a_colleague_may_be_stopped(
    api, world
):
    county = api("county_officer")
    response = county.post("/api/people/county_officer/deactivate/", {}, format="json")
    assert response.status_code == 403 and "唯一在用的账号" in response.json()["detail"]
    world.users["county_officer"].refresh_from_db()
    assert world.users["county_officer"].is_active
    stopped = county.post(
        "/api/people/township_officer/deactivate/", {"reason": "调离"}, format="json"
    )
    assert stopped.status_code == 200 and stopped.json()["is_active"] is False
    again = county.post("/api/people/township_officer/deactivate/", {}, format="json")
    assert again.status_code == 403 and "已经停用" in again.json()["detail"]
    back = county.post("/api/people/township_officer/activate/")
    assert back.status_code == 200 and back.json()["is_active"] is True
    notes = list(
        AuditEntry.objects.filter(model="User", object_key=str(world.users["township_officer"].pk))
        .order_by("id")
        .values_list("note", flat=True)
    )
    assert notes[-2:] == ["停用账号：调离", "启用账号"]


def test_a_township_office_cannot_change_its_county_office(api, world):
    response = api("township_officer").patch(
        "/api/people/county_officer/", {"phone": "13800000009"}, format="json"
    )
    assert response.status_code == 404  # above the township: not among its people


def test_update_changes_only_the_fields_sent_and_refuses_a_bad_phone(api, world):
    county = api("county_officer")
    made = _create(
        county, name="李专干", username="li", role=Role.VILLAGE_OFFICE, region="621126100001"
    )
    assert made.status_code == 201, made.json()
    response = county.patch("/api/people/li/", {"unit": "东街村委会"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "李专干" and response.json()["unit"] == "东街村委会"
    bad = county.patch("/api/people/li/", {"phone": "12345"}, format="json")
    assert bad.status_code == 400 and "手机号" in bad.json()["detail"]
    moved = county.patch("/api/people/li/", {"region": "621223000000"}, format="json")
    assert moved.status_code == 400 and "不在本单位辖区内" in moved.json()["detail"]


def test_reset_gives_a_new_one_time_password_once(api, world):
    county = api("county_officer")
    response = county.post("/api/people/township_officer/password/")
    assert response.status_code == 200
    password = response.json()["one_time_password"]
    user = world.users["township_officer"]
    user.refresh_from_db()
    assert user.check_password(password) and user.profile.must_change_password
    assert county.get("/api/people/township_officer/").json()["must_change_password"] is True
    row = AuditEntry.objects.filter(model="User", object_key=str(user.pk)).order_by("-id")[0]
    assert row.actor == "county_officer" and password not in str(row.after) + row.note


def test_the_office_sees_a_login_lock_and_a_reset_lifts_it(api, world):
    from fupin.accounts.services import MAX_FAILURES, login_failure_record

    county = api("county_officer")
    assert county.get("/api/people/township_officer/").json()["login_lock"] is None
    for _ in range(MAX_FAILURES):
        login_failure_record(username="township_officer", ip="10.0.0.7")
    lock = county.get("/api/people/township_officer/").json()["login_lock"]
    assert lock["everywhere"] is False and lock["addresses"] == 1 and lock["until"]
    with CaptureQueriesContext(connection) as queries:
        listed = county.get("/api/people/?page_size=500").json()["results"]
    locks = {p["username"]: p["login_lock"] for p in listed}
    assert locks["township_officer"] == lock and len(locks) >= 2
    assert all(v is None for k, v in locks.items() if k != "township_officer")
    read = [q for q in queries.captured_queries if "accounts_loginthrottle" in q["sql"]]
    assert len(read) == 1  # the page's locks in one query, not one per person
    assert county.post("/api/people/township_officer/password/").status_code == 200
    assert county.get("/api/people/township_officer/").json()["login_lock"] is None


def test_the_working_group_grants_in_its_own_campaign_by_name(api, world):
    group = api("working_group")
    made = _create(
        group,
        name="部门核查员",
        username="bumen",
        role=Role.DEPARTMENT,
        campaign=world.campaign.name,
    )
    assert made.status_code == 201, made.json()
    assert made.json()["person"]["roles"][0]["campaign"] == world.campaign.name
    other = _create(
        group, name="某人", username="other", role=Role.DEPARTMENT, campaign="别的评估任务"
    )
    assert other.status_code == 400 and "不是本评估工作组的任务" in other.json()["detail"]
    none = _create(group, name="某人", username="none", role=Role.DEPARTMENT)
    assert none.status_code == 403 and "请选择评估任务" in none.json()["detail"]


def test_people_without_an_office_are_refused(api, world):
    for persona in ("enumerator", "cadre", "nobody"):
        response = api(persona).get("/api/people/")
        assert response.status_code == 403 and "人员管理" in response.json()["detail"]


def test_a_one_time_password_must_be_changed_before_any_other_call(api, world):
    made = _create(
        api("county_officer"),
        name="王站长",
        username="zhanzhang",
        role=Role.TOWNSHIP_OFFICE,
        region="621126100000",
    ).json()
    token = APIClient().post(
        "/api/token/",
        {"username": "zhanzhang", "password": made["one_time_password"]},
        format="json",
    )
    assert token.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    refused = client.get("/api/regions/")
    assert refused.status_code == 403 and refused.json()["detail"] == MUST_CHANGE
    wrong = client.post(
        "/api/people/me/password/",
        {"old_password": "not-it", "new_password": NEW_PASSWORD},
        format="json",
    )
    assert wrong.status_code == 400 and "old_password" in wrong.json()
    weak = client.post(
        "/api/people/me/password/",
        {"old_password": made["one_time_password"], "new_password": "12345678"},
        format="json",
    )
    assert weak.status_code == 400 and "new_password" in weak.json()
    changed = client.post(
        "/api/people/me/password/",
        {"old_password": made["one_time_password"], "new_password": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert client.get("/api/regions/").status_code == 401  # the old token died with the password
    client.credentials(HTTP_AUTHORIZATION=f"Token {changed.json()['token']}")
    assert client.get("/api/regions/").status_code == 200
    user = get_user_model().objects.get(username="zhanzhang")
    assert user.check_password(NEW_PASSWORD) and not user.profile.must_change_password


def test_a_one_time_password_sends_every_page_to_the_password_change(client, api, world):
    made = _create(
        api("county_officer"),
        name="王站长",
        username="zhanzhang",
        role=Role.TOWNSHIP_OFFICE,
        region="621126100000",
    ).json()
    assert client.login(username="zhanzhang", password=made["one_time_password"])
    for path in ("/", "/people/me/", "/households/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == "/accounts/password_change/"
    assert client.get("/api/regions/").status_code == 403
    page = client.get("/accounts/password_change/")
    assert page.status_code == 200 and "一次性密码" in page.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": made["one_time_password"],
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get("/people/me/").status_code == 200
    assert "一次性密码" not in client.get("/accounts/password_change/").content.decode()


def test_the_working_group_makes_its_expert_lead_expert_and_ends_it_by_api(api, world):
    group = api("working_group")
    body = {"role": Role.LEAD_EXPERT, "campaign": world.campaign.name}
    granted = group.post("/api/people/expert/roles/", body, format="json")
    assert granted.status_code == 201, granted.json()
    assert "lead_expert" in {r["role"] for r in granted.json()["roles"]}
    twice = group.post(
        "/api/people/expert/roles/",
        {"role": Role.EXPERT_GROUP, "campaign": world.campaign.name},
        format="json",
    )
    assert twice.status_code == 403 and "不能同时担任专家组成员" in twice.json()["detail"]
    ended = group.post("/api/people/expert/roles/", {**body, "end": True}, format="json")
    assert ended.status_code == 200, ended.json()
    assert not Membership.objects.filter(user=world.users["expert"], role=Role.LEAD_EXPERT).exists()
    assert api("county_officer").get("/api/people/expert/").status_code == 404


def test_a_page_of_people_costs_the_same_queries_for_two_people_or_twelve(api, world):
    county = api("county_officer")

    def listing() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = county.get("/api/people/?page_size=500")
        assert response.status_code == 200
        return len(queries.captured_queries), len(response.json()["results"])

    queries_before, people_before = listing()
    for k in range(10):
        person_create(
            actor=world.users["county_officer"],
            name=f"帮扶干部{k}",
            username=f"cadre{k}",
            role=Role.HELPING_CADRE,
            region=Region.objects.get(code="621126100001"),
        )
    queries_after, people_after = listing()
    assert people_after == people_before + 10
    assert queries_after == queries_before  # roles and login locks read once for the page
