"""The three pages bench/bench_web.py measures, made cheaper per request (issue #18 item 7):
roles and scope read once per request, the list's count and rows and the dashboard's body cached
under the registry's version — and still nothing shown outside a user's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.models import Role
from fupin.accounts.scoping import request_memo, scope_for
from fupin.accounts.services import membership_grant
from fupin.regions.templatetags.fupin_labels import label_of
from fupin.registry.editing import household_event_add
from fupin.registry.models import Household, Person, StatusEvent

COUNTY = "621126000000"
DONGJIE = "621126100001"  # 东街村: the world's household, paired with the cadre


def _queries_on(captured: CaptureQueriesContext, table: str) -> int:
    return sum(f'FROM "{table}"' in q["sql"] for q in captured.captured_queries)


@pytest.fixture
def neighbour_in_village(world):
    """A second household in 东街村, not the cadre's, with a head whose name the tests look for."""
    h = Household.objects.create(
        household_no="6211261000010002", village=world.household.village, size=1
    )
    Person.objects.create(
        household=h,
        id_number="621126198501010012",
        name="李四邻",
        relation="head",
        sex="male",
        birth_date=dt.date(1985, 1, 1),
    )
    return h


@pytest.mark.parametrize(
    "path",
    [
        f"/regions/{COUNTY}/",
        f"/regions/{COUNTY}/households/?status=poor",
        "/households/6211261000010001/",
    ],
)
def test_each_page_reads_the_users_roles_once(client, world, path):
    client.force_login(world.users["county_officer"])
    client.get(path)  # warm: caches filled
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    assert _queries_on(captured, "accounts_membership") == 1
    # The one-time-password mark comes with the user (fupin.accounts.backends).
    assert _queries_on(captured, "accounts_personprofile") == 0


def test_outside_a_request_the_scope_is_read_afresh_each_time(world):
    user = world.users["nobody"]
    assert scope_for(user).prefixes == []
    membership_grant(user=user, role=Role.COUNTY_OFFICE, region=COUNTY)
    assert scope_for(user).prefixes == ["621126"]


def test_a_write_within_a_request_drops_the_remembered_scope(world):
    user = world.users["nobody"]
    with request_memo():
        assert scope_for(user).prefixes == []
        with CaptureQueriesContext(connection) as captured:
            scope_for(user)
        assert _queries_on(captured, "accounts_membership") == 0  # remembered
        membership_grant(user=user, role=Role.COUNTY_OFFICE, region=COUNTY)
        assert scope_for(user).prefixes == ["621126"]


def test_a_caller_extending_its_scope_does_not_change_the_remembered_one(world):
    user = world.users["county_officer"]
    with request_memo():
        scope_for(user).prefixes.append("62")
        assert scope_for(user).prefixes == ["621126"]


def test_the_cached_list_is_not_shown_to_a_user_who_sees_fewer_households(
    client, world, neighbour_in_village
):
    path = f"/regions/{DONGJIE}/households/"
    client.force_login(world.users["county_officer"])
    page = client.get(path).content.decode()
    assert "李四邻" in page and "张三" in page
    for persona in ("cadre", "enumerator"):  # single households: the 东街村 one only
        client.force_login(world.users[persona])
        response = client.get(path)
        assert response.status_code == 200, persona
        page = response.content.decode()
        assert "张三" in page and "李四邻" not in page, persona
        assert "共 1 户" in page, persona


def test_a_change_to_the_registry_shows_on_the_list_and_the_dashboard_at_once(client, world):
    officer = world.users["county_officer"]
    client.force_login(officer)
    path = f"/regions/{COUNTY}/households/?status=returned"
    assert "共 0 户" in client.get(path).content.decode()
    dashboard = client.get(f"/regions/{COUNTY}/").content.decode()
    StatusEvent.objects.create(
        household=world.household, kind="identified", date=dt.date(2014, 9, 1), year=2014
    )
    Household.objects.filter(pk=world.household.pk).update(registered=True, status="exited")
    household_event_add(
        household=Household.objects.get(pk=world.household.pk),
        event="returned",
        date=dt.date(2019, 6, 1),
        reason="因病返贫",
        user=officer,
    )
    page = client.get(path).content.decode()
    assert "共 1 户" in page and "6211261000010001" in page
    assert client.get(f"/regions/{COUNTY}/").content.decode() != dashboard


def test_the_cached_dashboard_body_is_not_shown_to_a_partial_view(client, world):
    client.force_login(world.users["county_officer"])
    whole = client.get(f"/regions/{DONGJIE}/").content.decode()
    assert "贫困发生率（未脱贫人口/农村人口）" in whole
    client.force_login(world.users["cadre"])
    partial = client.get(f"/regions/{DONGJIE}/").content.decode()
    assert "所见农户中未脱贫人口占比" in partial
    assert "贫困发生率（未脱贫人口/农村人口）" not in partial


