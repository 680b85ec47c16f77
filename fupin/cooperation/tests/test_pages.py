"""The cooperation pages: scoping, the dashboard, the ledger's review (refusals change nothing),
entry and self-assessment forms, and the XLSX import's problem list."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.contrib.auth import get_user_model
from openpyxl import Workbook

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.cooperation.models import AssessmentComment, LedgerEntry, LedgerReview, PairingLevel
from fupin.cooperation.services import (
    agreement_sign,
    grade_rules_load_default,
    ledger_entry_add,
    ledger_entry_transition,
    pairing_add,
)
from fupin.regions.models import Region

D = dt.date(2019, 5, 10)


def _region(code: str) -> Region:
    return Region.objects.get(code=code + "0" * (12 - len(code)))


@pytest.fixture
def others(coop):
    """西青区↔清水县 beside 津南区↔秦安县, and the offices of 甘谷县 and 西青区."""
    pairing = pairing_add(
        level=PairingLevel.DISTRICT,
        east=_region("120111"),
        west=_region("620521"),
        start_year=2016,
        parent=coop.top,
    )
    users = get_user_model().objects
    gangu = users.create_user("gangu", password="x")
    xiqing = users.create_user("xiqing", password="x")
    membership_grant(user=gangu, role=Role.COUNTY_OFFICE, region=_region("620523"))
    membership_grant(user=xiqing, role=Role.COUNTY_OFFICE, region=_region("120111"))
    return {"pairing": pairing, "gangu": gangu, "xiqing": xiqing}


def _entry(coop, amount="1000", user=None):
    return ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=D,
        indicator="E07",
        amount=amount,
        user=user or coop.east_user,
        county=coop.district.west,
        title="秦安县苹果冷库",
        evidence="拨款凭证",
    )


def test_anonymous_visitor_is_sent_to_login(client, coop):
    for url in (
        "/cooperation/",
        f"/cooperation/pairings/{coop.district.pk}/2019/",
        f"/cooperation/pairings/{coop.district.pk}/2019/ledger/",
    ):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r["Location"]


def test_a_gansu_county_office_sees_its_own_pairing_but_not_another_county(client, coop, others):
    client.force_login(coop.west_user)
    page = client.get("/cooperation/?year=2019").content.decode()
    assert "秦安县" in page and "清水县" not in page
    assert client.get(f"/cooperation/pairings/{coop.district.pk}/2019/").status_code == 200
    assert client.get(f"/cooperation/pairings/{others['pairing'].pk}/2019/").status_code == 404
    client.force_login(others["gangu"])
    assert client.get(f"/cooperation/pairings/{coop.district.pk}/2019/").status_code == 404


def test_an_eastern_district_office_sees_its_pairings_only(client, coop, others):
    client.force_login(others["xiqing"])
    page = client.get("/cooperation/?year=2019").content.decode()
    assert "清水县" in page and "秦安县" not in page
    assert client.get(f"/cooperation/pairings/{coop.district.pk}/2019/ledger/").status_code == 404
    assert (
        client.get(f"/cooperation/pairings/{others['pairing'].pk}/2019/ledger/").status_code == 200
    )


def test_own_side_confirm_is_refused_on_the_page_and_nothing_changes(client, coop):
    entry = _entry(coop)
    client.force_login(coop.east_user)
    r = client.post(f"/cooperation/entries/{entry.pk}/review/", {"action": "confirm"})
    assert r.status_code == 403
    assert "录入方不能确认自己录入的台账" in r.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending" and not LedgerReview.objects.exists()


def test_the_other_side_confirms_and_a_conflict_answers_409(client, coop):
    entry = _entry(coop)
    client.force_login(coop.west_user)
    page = client.get(f"/cooperation/pairings/{coop.district.pk}/2019/ledger/").content.decode()
    assert 'value="confirm"' in page and 'value="dispute"' in page
    r = client.post(f"/cooperation/entries/{entry.pk}/review/", {"action": "confirm"})
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.status == "confirmed"
    r = client.post(
        f"/cooperation/entries/{entry.pk}/review/", {"action": "dispute", "opinion": "多报"}
    )
    assert r.status_code == 409 and "不能提出异议" in r.content.decode()
    entry.refresh_from_db()
    assert entry.status == "confirmed"


def test_dispute_without_opinion_is_refused(client, coop):
    entry = _entry(coop)
    client.force_login(coop.west_user)
    r = client.post(f"/cooperation/entries/{entry.pk}/review/", {"action": "dispute"})
    assert r.status_code == 400 and "须填写意见" in r.content.decode()
    entry.refresh_from_db()
    assert entry.status == "pending"


def test_ledger_filters_by_status(client, coop):
    a, b = _entry(coop, "100"), _entry(coop, "200")
    ledger_entry_transition(entry=a, action="confirm", user=coop.west_user)
    client.force_login(coop.west_user)
    page = client.get(f"/cooperation/pairings/{coop.district.pk}/2019/ledger/?status=pending")
    html = page.content.decode()
    assert f'id="entry-{b.pk}"' in html and f'id="entry-{a.pk}"' not in html


def test_an_office_adds_a_ledger_entry_that_waits_for_the_other_side(client, coop):
    client.force_login(coop.east_user)
    r = client.post(
        f"/cooperation/pairings/{coop.district.pk}/2019/ledger/add/",
        {
            "date": "2019-06-01",
            "indicator": "E07",
            "amount": "250",
            "beneficiaries": "30",
            "county": coop.district.west.code,
            "title": "援建温室",
            "evidence": "合同",
        },
    )
    assert r.status_code == 302
    entry = LedgerEntry.objects.get()
    assert (entry.entered_by, entry.status, entry.title) == ("east", "pending", "援建温室")


def test_an_entry_in_the_wrong_year_is_refused_with_the_reason(client, coop):
    client.force_login(coop.east_user)
    r = client.post(
        f"/cooperation/pairings/{coop.district.pk}/2019/ledger/add/",
        {"date": "2018-06-01", "indicator": "E07", "amount": "250", "beneficiaries": "0"},
    )
    assert r.status_code == 400 and "不在 2019 年度内" in r.content.decode()
    assert not LedgerEntry.objects.exists()


def test_a_user_of_another_county_cannot_add_entries(client, coop, others):
    client.force_login(others["gangu"])
    r = client.post(
        f"/cooperation/pairings/{coop.district.pk}/2019/ledger/add/",
        {"date": "2019-06-01", "indicator": "E07", "amount": "250", "beneficiaries": "0"},
    )
    assert r.status_code == 404
    assert not LedgerEntry.objects.exists()


def test_dashboard_shows_completion_grade_rule_and_charts(client, coop):
    grade_rules_load_default()
    agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "1500", "W06": "1000"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    entry = _entry(coop, "600")
    ledger_entry_transition(entry=entry, action="confirm", user=coop.west_user)
    _entry(coop, "50")
    client.force_login(coop.tianjin_user)
    r = client.get(f"/cooperation/pairings/{coop.top.pk}/2019/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "等次" in html and "依据" in html and "部分完成" in html
    assert 'id="pending-count">1<' in html
    assert "vendor/echarts.min.js" in html and "fupin/cooperation.js" in html
    data = r.context["chart"]
    east = next(s for s in data["sides"] if s["side"] == "east")
    assert east["completion"] == [40.0]
    assert json.dumps(data)  # the page's json_script payload is plain JSON


def test_self_assessment_and_the_other_sides_comment(client, coop):
    client.force_login(coop.west_user)
    url = f"/cooperation/pairings/{coop.district.pk}/2019/self-assessment/"
    r = client.post(url, {"text": "完成全部任务", "claims": "W06=900", "claimed_grade": "好"})
    assert r.status_code == 302
    sa = coop.district.self_assessments.get()
    assert sa.side == "west" and sa.claims == {"W06": "900"}
    r = client.post(f"/cooperation/self-assessments/{sa.pk}/comment/", {"text": "同意"})
    assert r.status_code == 403 and "不能评价本方的自评" in r.content.decode()
    client.force_login(coop.east_user)
    r = client.post(
        f"/cooperation/self-assessments/{sa.pk}/comment/", {"text": "数据偏高", "agrees": ""}
    )
    assert r.status_code == 302
    c = AssessmentComment.objects.get()
    assert (c.side, c.agrees) == ("east", False)


def _xlsx(rows: list[list[object]]) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(
        [
            "东部代码",
            "西部代码",
            "年度",
            "日期",
            "指标代码",
            "数额",
            "受益贫困人口",
            "实施县代码",
            "事项",
            "佐证材料",
        ]
    )
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "ledger.xlsx"
    return out


def test_ledger_import_reports_every_bad_row_and_writes_nothing(client, coop, settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the ledger goes through the web upload (a dry run first)
    client.force_login(coop.east_user)
    upload = _xlsx(
        [
            ["120112", "620522", 2019, "2019-04-01", "E07", "100", 5, "620522", "冷库", ""],
            ["120112", "620522", 2019, "2019-04-02", "E99", "100", 0, "", "", ""],
            ["120112", "620522", 2019, "2019-04-03", "E07", "abc", 0, "", "", ""],
        ]
    )
    r = client.post("/cooperation/import/", {"kind": "ledger", "file": upload}, follow=True)
    html = r.content.decode()
    assert "指标不在指标目录中" in html and "不是数字" in html
    problems = r.context["upload"].report["problems"]
    assert {(p["table"], p["row"], p["column"]) for p in problems} == {
        ("台账", 3, "指标代码"),
        ("台账", 4, "数额"),
    }
    assert not LedgerEntry.objects.exists()


def test_ledger_import_writes_good_rows(client, coop, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client.force_login(coop.east_user)
    upload = _xlsx(
        [["120112", "620522", 2019, "2019-04-01", "E07", "100", 5, "620522", "冷库", ""]]
    )
    r = client.post("/cooperation/import/", {"kind": "ledger", "file": upload})
    assert r.status_code == 302 and "/imports/" in r["Location"]
    assert not LedgerEntry.objects.exists()  # the dry run wrote nothing
    r = client.post(r["Location"] + "confirm/", follow=True)
    assert "已新增台账条目 1 条" in r.content.decode()
    assert LedgerEntry.objects.get().status == "pending"


def test_pairing_import_needs_a_province_office(client, coop):
    client.force_login(coop.west_user)
    r = client.post("/cooperation/import/", {"kind": "pairings", "file": _xlsx([])})
    assert r.status_code == 403


def test_the_ledger_page_asks_for_the_users_offices_once_however_many_entries(
    client, coop, django_assert_max_num_queries
):
    url = f"/cooperation/pairings/{coop.district.pk}/2019/ledger/"
    _entry(coop, "100")
    client.force_login(coop.west_user)
    client.get(url)  # the session and caches warm
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for amount in range(101, 121):
        _entry(coop, str(amount))
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(re.findall(r'id="entry-[0-9]+"', page.content.decode())) == 21


def test_a_review_from_the_parent_ledger_returns_to_the_parent_ledger(client, coop):
    entry = _entry(coop)
    gansu = get_user_model().objects.create_user("gansu", password="x")
    membership_grant(user=gansu, role=Role.PROVINCE_OFFICE, region=_region("620000"))
    client.force_login(gansu)
    parent = f"/cooperation/pairings/{coop.top.pk}/2019/ledger/"
    page = client.get(parent).content.decode()
    assert f'name="next" value="{parent}"' in page  # the district's entry is listed on the parent's
    r = client.post(
        f"/cooperation/entries/{entry.pk}/review/", {"action": "confirm", "next": parent}
    )
    assert r.status_code == 302 and r["Location"] == parent
    entry.refresh_from_db()
    assert entry.status == "confirmed"


def test_a_review_never_redirects_to_another_site(client, coop):
    entry = _entry(coop)
    client.force_login(coop.west_user)
    r = client.post(
        f"/cooperation/entries/{entry.pk}/review/",
        {"action": "confirm", "next": "https://evil.example/"},
    )
    assert r.status_code == 302
    assert r["Location"] == f"/cooperation/pairings/{coop.district.pk}/2019/ledger/"


def test_the_pairings_page_opens_on_the_latest_year_with_ledger_entries(client, coop):
    _entry(coop)  # 2019, entered by 津南区; no agreement anywhere
    client.force_login(coop.west_user)
    page = client.get("/cooperation/").content.decode()
    assert f"/cooperation/pairings/{coop.district.pk}/2019/" in page


def test_the_parent_pairing_is_linked_only_for_users_who_may_open_it(client, coop):
    parent_link = f'href="/cooperation/pairings/{coop.top.pk}/2019/"'
    client.force_login(coop.west_user)  # 秦安县: its district pairing, not Tianjin↔Gansu
    assert client.get(f"/cooperation/pairings/{coop.top.pk}/2019/").status_code == 404
    page = client.get(f"/cooperation/pairings/{coop.district.pk}/2019/").content.decode()
    assert "上级结对" in page and parent_link not in page
    client.force_login(coop.tianjin_user)
    page = client.get(f"/cooperation/pairings/{coop.district.pk}/2019/").content.decode()
    assert parent_link in page
