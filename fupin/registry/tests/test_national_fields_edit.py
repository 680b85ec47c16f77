"""民族, 联系电话, 人编号 and 自然村 edited by the offices in the browser and the API, through the
evidence-backed edit services and audited; the phone masked except to those who see full IDs."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.registry.editing import household_edit, person_change
from fupin.registry.services import RegistryDenied, RegistryError
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _client(user: AbstractBaseUser) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _api(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_services_check_the_phone_and_the_nationality_and_audit_the_change(
    world: World,
) -> None:
    h = world.household
    officer = world.users["township_officer"]
    with pytest.raises(RegistryError, match="联系电话：“12345”不是有效的电话号码"):
        household_edit(household=h, changes={"phone": "12345"}, note="入户核实", user=officer)
    household_edit(
        household=h,
        changes={"phone": " 0931-8123456 ", "natural_village": "上庄"},
        note="入户核实",
        user=officer,
    )
    h.refresh_from_db()
    assert (h.phone, h.natural_village) == ("0931-8123456", "上庄")
    row = AuditEntry.objects.filter(household=h, action=AuditEntry.Action.UPDATE).latest("id")
    assert row.after == {"phone": "0931-8123456", "natural_village": "上庄"}
    assert row.note == "入户核实"
    person = h.members.get()
    with pytest.raises(RegistryError, match="民族：“火星族”不是 56 个民族之一"):
        person_change(person=person, changes={"ethnicity": "火星族"}, note="户口本", user=officer)
    person_change(
        person=person,
        changes={"ethnicity": "回", "person_no": " P001 "},
        note="户口本",
        user=officer,
    )
    person.refresh_from_db()
    assert (person.ethnicity, person.person_no) == ("回族", "P001")
    with pytest.raises(RegistryDenied):
        household_edit(household=h, changes={"phone": PHONE}, note="x", user=world.users["cadre"])


def test_the_edit_pages_save_the_national_fields_and_keep_an_unlisted_nationality(
    world: World,
) -> None:
    h = world.household
    person = h.members.get()
    person.ethnicity = "汉"
    person.save(update_fields=["ethnicity"])
    c = _client(world.users["township_officer"])
    form = c.get(f"/households/{h.household_no}/members/{person.pk}/").content.decode()
    assert '<option value="汉族" selected>' in form  # an imported “汉” offered as 汉族
    data: dict[str, Any] = {
        "name": person.name,
        "relation": "head",
        "ethnicity": "藏族",
        "person_no": "6211260001",
        "disability_grade": 0,
        "months_away": 0,
        "insured": "on",
        "note": "户口本",
    }
    assert c.post(f"/households/{h.household_no}/members/{person.pk}/", data).status_code == 302
    person.refresh_from_db()
    assert (person.ethnicity, person.person_no) == ("藏族", "6211260001")
    edit = c.get(f"/households/{h.household_no}/edit/").content.decode()
    assert 'name="phone"' in edit and 'name="natural_village"' in edit
    base = {
        "income_year": 2019,
        "income_wages": 2000,
        "income_business": 0,
        "income_property": 0,
        "income_transfers": 0,
        "income_policy_transfers": 0,
        **{
            f"{g}_ok": "1" for g in ("food", "clothing", "education", "medical", "housing", "water")
        },
        "note": "入户核实",
        "natural_village": "下庄",
    }
    bad = c.post(f"/households/{h.household_no}/edit/", {**base, "phone": "800800"})
    assert bad.status_code == 400 and "联系电话" in bad.content.decode()
    assert (
        c.post(f"/households/{h.household_no}/edit/", {**base, "phone": PHONE}).status_code == 302
    )
    h.refresh_from_db()
    assert (h.phone, h.natural_village) == (PHONE, "下庄")
    assert (
        _client(world.users["cadre"]).get(f"/households/{h.household_no}/edit/").status_code == 403
    )


def test_the_phone_is_masked_except_to_the_offices_that_see_full_ids(world: World) -> None:
    h = world.household
    h.phone = PHONE
    h.save(update_fields=["phone"])
    url = f"/households/{h.household_no}/"
    county = _client(world.users["county_officer"]).get(url).content.decode()
    province = _client(world.users["province_officer"]).get(url).content.decode()
    assert f'<dd id="phone">{PHONE}</dd>' in county
    assert PHONE not in province and "138****5678" in province
    api = f"/api/households/{h.household_no}/"
    assert _api(world.users["county_officer"]).get(api).json()["phone"] == PHONE
    assert _api(world.users["province_officer"]).get(api).json()["phone"] == "138****5678"


def test_the_api_edits_the_national_fields_and_refuses_a_bad_phone(world: World) -> None:
    h = world.household
    api = _api(world.users["county_officer"])
    url = f"/api/registry/households/{h.household_no}/"
    r = api.patch(url, {"phone": "abc", "note": "核实"}, format="json")
    assert r.status_code == 400 and "联系电话" in r.json()["detail"]
    r = api.patch(url, {"phone": PHONE, "natural_village": "中庄", "note": "核实"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == PHONE
    person = h.members.get()
    r = api.patch(
        f"{url}members/{person.pk}/", {"ethnicity": "满族", "note": "户口本"}, format="json"
    )
    assert r.status_code == 200 and r.json()["ethnicity"] == "满族"
    r = api.patch(f"{url}members/{person.pk}/", {"ethnicity": "x", "note": "户口本"}, format="json")
    assert r.status_code == 400 and "民族" in r.json()["detail"]
    nobody = _api(world.users["province_officer"])
    assert nobody.patch(url, {"phone": PHONE, "note": "x"}, format="json").status_code == 403
