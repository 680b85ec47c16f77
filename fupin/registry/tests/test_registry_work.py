"""Registry work by the offices (issue #15 item 3): events with reasons, identification through the
five steps, members and income with evidence — services, pages and API, for an office that may
and those that may not (another township's office, a cadre), with the refusals in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.policy import idnumber
from fupin.registry.editing import (
    household_edit,
    household_event_add,
    person_add,
    person_remove,
)
from fupin.registry.identification import identification_open, identification_transition
from fupin.registry.models import Household, IdentificationCase, Person, StatusEvent
from fupin.registry.services import (
    RegistryConflict,
    RegistryDenied,
    RegistryError,
    household_record_event,
)
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def _history(h: Household, *events: tuple[str, dt.date]) -> Household:
    for kind, date in events:
        household_record_event(
            household=h, kind=kind, date=date, actor="test", reason="测试" if kind else ""
        )
    h.refresh_from_db()
    return h


def _other_township_officer(world: World) -> AbstractBaseUser:
    """梅川镇's office: a township office of the same county, but not of the household's township."""
    user = get_user_model().objects.create_user("meichuan_officer", password=None)
    membership_grant(
        user=user, role=Role.TOWNSHIP_OFFICE, region=world.other_household.village.parent
    )
    return user


def _id(birth: str, serial: str = "001") -> str:
    body = f"621126{birth}{serial}"
    return body + idnumber.check_digit(body)


# --- services: events --------------------------------------------------------------------------


def test_the_county_records_a_return_to_poverty_with_its_reason_and_the_audit_row(
    world: World,
) -> None:
    h = _history(
        world.household, ("identified", dt.date(2016, 3, 1)), ("exited", dt.date(2018, 11, 1))
    )
    event = household_event_add(
        household=h,
        event="returned",
        date=dt.date(2020, 5, 6),
        reason="户主患大病，医疗支出大",
        user=world.users["county_officer"],
    )
    h.refresh_from_db()
    assert (h.status, event.kind, event.reason) == (
        "returned",
        "returned",
        "户主患大病，医疗支出大",
    )
    row = AuditEntry.objects.filter(household=h, action="event").latest("id")
    assert row.user == world.users["county_officer"] and "户主患大病" in row.note


def test_a_natural_decrease_is_a_removal_with_its_kind(world: World) -> None:
    h = _history(world.household, ("identified", dt.date(2016, 3, 1)))
    event = household_event_add(
        household=h,
        event="death",
        date=dt.date(2019, 2, 1),
        reason="户主去世，单人户自然消亡",
        user=world.users["county_officer"],
    )
    h.refresh_from_db()
    assert (h.status, h.registered) == ("removed", False)
    assert (event.kind, event.removal_kind, event.get_removal_kind_display()) == (
        "removed",
        "death",
        "自然减少（死亡）",
    )


def test_events_refused_say_why_in_chinese(world: World) -> None:
    h = _history(world.household, ("identified", dt.date(2016, 3, 1)))
    county = world.users["county_officer"]
    with pytest.raises(RegistryConflict, match="当前状态为“未脱贫”，不能记录“返贫”"):
        household_event_add(
            household=h, event="returned", date=dt.date(2019, 1, 1), reason="x", user=county
        )
    with pytest.raises(RegistryError, match="贫困户退出程序"):
        household_event_add(
            household=h, event="exited", date=dt.date(2019, 1, 1), reason="x", user=county
        )
    with pytest.raises(RegistryError, match="早于上一条记录"):
        household_event_add(
            household=h, event="wrong", date=dt.date(2015, 1, 1), reason="错评", user=county
        )
    with pytest.raises(RegistryError, match="请填写原因"):
        household_event_add(
            household=h, event="wrong", date=dt.date(2019, 1, 1), reason=" ", user=county
        )
    with pytest.raises(RegistryDenied, match="须由东街村所属的县扶贫办记录"):
        household_event_add(
            household=h,
            event="wrong",
            date=dt.date(2019, 1, 1),
            reason="错评",
            user=world.users["township_officer"],
        )
    assert StatusEvent.objects.filter(household=h).count() == 1


def test_a_removed_household_is_identified_again_only_with_a_reason(world: World) -> None:
    h = _history(world.household, ("identified", dt.date(2016, 3, 1)))
    household_event_add(
        household=h,
        event="wrong",
        date=dt.date(2017, 1, 1),
        reason="有财政供养人员，错评",
        user=world.users["county_officer"],
    )
    with pytest.raises(RegistryError, match="重新识别必须写明原因"):
        household_record_event(household=h, kind="identified", date=dt.date(2019, 1, 1), actor="t")
    household_record_event(
        household=h, kind="identified", date=dt.date(2019, 1, 1), actor="t", reason="因灾致贫"
    )
    h.refresh_from_db()
    assert (h.status, h.identified_year) == ("poor", 2019)


# --- services: identification ------------------------------------------------------------------


def _walk(case: IdentificationCase, user: AbstractBaseUser, upto: str = "appraised") -> None:
    steps = [
        ("verified", dt.date(2024, 3, 2), {}),
        ("inspected", dt.date(2024, 3, 3), {}),
        ("compared", dt.date(2024, 3, 5), {}),
        ("appraised", dt.date(2024, 3, 8), {"appraisal_result": "passed"}),
    ]
    for to, date, extra in steps:
        identification_transition(
            case=case, to=to, user=user, date=date, opinion=f"{to} 情况属实", **extra
        )
        if to == upto:
            return


def test_identification_takes_five_steps_and_the_county_approval_records_the_event(
    world: World,
) -> None:
    township, county = world.users["township_officer"], world.users["county_officer"]
    case = identification_open(
        household=world.household, reason="因病致贫", user=township, date=dt.date(2024, 3, 1)
    )
    _walk(case, township)
    identification_transition(
        case=case,
        to="noticed",
        user=township,
        date=dt.date(2024, 3, 16),
        opinion="公示期满",
        notice_start=dt.date(2024, 3, 9),
        notice_end=dt.date(2024, 3, 15),
        objection="邻户反映其有车",
        objection_handling="核实为借用亲属车辆，异议不成立",
    )
    with pytest.raises(RegistryDenied, match="县级审批识别”须由东街村所属的县扶贫办办理"):
        identification_transition(
            case=case, to="approved", user=township, date=dt.date(2024, 3, 20), opinion="同意"
        )
    identification_transition(
        case=case, to="approved", user=county, date=dt.date(2024, 3, 20), opinion="同意识别"
    )
    case.refresh_from_db()
    h = Household.objects.get(pk=world.household.pk)
    assert case.status == "approved" and (h.status, h.identified_year) == ("poor", 2024)
    assert list(case.steps.values_list("to_status", flat=True)) == [
        "verified",
        "inspected",
        "compared",
        "appraised",
        "noticed",
        "approved",
    ]
    notice = case.steps.get(to_status="noticed")
    assert notice.objection_handling == "核实为借用亲属车辆，异议不成立"
    assert h.events.get().reason.startswith("新识别")


def test_identification_refuses_backward_dates_a_short_notice_and_an_unfinished_one(
    world: World,
) -> None:
    township = world.users["township_officer"]
    case = identification_open(
        household=world.household, reason="缺劳力", user=township, date=dt.date(2024, 3, 1)
    )
    with pytest.raises(RegistryError, match="早于申请的日期 2024-03-01：日期不能倒退"):
        identification_transition(
            case=case, to="verified", user=township, date=dt.date(2024, 2, 1), opinion="x"
        )
    _walk(case, township)
    with pytest.raises(RegistryError, match="公示期为 5 天，不得少于 7 天"):
        identification_transition(
            case=case,
            to="noticed",
            user=township,
            date=dt.date(2024, 3, 20),
            opinion="公示期满",
            notice_start=dt.date(2024, 3, 9),
            notice_end=dt.date(2024, 3, 13),
        )
    with pytest.raises(RegistryConflict, match="期满后才能记录公示结果"):
        identification_transition(
            case=case,
            to="noticed",
            user=township,
            date=dt.date(2024, 3, 12),
            opinion="公示中",
            notice_start=dt.date(2024, 3, 9),
            notice_end=dt.date(2024, 3, 15),
        )
    with pytest.raises(RegistryError, match="须写明异议的核实处理情况"):
        identification_transition(
            case=case,
            to="noticed",
            user=township,
            date=dt.date(2024, 3, 20),
            opinion="公示期满",
            notice_start=dt.date(2024, 3, 9),
            notice_end=dt.date(2024, 3, 15),
            objection="有异议",
        )
    case.refresh_from_db()
    assert case.status == "appraised" and case.steps.count() == 4


def test_a_failed_appraisal_ends_the_case_and_another_township_may_not_act(world: World) -> None:
    township = world.users["township_officer"]
    case = identification_open(
        household=world.household, reason="缺资金", user=township, date=dt.date(2024, 3, 1)
    )
    with pytest.raises(RegistryDenied, match="乡\\(镇\\)扶贫工作站或县扶贫办办理"):
        identification_transition(
            case=case,
            to="verified",
            user=_other_township_officer(world),
            date=dt.date(2024, 3, 2),
            opinion="x",
        )
    _walk(case, township, upto="compared")
    identification_transition(
        case=case,
        to="appraised",
        user=township,
        date=dt.date(2024, 3, 9),
        opinion="村民代表 23 人，赞成 8 人",
        appraisal_result="failed",
    )
    case.refresh_from_db()
    assert case.status == "rejected"
    assert Household.objects.get(pk=world.household.pk).status == ""


def test_a_registered_household_cannot_apply_and_a_cadre_cannot_open(world: World) -> None:
    with pytest.raises(RegistryDenied):
        identification_open(household=world.household, reason="x", user=world.users["cadre"])
    h = _history(world.household, ("identified", dt.date(2016, 3, 1)))
    with pytest.raises(RegistryConflict, match="该户当前为“未脱贫”，已在建档立卡中"):
        identification_open(household=h, reason="x", user=world.users["county_officer"])


# --- services: members and income ----------------------------------------------------------------


def test_a_birth_adds_a_member_from_the_id_number_and_the_size_follows(world: World) -> None:
    h = world.household
    number = _id("20230415", "024")
    person = person_add(
        household=h,
        data={"name": "张小妹", "id_number": number, "relation": "child"},
        change="birth",
        note="出生医学证明",
        user=world.users["township_officer"],
    )
    h.refresh_from_db()
    assert (person.sex, person.birth_date, h.size) == ("female", dt.date(2023, 4, 15), 2)
    row = AuditEntry.objects.get(household=h, action="create", model="Person")
    assert number not in str(row.after) and idnumber.mask(number) in str(row.after)
    with pytest.raises(RegistryError, match="身份证号：身份证号校验位错误"):
        person_add(
            household=h,
            data={
                "name": "错号",
                "id_number": number[:-1] + ("0" if number[-1] != "0" else "1"),
                "relation": "child",
            },
            change="birth",
            note="",
            user=world.users["township_officer"],
        )
    with pytest.raises(RegistryError, match="该户已有身份证号为 621126\\*+"):
        person_add(
            household=h,
            data={"name": "重复", "id_number": number, "relation": "child"},
            change="birth",
            note="",
            user=world.users["township_officer"],
        )


def test_a_death_keeps_the_member_as_deceased_and_moving_away_removes_with_an_audit_row(
    world: World,
) -> None:
    h = world.household
    township = world.users["township_officer"]
    wife = person_add(
        household=h,
        data={"name": "李芳", "id_number": _id("19820202", "046"), "relation": "spouse"},
        change="marriage_in",
        note="结婚登记",
        user=township,
    )
    with pytest.raises(RegistryError, match="请先把另一位成员变更为户主"):
        person_remove(person=h.head, change="moved_out", note="", user=township)  # type: ignore[arg-type]
    person_remove(person=wife, change="moved_out", note="外嫁", user=township)
    assert not Person.objects.filter(pk=wife.pk).exists()
    row = AuditEntry.objects.get(household=h, action="delete")
    assert row.before["name"] == "李芳" and "迁出" in row.note
    head = h.head
    assert head is not None
    person_remove(person=head, change="death", note="病故", user=township)
    head.refresh_from_db()
    h.refresh_from_db()
    assert head.deceased and h.size == 0


def test_income_edit_computes_the_totals_keeps_the_evidence_and_refuses_a_cadre(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    h = world.household
    household_edit(
        household=h,
        changes={
            "income_year": 2023,
            "income_wages": 3000,
            "income_business": 1000,
            "income_property": 0,
            "income_transfers": 800,
            "income_policy_transfers": 500,
            "housing_ok": False,
        },
        note="入户核实收入台账；住建部门鉴定 C 级危房",
        user=world.users["township_officer"],
        file=SimpleUploadedFile("危房鉴定.pdf", b"%PDF-1.4 test"),
    )
    h.refresh_from_db()
    assert (h.income_total, h.income_per_capita, h.housing_ok) == (4800, 4800, False)
    evidence = h.evidence.get()
    assert evidence.original_name == "危房鉴定.pdf" and evidence.file.read() == b"%PDF-1.4 test"
    row = AuditEntry.objects.filter(household=h, action="update").latest("id")
    assert "危房鉴定.pdf" in row.note and row.after["income_per_capita"] == 4800
    with pytest.raises(RegistryDenied):
        household_edit(household=h, changes={"food_ok": False}, note="x", user=world.users["cadre"])
    with pytest.raises(RegistryError, match="请填写修改依据"):
        household_edit(
            household=h, changes={"food_ok": False}, note="", user=world.users["county_officer"]
        )


# --- pages -------------------------------------------------------------------------------------


def _client(user: AbstractBaseUser) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_household_page_offers_the_county_the_event_form_and_records_a_refusal_in_chinese(
    world: World,
) -> None:
    h = _history(world.household, ("identified", dt.date(2016, 3, 1)))
    c = _client(world.users["county_officer"])
    page = c.get(f"/households/{h.household_no}/").content.decode()
    assert "记录返贫、清退或自然减少" in page and f"/exits/regions/{h.village.code}/" in page
    r = c.post(
        f"/households/{h.household_no}/events/",
        {"event": "returned", "date": "2019-05-01", "reason": "因病", "confirm": "on"},
    )
    assert r.status_code == 400
    assert "当前状态为“未脱贫”，不能记录“返贫”" in r.content.decode()
    r = c.post(
        f"/households/{h.household_no}/events/",
        {"event": "moved", "date": "2019-05-01", "reason": "全家迁往兰州落户", "confirm": "on"},
    )
    assert r.status_code == 302
    page = c.get(f"/households/{h.household_no}/").content.decode()
    assert "自然减少（迁出）" in page and "全家迁往兰州落户" in page


def test_pages_refuse_a_cadre_and_another_township_and_hide_the_forms(world: World) -> None:
    h = world.household
    cadre = _client(world.users["cadre"])
    page = cadre.get(f"/households/{h.household_no}/").content.decode()
    assert "记录返贫、清退或自然减少" not in page and "新增家庭成员" not in page
    assert cadre.get(f"/households/{h.household_no}/edit/").status_code == 403
    r = cadre.post(
        f"/households/{h.household_no}/events/",
        {"event": "wrong", "date": "2019-05-01", "reason": "x", "confirm": "on"},
    )
    assert r.status_code == 403
    other = _client(_other_township_officer(world))
    assert other.get(f"/households/{h.household_no}/members/new/").status_code == 404


def test_the_member_and_income_pages_save_through_the_services(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    h = world.household
    c = _client(world.users["township_officer"])
    r = c.post(
        f"/households/{h.household_no}/members/new/",
        {
            "name": "张小明",
            "id_number": "621126201501010011",
            "relation": "child",
            "change": "birth",
            "disability_grade": 0,
            "months_away": 0,
        },
    )
    assert r.status_code == 400 and "身份证号：身份证号校验位错误" in r.content.decode()
    r = c.post(
        f"/households/{h.household_no}/members/new/",
        {
            "name": "张小明",
            "id_number": _id("20150101", "013"),
            "relation": "child",
            "change": "birth",
            "disability_grade": 0,
            "months_away": 0,
        },
    )
    assert r.status_code == 302
    page = c.get(f"/households/{h.household_no}/").content.decode()
    assert "张小明" in page and _id("20150101", "013") not in page
    form = c.get(f"/households/{h.household_no}/edit/")
    assert form.status_code == 200 and "修改依据" in form.content.decode()
    data = {
        "income_year": 2023,
        "income_wages": 6000,
        "income_business": 0,
        "income_property": 0,
        "income_transfers": 0,
        "income_policy_transfers": 0,
        **{f: "1" for f in ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok")},
        "water_ok": "0",
        "note": "务工收入证明",
    }
    assert c.post(f"/households/{h.household_no}/edit/", data).status_code == 302
    h.refresh_from_db()
    assert (h.income_per_capita, h.water_ok, h.size) == (3000, False, 2)


# --- API ---------------------------------------------------------------------------------------


def _api(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_records_events_and_refuses_others_with_the_right_status(world: World) -> None:
    h = _history(
        world.household, ("identified", dt.date(2016, 3, 1)), ("exited", dt.date(2018, 11, 1))
    )
    url = f"/api/registry/households/{h.household_no}/events/"
    body = {"event": "returned", "date": "2020-05-06", "reason": "因灾"}
    assert _api(world.users["cadre"]).post(url, body, format="json").status_code == 403
    assert _api(world.users["neighbour_officer"]).post(url, body, format="json").status_code == 404
    assert _api(_other_township_officer(world)).post(url, body, format="json").status_code == 404
    r = _api(world.users["county_officer"]).post(url, body, format="json")
    assert r.status_code == 201 and r.json()["kind_label"] == "返贫"
    r = _api(world.users["county_officer"]).post(url, body, format="json")
    assert r.status_code == 409 and "不能记录“返贫”" in r.json()["detail"]


def test_the_api_takes_a_new_household_through_identification(world: World) -> None:
    township = _api(world.users["township_officer"])
    county = _api(world.users["county_officer"])
    r = township.post(
        "/api/registry/identifications/",
        {
            "household_no": "6211261000019999",
            "village": world.household.village.code,
            "reason": "新分户，因残致贫",
            "date": "2024-03-01",
        },
        format="json",
    )
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    url = f"/api/registry/identifications/{pk}/transition/"
    for to, date, extra in [
        ("verified", "2024-03-02", {}),
        ("inspected", "2024-03-03", {}),
        ("compared", "2024-03-04", {}),
        ("appraised", "2024-03-05", {"appraisal_result": "passed"}),
        ("noticed", "2024-03-13", {"notice_start": "2024-03-06", "notice_end": "2024-03-12"}),
    ]:
        r = township.post(url, {"to": to, "date": date, "opinion": "属实", **extra}, format="json")
        assert r.status_code == 200, r.content
    r = township.post(
        url, {"to": "approved", "date": "2024-03-14", "opinion": "同意"}, format="json"
    )
    assert r.status_code == 403
    r = county.post(url, {"to": "approved", "date": "2024-03-14", "opinion": "同意"}, format="json")
    assert r.status_code == 200 and r.json()["household_status"] == "poor"
    assert len(r.json()["steps"]) == 6
    other = _api(_other_township_officer(world))
    assert other.get(f"/api/registry/identifications/{pk}/").status_code == 404
    members = "/api/registry/households/6211261000019999/members/"
    r = township.post(
        members,
        {
            "name": "赵一",
            "id_number": _id("19700101", "017"),
            "relation": "head",
            "change": "moved_in",
        },
        format="json",
    )
    assert r.status_code == 201 and r.json()["id_number_masked"] == idnumber.mask(
        _id("19700101", "017")
    )
    person_url = f"{members}{r.json()['id']}/"
    r = township.patch(person_url, {"health": "disabled", "note": "残疾证"}, format="json")
    assert r.status_code == 200 and r.json()["health"] == "disabled"
    r = township.post(f"{person_url}remove/", {"change": "death", "note": "病故"}, format="json")
    assert r.status_code == 200 and r.json()["removed"] is False
    r = township.patch(
        "/api/registry/households/6211261000019999/",
        {"income_year": 2023, "income_wages": 1000, "note": "核实"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["income_total"] == 1000
    r = _api(world.users["cadre"]).patch(
        f"/api/registry/households/{world.household.household_no}/",
        {"food_ok": False, "note": "x"},
        format="json",
    )
    assert r.status_code == 403


def test_the_member_pages_ask_before_removing_and_the_case_list_shows_the_cases(
    world: World, settings: Any, tmp_path: Any
) -> None:
    settings.DATA_DIR = tmp_path
    h = world.household
    township = world.users["township_officer"]
    c = _client(township)
    head = h.head
    assert head is not None
    page = c.get(f"/households/{h.household_no}/members/{head.pk}/").content.decode()
    assert head.masked_id in page and head.id_number not in page
    confirm = c.get(f"/households/{h.household_no}/members/{head.pk}/remove/")
    assert confirm.status_code == 200 and "确认" in confirm.content.decode()
    r = c.post(
        f"/households/{h.household_no}/members/{head.pk}/remove/", {"change": "death", "note": ""}
    )
    assert r.status_code == 400 and "请勾选确认" in r.content.decode()
    head.refresh_from_db()
    assert not head.deceased
    identification_open(household=h, reason="因学致贫", user=township, date=dt.date(2024, 3, 1))
    listing = c.get("/identifications/").content.decode()
    assert h.household_no in listing and "已申请，待一核" in listing
    household_edit(
        household=h,
        changes={"food_ok": False},
        note="入户查看",
        user=township,
        file=SimpleUploadedFile("照片.jpg", b"jpeg-bytes"),
    )
    evidence = h.evidence.get()
    r = c.get(f"/households/{h.household_no}/evidence/{evidence.pk}/")
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"jpeg-bytes"
    other = _client(world.users["neighbour_officer"])
    assert other.get(f"/households/{h.household_no}/evidence/{evidence.pk}/").status_code == 404
