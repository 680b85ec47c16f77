"""The three ledgers: written by the household's cadre and the county/township office, audited,
shown on the household's page and printable as DOCX."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import docx
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.assistance.models import AssistanceMeasure, ExitPlan, VisitLog
from fupin.assistance.services import (
    AssistanceError,
    LedgerDenied,
    ledger_exit_plan_set,
    ledger_measure_add,
    ledger_visit_add,
    project_create,
)
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def _client(world: World, persona: str) -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def _url(name: str, world: World, household: str = "household") -> str:
    return reverse(f"assistance:{name}", args=[world.households[household].household_no])


def test_a_measure_is_audited_on_the_household(world: World) -> None:
    cadre = world.users["cadre"]
    m = ledger_measure_add(
        household=world.household,
        kind="industry",
        description="养殖肉牛 2 头",
        amount=Decimal("8000"),
        start_date=dt.date(2019, 4, 1),
        actor="cadre",
        user=cadre,
    )
    entry = AuditEntry.objects.get(model="AssistanceMeasure", object_key=str(m.pk))
    assert entry.action == "create" and entry.household == world.household
    assert entry.user == cadre and entry.after["amount"] == "8000.00"
    assert m.recorded_by == cadre


def test_a_visit_is_audited_and_names_who_visited(world: World) -> None:
    v = ledger_visit_add(
        household=world.household,
        date=dt.date(2019, 5, 2),
        content="宣讲政策，核实收入",
        actor="cadre",
        user=world.users["cadre"],
    )
    assert v.visitor == world.users["cadre"] and v.visitor_name == "cadre"
    entry = AuditEntry.objects.get(model="VisitLog", object_key=str(v.pk))
    assert entry.household == world.household and "走访 2019-05-02" in entry.note


def test_an_exit_plan_change_audits_only_what_changed(world: World) -> None:
    u = world.users["county_officer"]
    ledger_exit_plan_set(
        household=world.household,
        target_year=2019,
        targets="发展养殖",
        actor="county_officer",
        user=u,
    )
    ledger_exit_plan_set(
        household=world.household,
        target_year=2020,
        targets="发展养殖",
        actor="county_officer",
        user=u,
    )
    update = AuditEntry.objects.get(model="ExitPlan", action="update")
    assert update.before == {"target_year": 2019} and update.after == {"target_year": 2020}
    assert ExitPlan.objects.get(household=world.household).target_year == 2020


@pytest.mark.parametrize("persona", ["province_officer", "enumerator", "neighbour_officer"])
def test_only_the_cadre_and_the_county_and_township_offices_write_ledgers(
    world: World, persona: str
) -> None:
    with pytest.raises(LedgerDenied):
        ledger_visit_add(
            household=world.household,
            date=dt.date(2019, 5, 2),
            content="走访",
            actor=persona,
            user=world.users[persona],
        )


def test_another_cadre_cannot_write_a_households_ledgers(world: World) -> None:
    with pytest.raises(LedgerDenied):
        ledger_visit_add(
            household=world.other_household,
            date=dt.date(2019, 5, 2),
            content="走访",
            actor="cadre",
            user=world.users["cadre"],
        )


def test_a_visit_in_the_future_is_refused(world: World) -> None:
    with pytest.raises(AssistanceError, match="未来"):
        ledger_visit_add(
            household=world.household,
            date=timezone.localdate() + dt.timedelta(days=2),
            content="走访",
            actor="cadre",
            user=world.users["cadre"],
        )


def test_a_measure_cannot_name_a_project_of_another_region(world: World) -> None:
    far = project_create(
        name="城关村道路硬化",
        region=world.neighbour_household.village,
        kind="industry",
        year=2019,
        actor="t",
    )
    with pytest.raises(AssistanceError, match="不在该户所在区划"):
        ledger_measure_add(
            household=world.household,
            kind="industry",
            description="x",
            start_date=dt.date(2019, 1, 1),
            project=far,
            actor="t",
        )


# --- pages ---------------------------------------------------------------------------------------


def test_the_cadre_sees_their_households_ledgers_and_not_another_cadres(world: World) -> None:
    client = _client(world, "cadre")
    page = client.get(_url("household", world))
    assert page.status_code == 200 and "户户3本账" in page.content.decode()
    for name in ("household", "ledgers_docx"):
        assert client.get(_url(name, world, "other_household")).status_code == 404
        assert client.get(_url(name, world, "neighbour_household")).status_code == 404
    assert client.get(reverse("assistance:household", args=["6211269999999999"])).status_code == 404


def test_the_cadre_adds_a_measure_and_a_visit_through_the_forms(world: World) -> None:
    client = _client(world, "cadre")
    r = client.post(
        _url("measure_add", world),
        {
            "kind": "employment",
            "description": "介绍到县扶贫车间务工",
            "amount": "0",
            "start_date": "2019-03-01",
        },
    )
    assert r.status_code == 302
    r = client.post(_url("visit_add", world), {"date": "2019-03-05", "content": "入户回访"})
    assert r.status_code == 302
    r = client.post(_url("exit_plan", world), {"target_year": "2019", "targets": "务工增收"})
    assert r.status_code == 302
    page = client.get(_url("household", world)).content.decode()
    assert "介绍到县扶贫车间务工" in page and "入户回访" in page and "务工增收" in page
    assert (
        AuditEntry.objects.filter(
            household=world.household, model__in=["AssistanceMeasure", "VisitLog", "ExitPlan"]
        ).count()
        == 3
    )


def test_a_form_with_an_error_shows_the_page_again(world: World) -> None:
    r = _client(world, "cadre").post(_url("measure_add", world), {"kind": "nonsense"})
    assert r.status_code == 400 and "措施内容" in r.content.decode()
    assert not AssistanceMeasure.objects.exists()


def test_a_reader_without_the_right_to_write_is_refused_and_sees_no_forms(world: World) -> None:
    client = _client(world, "province_officer")
    page = client.get(_url("household", world)).content.decode()
    assert "新增走访记录" not in page
    r = client.post(_url("visit_add", world), {"date": "2019-03-05", "content": "x"})
    assert r.status_code == 403 and not VisitLog.objects.exists()


def test_the_township_office_writes_for_its_township_only(world: World) -> None:
    client = _client(world, "township_officer")
    ok = client.post(_url("visit_add", world), {"date": "2019-03-05", "content": "乡里走访"})
    assert ok.status_code == 302
    other = client.post(
        _url("visit_add", world, "other_household"), {"date": "2019-03-05", "content": "x"}
    )
    assert other.status_code == 404


def test_the_docx_opens_and_holds_the_head_and_the_measures(world: World) -> None:
    cadre = world.users["cadre"]
    ledger_exit_plan_set(
        household=world.household, target_year=2019, targets="养殖增收", actor="cadre", user=cadre
    )
    ledger_measure_add(
        household=world.household,
        kind="industry",
        description="养殖肉牛 2 头",
        amount=Decimal("8000"),
        start_date=dt.date(2019, 4, 1),
        actor="c",
        user=cadre,
    )
    ledger_visit_add(
        household=world.household,
        date=dt.date(2019, 5, 2),
        content="核实收入",
        actor="c",
        user=cadre,
    )
    r = _client(world, "cadre").get(_url("ledgers_docx", world))
    assert r.status_code == 200 and r["Content-Type"].endswith("wordprocessingml.document")
    doc = docx.Document(io.BytesIO(r.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "张三" in text and "养殖增收" in text
    assert "养殖肉牛 2 头" in cells and "产业扶持" in cells and "核实收入" in cells
    east_asian = {
        r._element.rPr.rFonts.get(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
        )
        for p in doc.paragraphs
        for r in p.runs
    }
    assert east_asian == {"宋体"}
