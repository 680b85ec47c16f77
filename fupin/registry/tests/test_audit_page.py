"""The audit-trail page: scoped rows, newest first, filters, readable changes, masked ID numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.registry.selectors import audit_changes, audit_entries_for, mask_ids
from fupin.registry.services import household_record_event, household_update, person_update

pytestmark = pytest.mark.django_db

FULL_ID = "621126198001010019"  # 张三, the head of world.household
NEW_ID = "621126198001010035"


@pytest.fixture
def trail(world):
    """Audit rows in 岷县 (an event, a change of size, a new ID number), one in 宕昌县, and one
    about no household (a county load); the personas' own set-up rows (the cadre's pairing) are
    cleared first so that the counts below are the trail's alone."""
    AuditEntry.objects.all().delete()
    household_record_event(
        household=world.household, kind="identified", date=dt.date(2014, 9, 1), actor="岷县录入员"
    )
    household_update(household=world.household, changes={"size": 2}, actor="岷县录入员")
    person_update(
        person=world.household.members.get(), changes={"id_number": NEW_ID}, actor="县扶贫办核查"
    )
    household_record_event(
        household=world.neighbour_household,
        kind="identified",
        date=dt.date(2015, 3, 1),
        actor="宕昌县录入员",
    )
    AuditEntry.objects.create(
        actor="synth",
        action=AuditEntry.Action.IMPORT,
        model="County",
        object_key="621126",
        after={"households": 1500},
        note="合成数据批量生成（每县一条审计记录）",
    )
    return world


def _page(client, user, query=""):
    client.force_login(user)
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    return response


def test_anonymous_visitor_is_sent_to_the_login_page(client, trail):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_county_officer_sees_their_county_rows_and_not_the_neighbours(client, trail):
    page = _page(client, trail.users["county_officer"]).content.decode()
    assert "岷县录入员" in page and "县扶贫办核查" in page
    assert "宕昌县录入员" not in page
    assert trail.neighbour_household.household_no not in page
    assert "合成数据批量生成" not in page  # no household: superusers only


def test_neighbour_officer_sees_none_of_the_other_countys_rows(client, trail):
    response = _page(client, trail.users["neighbour_officer"])
    page = response.content.decode()
    assert "宕昌县录入员" in page
    assert "岷县录入员" not in page and "县扶贫办核查" not in page
    assert trail.household.household_no not in page
    assert {r["entry"].household_id for r in response.context["rows"]} == {
        trail.neighbour_household.pk
    }


def test_rows_without_a_household_are_shown_to_superusers_only(trail):
    everything = audit_entries_for(trail.users["superuser"])
    assert everything.count() == AuditEntry.objects.count()
    assert everything.filter(household=None, model="County").count() == 1
    for name in ("county_officer", "province_officer", "staff_only", "nobody"):
        assert not audit_entries_for(trail.users[name]).filter(household=None).exists(), name
    assert not audit_entries_for(trail.users["nobody"]).exists()


def test_rows_come_newest_first(client, trail):
    rows = _page(client, trail.users["county_officer"]).context["rows"]
    times = [(r["entry"].at, r["entry"].pk) for r in rows]
    assert times == sorted(times, reverse=True)
    assert rows[0]["entry"].actor == "县扶贫办核查"


def test_id_numbers_are_masked_on_the_page(client, trail):
    page = _page(client, trail.users["county_officer"]).content.decode()
    assert FULL_ID not in page and NEW_ID not in page
    assert "621126********0019" in page and "621126********0035" in page


def test_id_numbers_nested_in_import_rows_and_notes_are_masked(client, trail):
    AuditEntry.objects.create(
        actor="import",
        action=AuditEntry.Action.IMPORT,
        model="Household",
        object_key=trail.household.household_no,
        household=trail.household,
        after={"members": [{"id_number": FULL_ID, "name": "张三"}]},
        note=f"成员 {NEW_ID} 导入",
    )
    page = _page(client, trail.users["county_officer"], "?action=import").content.decode()
    assert FULL_ID not in page and NEW_ID not in page
    assert "621126********0019" in page and "621126********0035" in page


