"""The cooperation API: scoped like the pages, writes through the services, refusals answered with
the error's status and Chinese message."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from fupin.cooperation.models import LedgerEntry, LedgerReview
from fupin.cooperation.services import (
    agreement_sign,
    grade_rules_load_default,
    ledger_entry_add,
    ledger_entry_transition,
)

D = dt.date(2019, 5, 10)


@pytest.fixture
def api():
    return APIClient()


def _entry(coop, amount="1000", year=2019):
    return ledger_entry_add(
        pairing=coop.district,
        year=year,
        date=D.replace(year=year),
        indicator="E07",
        amount=amount,
        user=coop.east_user,
        county=coop.district.west,
    )


def _entry_body(coop):
    """A valid new ledger entry of the district pairing, as the API takes it."""
    return {
        "pairing": coop.district.pk,
        "year": 2019,
        "date": "2019-06-01",
        "indicator": "E07",
        "amount": "300",
        "county": coop.district.west.code,
        "title": "冷库",
    }


def test_anonymous_gets_401(api, coop):
    assert api.get("/api/cooperation/pairings/").status_code == 401
    assert api.get("/api/cooperation/ledger-entries/").status_code == 401


@pytest.mark.parametrize(("field", "bad"), [("indicator", "E\x0007"), ("county", "62\x07")])
def test_a_control_character_in_a_code_is_refused_before_the_lookup(api, coop, field, bad):
    """Issue #18 item 5: a code naming a row (an indicator, a county) is looked up before any
    validator runs; a NUL byte there was a server error on PostgreSQL (found by schemathesis)."""
    api.force_authenticate(coop.east_user)
    r = api.post(
        "/api/cooperation/ledger-entries/", {**_entry_body(coop), field: bad}, format="json"
    )
    assert r.status_code == 400, r.content
    (message,) = r.json()[field]
    assert f"“{field}”" in message and ("NUL" in message or "控制字符" in message)
    assert not LedgerEntry.objects.exists()


def test_pairings_are_scoped(api, coop):
    api.force_authenticate(coop.east_user)
    ids = {p["id"] for p in api.get("/api/cooperation/pairings/").json()["results"]}
    assert ids == {coop.district.pk}
    assert api.get(f"/api/cooperation/pairings/{coop.top.pk}/").status_code == 404
    api.force_authenticate(coop.tianjin_user)
    ids = {p["id"] for p in api.get("/api/cooperation/pairings/").json()["results"]}
    assert ids == {coop.top.pk, coop.district.pk}


def test_create_an_entry_and_own_side_confirm_is_refused(api, coop):
    api.force_authenticate(coop.east_user)
    r = api.post("/api/cooperation/ledger-entries/", _entry_body(coop), format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["entered_by"], body["status"]) == ("east", "pending")
    r = api.post(
        f"/api/cooperation/ledger-entries/{body['id']}/review/",
        {"action": "confirm"},
        format="json",
    )
    assert r.status_code == 403 and "录入方不能确认" in r.json()["detail"]
    assert LedgerEntry.objects.get().status == "pending" and not LedgerReview.objects.exists()
    api.force_authenticate(coop.west_user)
    r = api.post(
        f"/api/cooperation/ledger-entries/{body['id']}/review/",
        {"action": "confirm"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    r = api.post(
        f"/api/cooperation/ledger-entries/{body['id']}/review/",
        {"action": "confirm"},
        format="json",
    )
    assert r.status_code == 409


def test_a_bad_entry_answers_400_with_the_reason(api, coop):
    api.force_authenticate(coop.east_user)
    r = api.post(
        "/api/cooperation/ledger-entries/",
        {
            "pairing": coop.district.pk,
            "year": 2019,
            "date": "2018-06-01",
            "indicator": "E07",
            "amount": "300",
        },
        format="json",
    )
    assert r.status_code == 400 and "不在 2019 年度内" in r.json()["detail"]
    # A pairing out of scope is not a choice at all.
    r = api.post(
        "/api/cooperation/ledger-entries/",
        {
            "pairing": coop.top.pk,
            "year": 2019,
            "date": "2019-06-01",
            "indicator": "E07",
            "amount": "300",
        },
        format="json",
    )
    assert r.status_code == 400 and "pairing" in r.json()
    assert not LedgerEntry.objects.exists()


def test_ledger_list_filters_and_scope(api, coop):
    a, b = _entry(coop, "100"), _entry(coop, "200")
    ledger_entry_transition(entry=a, action="confirm", user=coop.west_user)
    api.force_authenticate(coop.west_user)
    rows = api.get("/api/cooperation/ledger-entries/", {"status": "pending"}).json()["results"]
    assert [r["id"] for r in rows] == [b.pk]
    assert api.get("/api/cooperation/ledger-entries/", {"year": "x"}).status_code == 400


def test_agreement_reconciliation_grades_and_multiples(api, coop):
    grade_rules_load_default()
    agreement = agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "1500"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    for year, amount in ((2018, "500"), (2019, "1500")):
        e = _entry(coop, amount, year)
        ledger_entry_transition(entry=e, action="confirm", user=coop.west_user)
    api.force_authenticate(coop.tianjin_user)
    rows = api.get("/api/cooperation/agreements/", {"year": 2019}).json()["results"]
    assert [r["id"] for r in rows] == [agreement.pk]
    recon = api.get(f"/api/cooperation/agreements/{agreement.pk}/reconciliation/").json()
    line = recon["lines"][0]
    assert (line["code"], line["value"], line["completion"]) == ("E07", "1500.00", "done")
    grades = api.get(f"/api/cooperation/agreements/{agreement.pk}/grades/").json()
    assert grades[0]["side"] == "east" and grades[0]["grade_label"]
    multiples = api.get(
        f"/api/cooperation/pairings/{coop.top.pk}/multiples/", {"year": 2019}
    ).json()
    assert [(m["code"], m["multiple"]) for m in multiples] == [("E07", "3.0")]
    # The 津南区 office does not see the province agreement.
    api.force_authenticate(coop.east_user)
    assert api.get(f"/api/cooperation/agreements/{agreement.pk}/").status_code == 404
