"""The appraisal pages: the county office lists its region's pairings, opens an appraisal, judges,
concludes with confirmation, records a follow-up shown on the unit's page; others may not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from fupin.assistance import appraisal as ap
from fupin.assistance.models import AppraisalStatus, HelpAppraisal, HelpFollowUp
from fupin.assistance.tests.test_appraisal import YEAR, Help, help_  # noqa: F401  (fixture)
from fupin.testing.worlds import COUNTY

pytestmark = pytest.mark.django_db


def _client(h: Help, persona: str) -> Client:
    c = Client()
    c.force_login(h.world.users[persona])
    return c


def _open(c: Client, h: Help) -> HelpAppraisal:
    r = c.post(
        "/assistance/appraisals/new/",
        {"side": "helper", "village": h.idle.village.code, "unit": h.idle.unit.pk, "year": YEAR},
    )
    assert r.status_code == 302, r.content.decode()[:500]
    return HelpAppraisal.objects.get(unit=h.idle.unit, year=YEAR)


def test_the_county_office_walks_an_appraisal_to_a_follow_up(help_: Help) -> None:  # noqa: F811
    c = _client(help_, "county_officer")
    assert "/assistance/appraisals/" in c.get("/assistance/").content.decode()
    assert (
        f"/assistance/appraisals/regions/{COUNTY}/"
        in c.get("/assistance/appraisals/").content.decode()
    )
    page = c.get(f"/assistance/appraisals/regions/{COUNTY}/?year={YEAR}").content.decode()
    assert "甲单位" in page and "乙单位" in page and "考核帮扶单位" in page
    a = _open(c, help_)
    page = c.get(f"/assistance/appraisals/{a.pk}/").content.decode()
    assert "入户走访" in page and "无走访记录的户：1" in page and "不合格" in page
    assert "True" not in page and "helper" not in page.split("<main>")[1]

    # concluding before the judgements names the missing ones; without the box it asks to confirm
    r = c.post(f"/assistance/appraisals/{a.pk}/conclude/", {"opinion": "", "confirm": "1"})
    assert r.status_code == 400 and "尚未评定" in r.content.decode()
    for code in ("leadership", "party_building"):
        r = c.post(
            f"/assistance/appraisals/{a.pk}/items/{code}/",
            {f"{code}-result": "pass", f"{code}-reason": "查阅会议记录"},
        )
        assert r.status_code == 302
    r = c.post(f"/assistance/appraisals/{a.pk}/conclude/", {"opinion": "走访不到位"})
    assert r.status_code == 400 and "请勾选" in r.content.decode()
    assert (
        c.post(
            f"/assistance/appraisals/{a.pk}/conclude/", {"opinion": "走访不到位", "confirm": "1"}
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert (a.status, a.passed) == (AppraisalStatus.CONCLUDED, False)

    r = c.post(
        f"/assistance/appraisals/{a.pk}/follow-ups/",
        {"kind": "talk", "date": "2019-01-05", "target": ""},
    )
    assert r.status_code == 400 and "对象（单位或负责人）" in r.content.decode()
    r = c.post(
        f"/assistance/appraisals/{a.pk}/follow-ups/",
        {"kind": "talk", "date": "2019-01-05", "target": "乙单位主要负责人", "note": "约谈"},
    )
    assert r.status_code == 302
    unit_page = c.get(f"/assistance/appraisals/units/{help_.idle.unit.pk}/").content.decode()
    assert "单兵教练约谈" in unit_page and "乙单位主要负责人" in unit_page
    managed = c.get(
        f"/assistance/units/{help_.idle.unit.pk}/"
    ).content.decode()  # the unit's own page
    assert "双到考核与问责" in managed and "乙单位主要负责人" in managed

    # voiding asks for confirmation and keeps the record
    r = c.post(f"/assistance/appraisals/{a.pk}/void/", {"reason": "重新考核"})
    assert r.status_code == 400
    assert (
        c.post(
            f"/assistance/appraisals/{a.pk}/void/", {"reason": "重新考核", "confirm": "1"}
        ).status_code
        == 302
    )
    a.refresh_from_db()
    assert a.status == AppraisalStatus.VOIDED and HelpFollowUp.objects.count() == 1


def test_another_countys_office_and_a_cadre_may_not(help_: Help) -> None:  # noqa: F811
    a = ap.appraisal_create(
        side="helper",
        village=help_.idle.village,
        year=YEAR,
        unit=help_.idle.unit,
        user=help_.officer,
    )
    for persona in ("neighbour_officer", "cadre"):
        c = _client(help_, persona)
        assert c.get(f"/assistance/appraisals/{a.pk}/").status_code == 404
        assert c.get(f"/assistance/appraisals/regions/{COUNTY}/").status_code == 404
        r = c.post(f"/assistance/appraisals/{a.pk}/void/", {"reason": "x", "confirm": "1"})
        assert r.status_code == 404
    # the township office is itself on the helped side: it does not assess
    c = _client(help_, "township_officer")
    r = c.post(
        "/assistance/appraisals/new/",
        {"side": "helped", "village": help_.world.household.village.code, "year": YEAR},
    )
    assert r.status_code == 403
    a.refresh_from_db()
    assert a.status == AppraisalStatus.OPEN


def test_the_settlement_page_is_for_the_city_and_province(help_: Help) -> None:  # noqa: F811
    from fupin.assistance.tests.test_appraisal import _conclude_round

    _conclude_round(help_, help_.good)
    county = _client(help_, "county_officer")
    assert (
        county.post(
            "/assistance/appraisals/settlements/new/", {"pairing": help_.good.pk}
        ).status_code
        == 403
    )
    c = _client(help_, "province_officer")
    r = c.post("/assistance/appraisals/settlements/new/", {"pairing": help_.good.pk})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "贫困村按期退出" in page and "2016 年度帮扶方（帮扶单位）考核" in page
    s = help_.good.settlements.get()
    assert (
        c.post(f"/assistance/appraisals/settlements/{s.pk}/conclude/", {"confirm": "1"}).status_code
        == 302
    )
    s.refresh_from_db()
    assert s.passed is False
    r = c.post(
        f"/assistance/appraisals/settlements/{s.pk}/follow-ups/",
        {"kind": "notice", "date": dt.date(2019, 3, 1).isoformat(), "target": "甲单位"},
    )
    assert r.status_code == 302 and s.follow_ups.count() == 1