def test_household_page_masks_id_numbers_nested_in_its_audit_rows(client, trail):
    AuditEntry.objects.create(
        actor="import",
        action=AuditEntry.Action.IMPORT,
        model="Household",
        object_key=trail.household.household_no,
        household=trail.household,
        after={"members": [{"id_number": FULL_ID, "name": "张三"}]},
    )
    client.force_login(trail.users["province_officer"])
    page = client.get(f"/households/{trail.household.household_no}/").content.decode()
    assert "修改记录" in page and "家庭成员" in page
    assert FULL_ID not in page and NEW_ID not in page
    assert "621126********0019" in page


def test_mask_ids_leaves_household_numbers_and_region_codes_alone():
    value = {
        "household_no": "6211261000010001",
        "village": "621126100001",
        "note": "户 6211261000010001 成员 621126198001010019",
        "id_number": "62112619800101001X",
    }
    masked = mask_ids(value)
    assert masked["household_no"] == "6211261000010001"
    assert masked["village"] == "621126100001"
    assert masked["note"] == "户 6211261000010001 成员 621126********0019"
    assert masked["id_number"] == "621126********001X"


def test_changes_read_as_field_labels_with_before_and_after(trail):
    entry = AuditEntry.objects.get(model="Household", action=AuditEntry.Action.UPDATE)
    assert audit_changes(entry) == [{"field": "家庭人口", "before": "1", "after": "2"}]
    person = AuditEntry.objects.get(model="Person")
    assert audit_changes(person) == [
        {"field": "身份证号", "before": "621126********0019", "after": "621126********0035"}
    ]
    event = AuditEntry.objects.filter(action=AuditEntry.Action.EVENT).first()
    assert {"field": "脱贫状态", "before": "", "after": "未脱贫"} in audit_changes(event)


def test_filter_by_action(client, trail):
    rows = _page(client, trail.users["county_officer"], "?action=event").context["rows"]
    assert [r["entry"].action for r in rows] == ["event"]


def test_filter_by_actor_matches_part_of_the_name(client, trail):
    rows = _page(client, trail.users["county_officer"], "?actor=核查").context["rows"]
    assert [r["entry"].actor for r in rows] == ["县扶贫办核查"]


def test_filter_by_date_range(client, trail):
    old = AuditEntry.objects.filter(actor="岷县录入员")
    old.update(at=timezone.make_aware(dt.datetime(2019, 5, 1, 10, 0)))
    user = trail.users["county_officer"]
    rows = _page(client, user, "?since=2019-04-01&until=2019-05-31").context["rows"]
    assert {r["entry"].actor for r in rows} == {"岷县录入员"} and len(rows) == 2
    rows = _page(client, user, "?since=2020-01-01").context["rows"]
    assert {r["entry"].actor for r in rows} == {"县扶贫办核查"}


def test_an_invalid_date_is_reported_and_the_other_filters_still_apply(client, trail):
    response = _page(client, trail.users["county_officer"], "?since=not-a-date&action=update")
    assert "errorlist" in response.content.decode()
    assert {r["entry"].action for r in response.context["rows"]} == {"update"}


def test_region_filter_narrows_to_households_below_it(client, trail):
    user = trail.users["province_officer"]
    rows = _page(client, user, "?region=621223000000").context["rows"]
    assert {r["entry"].actor for r in rows} == {"宕昌县录入员"}


def test_region_filter_outside_the_users_scope_is_404(client, trail):
    client.force_login(trail.users["county_officer"])
    assert client.get("/audit/?region=621223000000").status_code == 404


def test_pages_hold_fifty_rows(client, trail):
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor="批量",
                action=AuditEntry.Action.UPDATE,
                model="Household",
                object_key=trail.household.household_no,
                household=trail.household,
                before={"size": 1},
                after={"size": 2},
            )
            for _ in range(60)
        ]
    )
    user = trail.users["county_officer"]
    first = _page(client, user)
    assert len(first.context["rows"]) == 50
    assert "page=2" in first.content.decode()
    second = _page(client, user, "?page=2")
    assert len(second.context["rows"]) == 63 - 50


def test_region_dashboard_links_to_the_audit_trail(client, trail):
    client.force_login(trail.users["county_officer"])
    page = client.get("/regions/621126000000/").content.decode()
    assert 'href="/audit/?region=621126000000"' in page
