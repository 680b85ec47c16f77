"""A province office records its relative standard (shares of a reference income it enters), changes
it as a new version and withdraws a wrong one; the county office reads it; the household identified
under it is judged by it on its page (issue #15 item 4: services, pages and API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.regions.models import Region
from fupin.registry.models import RelativeStandard, RelativeStandardError
from fupin.registry.services import RegistryDenied, RegistryError
from fupin.registry.standards import (
    own_standard,
    registry_standards,
    relative_standard_change,
    relative_standard_record,
    relative_standard_withdraw,
)
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

GANSU = "620000000000"
# Test figures, entered as an office would: not Gansu's published income.
DATA: dict[str, Any] = {
    "name": "甘肃省相对贫困标准（测试）",
    "household_share": 0.30,
    "village_share": 0.60,
    "reference_year": 2015,
    "reference_yuan": 7000,
    "reference_source": "测试用统计公报",
    "first_year": 2016,
    "last_year": 2020,
    "requires_labour_ability": False,
    "requires_poor_village": False,
}


def _provincial(world: World) -> Any:
    h = world.household
    h.standard, h.identified_year, h.income_year = "provincial", 2016, 2016
    h.save(update_fields=["standard", "identified_year", "income_year"])
    return h


def _record(world: World, **change: Any) -> RelativeStandard:
    return relative_standard_record(
        province=Region.objects.get(code=GANSU),
        data={**DATA, **change},
        reason="省扶贫办文件",
        user=world.users["province_officer"],
    )


def test_the_province_office_records_a_standard_and_the_household_is_judged_by_it(
    world: World,
) -> None:
    h = _provincial(world)
    assert own_standard(h).standard is None  # no Gansu standard yet: not judged by the national
    v = _record(world)
    assert (v.code, v.version) == ("62-1", 1)
    own = own_standard(h)
    assert own.standard is not None and own.standard.code == "62-1"
    assert "30%，即 2100 元" in own.line_text and "测试用统计公报" in own.line_text
    assert own.identification is not None and own.identification.poor  # 2000 < 2100
    row = AuditEntry.objects.get(model="RelativeStandard", action=AuditEntry.Action.CREATE)
    assert row.after["贫困户收入线"] == "30% × 7000 元 = 2100 元"
    assert row.after["重点帮扶村收入线"] == "60% × 7000 元 = 4200 元"
    assert row.note == "省扶贫办文件"


def test_a_change_is_a_new_version_and_a_withdrawal_restores_the_one_before(world: World) -> None:
    h = _provincial(world)
    v1 = _record(world)
    officer = world.users["province_officer"]
    v2 = relative_standard_change(
        current=v1, data={**DATA, "household_share": 0.25}, reason="修订", user=officer
    )
    assert v2.version == 2 and v2.code == v1.code
    v1.refresh_from_db()
    assert v1.household_share == 0.30  # kept as it was
    assert not own_standard(h).identification.poor  # type: ignore[union-attr]  # 2000 ≥ 1750
    with pytest.raises(RegistryError, match="只能撤回现行版本"):
        relative_standard_withdraw(version=v1, reason="x", user=officer)
    relative_standard_withdraw(version=v2, reason="比例录错", user=officer)
    v2.refresh_from_db()
    assert v2.withdrawn and v2.withdrawn_reason == "比例录错"
    assert own_standard(h).identification.poor  # type: ignore[union-attr]  # v1 again: 2100
    row = AuditEntry.objects.filter(model="RelativeStandard").order_by("-id").first()
    assert row is not None and row.after == {"状态": "已撤回，恢复第 1 版"}
    with pytest.raises(RelativeStandardError):
        v1.reference_yuan = 1
        v1.save()


def test_a_county_office_may_not_record_and_bad_input_is_named_in_chinese(world: World) -> None:
    gansu = Region.objects.get(code=GANSU)
    with pytest.raises(RegistryDenied, match="甘肃省扶贫办"):
        relative_standard_record(
            province=gansu, data=DATA, reason="x", user=world.users["county_officer"]
        )
    refusals = {
        "household_share": (1.5, "贫困户收入占比"),
        "reference_yuan": (0, "全省农民人均纯收入"),
        "reference_source": (" ", "收入来源"),
        "last_year": (2010, "截止年度"),
        "first_year": (2010, "起始年度：2010 年早于参照年度"),
    }
    for field, (value, message) in refusals.items():
        with pytest.raises(RegistryError, match=message):
            _record(world, **{field: value})
    _record(world)
    with pytest.raises(RegistryError, match="适用年度：与现行的"):
        _record(world, first_year=2019, last_year=None)
    assert RelativeStandard.objects.count() == 1
    assert [s.code for s in registry_standards()][-1] == "62-1"


def _client(user: AbstractBaseUser) -> Client:
    c = Client()
    c.force_login(user)
    return c


FORM = {
    "province": "",
    "name": "甘肃省相对贫困标准（测试）",
    "household_percent": "30",
    "village_percent": "",
    "reference_year": "2015",
    "reference_yuan": "7000",
    "reference_source": "测试用统计公报",
    "first_year": "2016",
    "last_year": "2020",
    "reason": "省扶贫办文件",
}


def test_the_pages_let_the_province_office_record_change_and_withdraw(world: World) -> None:
    gansu = Region.objects.get(code=GANSU)
    c = _client(world.users["province_officer"])
    assert 'id="new-standard"' in c.get("/standards/").content.decode()
    bad = c.post("/standards/new/", {**FORM, "province": gansu.pk, "reference_source": " "})
    assert bad.status_code == 400 and "收入来源" in bad.content.decode()
    r = c.post("/standards/new/", {**FORM, "province": gansu.pk})
    assert r.status_code == 302 and r["Location"] == "/standards/62-1/"
    page = c.get("/standards/62-1/").content.decode()
    assert "30% × 7000 元 = 2100 元" in page and "第 1 版" in page
    r = c.post("/standards/62-1/change/", {**FORM, "household_percent": "25", "reason": "修订"})
    assert r.status_code == 302
    assert "25% × 7000 元 = 1750 元" in c.get("/standards/62-1/").content.decode()
    assert c.get("/standards/62-1/withdraw/").status_code == 200  # asks first
    unconfirmed = c.post("/standards/62-1/withdraw/", {"reason": "录错"})
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.content.decode()
    assert (
        c.post("/standards/62-1/withdraw/", {"reason": "录错", "confirm": "on"}).status_code == 302
    )
    page = c.get("/standards/62-1/").content.decode()
    assert "已撤回" in page and "30% × 7000 元 = 2100 元" in page


def test_a_county_office_reads_but_may_not_edit_and_a_neighbour_province_sees_nothing(
    world: World,
) -> None:
    _record(world)
    county = _client(world.users["county_officer"])
    listing = county.get("/standards/").content.decode()
    assert "甘肃省相对贫困标准（测试）" in listing and 'id="new-standard"' not in listing
    assert 'id="change-standard"' not in county.get("/standards/62-1/").content.decode()
    assert county.get("/standards/new/").status_code == 403
    assert county.post("/standards/62-1/change/", FORM).status_code == 403
    assert (
        county.post("/standards/62-1/withdraw/", {"reason": "x", "confirm": "on"}).status_code
        == 403
    )
    assert RelativeStandard.objects.filter(withdrawn_at__isnull=False).count() == 0
    assert _client(world.users["nobody"]).get("/standards/62-1/").status_code == 404


def test_the_household_page_names_its_own_standard_with_the_computed_line(world: World) -> None:
    h = _provincial(world)
    _record(world)
    page = _client(world.users["county_officer"]).get(f"/households/{h.household_no}/")
    text = page.content.decode()
    assert "甘肃省相对贫困标准（测试）" in text and "即 2100 元" in text
    assert 'id="standards-link"' in text


def _api(user: AbstractBaseUser) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_records_changes_and_withdraws_for_the_province_only(world: World) -> None:
    body = {**DATA, "province": GANSU, "reason": "省扶贫办文件"}
    county = _api(world.users["county_officer"])
    r = county.post("/api/registry/standards/", body, format="json")
    assert r.status_code == 403 and "甘肃省扶贫办" in r.json()["detail"]
    province = _api(world.users["province_officer"])
    r = province.post("/api/registry/standards/", body, format="json")
    assert r.status_code == 201, r.json()
    assert (r.json()["household_line"], r.json()["village_line"]) == (2100.0, 4200.0)
    listed = county.get("/api/registry/standards/").json()
    assert [s["code"] for s in listed] == ["62-1"]
    r = province.post(
        "/api/registry/standards/62-1/versions/",
        {**DATA, "household_share": 0.25, "reason": "修订"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    assert county.post("/api/registry/standards/62-1/withdraw/", {"reason": "x"}).status_code == 403
    r = province.post("/api/registry/standards/62-1/withdraw/", {"reason": "录错"}, format="json")
    assert r.status_code == 200 and r.json()["withdrawn"] is True
    versions = county.get("/api/registry/standards/62-1/").json()
    assert [(v["version"], v["withdrawn"]) for v in versions] == [(2, True), (1, False)]
    neighbour = _api(world.users["neighbour_officer"]).get("/api/registry/standards/").json()
    assert [(s["code"], s["version"]) for s in neighbour] == [("62-1", 1)]  # 宕昌县 is in Gansu
    assert _api(world.users["cadre"]).get("/api/registry/standards/62-1/").status_code == 404
