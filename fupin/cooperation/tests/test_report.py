"""The DOCX report of a pair's year opens in python-docx, names the pair, has the indicator table,
and its Chinese runs carry an East Asian font."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document
from docx.oxml.ns import qn

from fupin.cooperation.models import Pairing
from fupin.cooperation.services import (
    agreement_sign,
    grade_rules_load_default,
    innovation_add,
    ledger_entry_add,
    ledger_entry_transition,
)
from fupin.demo.cooperation import cooperation_load_synthetic


def _year(coop):
    grade_rules_load_default()
    agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "1500", "W06": "1000"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    e = ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=dt.date(2019, 5, 1),
        indicator="E07",
        amount="600",
        user=coop.east_user,
        county=coop.district.west,
        title="冷库",
    )
    ledger_entry_transition(entry=e, action="confirm", user=coop.west_user)
    d = ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=dt.date(2019, 6, 1),
        indicator="W06",
        amount="900",
        user=coop.west_user,
        title="到位资金",
    )
    ledger_entry_transition(entry=d, action="dispute", user=coop.east_user, opinion="凭证不全")
    innovation_add(
        pairing=coop.top, year=2019, kind="disabled", title="残疾人扶贫车间", user=coop.tianjin_user
    )


def test_the_report_opens_and_holds_the_indicator_table(client, coop):
    _year(coop)
    client.force_login(coop.tianjin_user)
    r = client.get(f"/cooperation/pairings/{coop.top.pk}/2019/report.docx")
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    doc = Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "天津市" in text and "甘肃省" in text and "2019" in text
    assert "东部“财政援助资金" in text  # the cross-check
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    assert any("残疾人扶贫车间" in row for t in tables for row in t)
    indicator = next(t for t in tables if t[0][:2] == ["指标", "名称"])
    e07 = next(row for row in indicator if row[0] == "E07")
    assert e07[3] == "1500.00" and e07[4] == "600.00" and e07[6] == "部分完成"
    grades = next(t for t in tables if t[0][0] == "考核对象")
    assert len(grades) == 3  # header, east, west
    disputes = next(t for t in tables if t[0][-1] == "异议意见")
    assert disputes[1][-1] == "凭证不全"
    run = doc.paragraphs[0].runs[0]
    assert run._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"


def test_the_report_is_scoped(client, coop):
    client.force_login(coop.east_user)  # 津南区 does not see the province pairing
    assert client.get(f"/cooperation/pairings/{coop.top.pk}/2019/report.docx").status_code == 404
    r = client.get(f"/cooperation/pairings/{coop.district.pk}/2019/report.docx")
    assert r.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(r.content)).paragraphs)
    assert "津南区" in text and "秦安县" in text and "尚无已签订的协作协议" in text


@pytest.mark.django_db
def test_the_synthetic_year_renders_as_dashboard_ledger_and_report(client, admin_user):
    cooperation_load_synthetic(year=2019, seed=2016)
    tianjin = Pairing.objects.get(east__code="120000000000")
    client.force_login(admin_user)
    assert client.get("/cooperation/?year=2019").status_code == 200
    r = client.get(f"/cooperation/pairings/{tianjin.pk}/2019/")
    assert r.status_code == 200 and "✗" in r.content.decode()  # a cross-check that fails
    assert client.get(f"/cooperation/pairings/{tianjin.pk}/2019/ledger/").status_code == 200
    r = client.get(f"/cooperation/pairings/{tianjin.pk}/2019/report.docx")
    doc = Document(io.BytesIO(r.content))
    assert sum(len(t.rows) for t in doc.tables) > 39