def test_a_label_is_what_django_shows_for_every_code_and_for_an_unknown_one(world):
    h = world.household
    for value, _text in Household._meta.get_field("status").flatchoices:
        h.status = value
        assert label_of(h, "status") == h.get_status_display()
    h.status = "no-such-code"
    assert label_of(h, "status") == h.get_status_display() == "no-such-code"
    member = h.members.first()
    for name in ("relation", "sex", "education", "health", "labour_ability"):
        assert label_of(member, name) == getattr(member, f"get_{name}_display")()


# Query ceilings of the three pages bench/bench_web_cpu.py measures, for a county office: the
# session, the user (with the one-time-password mark and the scope sources' flags), the roles
# (the evaluation and unit-pairing sources ask nothing of a user their flags say they grant
# nothing; the campaigns with results are read only by pages that read campaigns), then each
# page's own. A new query on every page shows here first.
@pytest.mark.parametrize(
    ("path", "ceiling"),
    [
        (f"/regions/{COUNTY}/", 6),  # + the region, the snapshot, the registry's version
        (f"/regions/{COUNTY}/households/?status=poor", 5),  # + the region, version, the rows
        ("/households/6211261000010001/", 4),  # + the household with its version (body cached)
    ],
)
def test_each_page_stays_under_its_query_ceiling(client, world, path, ceiling):
    client.force_login(world.users["county_officer"])
    client.get(path)  # warm: caches filled
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    assert len(captured.captured_queries) <= ceiling, [
        q["sql"][:120] for q in captured.captured_queries
    ]


def test_a_change_to_a_member_shows_on_the_household_page_at_once(client, world):
    from fupin.registry.editing import person_change

    officer = world.users["county_officer"]
    client.force_login(officer)
    path = "/households/6211261000010001/"
    assert "张三" in client.get(path).content.decode()
    person_change(
        person=world.household.members.get(),
        changes={"name": "张三丰"},
        note="户籍更正",
        user=officer,
    )
    page = client.get(path).content.decode()
    assert "张三丰" in page and "户籍更正" in page


def test_a_logged_full_id_view_shows_in_the_household_pages_audit_list_at_once(client, world):
    from fupin.registry.services import person_view_full_id

    officer = world.users["county_officer"]
    client.force_login(officer)
    path = "/households/6211261000010001/"
    before = client.get(path).content.decode().count(label_of_action("view_id"))
    person = world.household.members.get()
    person_view_full_id(
        user=officer, household_no=world.household.household_no, person_pk=person.pk
    )
    after = client.get(path).content.decode().count(label_of_action("view_id"))
    assert after > before  # the new row, not the page cached before it


def label_of_action(action: str) -> str:
    from fupin.accounts.models import AuditEntry

    return str(AuditEntry.Action(action).label)


def test_the_cached_household_body_follows_each_users_rights(client, world):
    """The county office sees the full-ID link and the edit links; the province office opens the
    same household after it and gets neither (no full ID numbers above the county); a cadre
    neither."""
    path = "/households/6211261000010001/"
    client.force_login(world.users["county_officer"])
    county = client.get(path).content.decode()
    assert "查看完整号码" in county
    for persona in ("province_officer", "cadre"):
        client.force_login(world.users[persona])
        response = client.get(path)
        assert response.status_code == 200, persona
        page = response.content.decode()
        assert "查看完整号码" not in page, persona
        assert 'id="add-member"' not in page, persona
        assert "621126198001010019" not in page, persona
    client.force_login(world.users["county_officer"])
    assert "查看完整号码" in client.get(path).content.decode()


def test_the_navigation_drawn_once_still_names_each_user_and_their_links(client, world):
    """The header is drawn once per kind of user: each page still shows the signed-in user's own
    name (escaped), a fresh CSRF field in the logout form, and 系统管理 only to the superuser."""
    from django.contrib.auth import get_user_model

    odd = get_user_model().objects.create_user("a<b>&c", password="x-123456789")
    for user, admin in ((world.users["county_officer"], False), (world.users["superuser"], True)):
        client.force_login(user)
        page = client.get("/").content.decode()
        assert f">{user.username}</a>" in page
        assert 'name="csrfmiddlewaretoken"' in page
        assert ("/admin/" in page) is admin
    client.force_login(odd)
    page = client.get("/").content.decode()
    assert "a&lt;b&gt;&amp;c" in page and "a<b>&c" not in page
    client.logout()
    page = client.get("/accounts/login/").content.decode()
    assert "退出" not in page and "审计日志" not in page
