"""A whole campaign through the REST API (issue #14, "Done means"): on a fresh database with a
small synthetic registry, each person with their own login and token plays their step — the
working group creates, moves, draws, registers an institution and its roster, assigns; the
enumerators (logins from the roster's one-time passwords) survey and raise a problem; the five
verification steps are taken by the right roles; the working group computes and decides; the
report downloads.

Only the registry (set-up data) and the first two logins (a working-group member and the county
office) are made here directly. Two steps have no REST endpoint yet and go through the page the
person uses (see the comments marked PAGE): granting the lead-expert and expert-group roles
(/people/<id>/roles/grant/) and the enumerator's household list and questionnaire (the field
app's /field/bootstrap.json); the report is a page download (/assessments/<id>/report.docx).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook
from rest_framework.test import APIClient

from fupin import synth
from fupin.accounts.models import Membership, Role
from fupin.assessments.models import CountyDecision, CountyResult, Problem
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.demo.loading import registry_load_synth
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties

pytestmark = pytest.mark.django_db

SAMPLING = {
    "county_rate": 1.0,
    "villages_per_county": 2,
    "households_per_stratum": {"exited": 2, "poor": 1, "non_registered": 2},
}


def token_client(username: str, password: str) -> APIClient:
    """An API client holding the person's own token, got with their password."""
    got = APIClient().post(
        "/api/token/", {"username": username, "password": password}, format="json"
    )
    assert got.status_code == 200, got.content
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token " + got.json()["token"])
    return api


def roster_xlsx(rows: list[dict[str, str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(ROSTER_COLUMNS))
    for row in rows:
        ws.append([row.get(c, "") for c in ROSTER_COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def answer(q: dict[str, Any]) -> Any:
    """The simulated person's answer to one question: plausible, of the question's type."""
    kind = q["type"]
    if kind == "int":
        return 3 if q["code"] == "size" else 0
    if kind == "number":
        return 6000.0
    if kind == "bool":
        return True
    if kind == "choice":
        return q["choices"][0]["code"]
    return "入户核实，情况属实"


def answers_for(household: dict[str, Any], sections: list[dict[str, Any]]) -> dict[str, Any]:
    """Every question of the sections that apply to the household (as the field app lists them)."""
    return {
        q["code"]: answer(q)
        for s in sections
        if s["code"] in household["sections"]
        for q in s["questions"]
    }


def session_client(username: str, password: str) -> Client:
    page = Client()
    assert page.login(username=username, password=password)
    return page


def test_a_whole_campaign_through_the_api(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    # --- set-up: the registry and the first two logins -----------------------------------------
    regions_load_poverty_counties(provinces={"甘肃省"})
    batches = list(synth.generate(synth.preset("demo", seed=5)))
    registry_load_synth(batches=batches[:1], truth=tmp_path / "truth")
    county = Region.objects.get(code=batches[0].county.code + "000000")
    wg_user = User.objects.create_user(username="wg", password="wg-pass-2020!")
    Membership.objects.create(user=wg_user, role=Role.WORKING_GROUP)
    office_user = User.objects.create_user(username="office", password="office-pass-2020!")
    Membership.objects.create(user=office_user, role=Role.COUNTY_OFFICE, region=county)
    wg = token_client("wg", "wg-pass-2020!")
    office = token_client("office", "office-pass-2020!")

    # --- the working group creates the campaign and moves it to sampling -----------------------
    made = wg.post(
        "/api/campaigns/",
        {
            "kind": "county_exit_assessment",
            "year": 2020,
            "name": f"{county.name}退出专项评估检查",
            "scope": [county.code[:6]],
            "sampling": SAMPLING,
            "explain_window_hours": 0,
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    campaign = made.json()
    cid = campaign["id"]
    assert campaign["status"] == "draft" and campaign["scope"] == [county.code]
    move = f"/api/campaigns/{cid}/transition/"
    # A draft is the working group's own: the county office does not see it yet.
    assert office.post(move, {"to": "sampling"}, format="json").status_code == 404
    early = wg.post(move, {"to": "fieldwork"}, format="json")
    assert early.status_code == 409 and "草拟" in early.json()["detail"]
    moved = wg.post(move, {"to": "sampling"}, format="json")
    assert moved.status_code == 200 and moved.json()["status_label"] == "抽样"

    # --- draws -----------------------------------------------------------------------------------
    draws = f"/api/campaigns/{cid}/draws/"
    # Rate 1: every county of the scope is assessed; there is no county draw to make.
    counties = wg.post(draws, {"level": "county", "seed": 1}, format="json")
    assert counties.status_code == 409 and "不抽县" in counties.json()["detail"]
    assert office.post(draws, {"level": "county"}, format="json").status_code in (403, 404)
    drawn = wg.post(
        draws, {"level": "village_household", "county": county.code[:6], "seed": 7}, format="json"
    )
    assert drawn.status_code == 201, drawn.json()
    village_draw, household_draw = drawn.json()
    assert village_draw["level"] == "village" and village_draw["items"]
    villages = {i["unit"] for i in village_draw["items"]}
    assert household_draw["level"] == "household" and household_draw["county"] == county.code
    sampled = [i["unit"] for i in household_draw["items"]]
    assert len(sampled) >= 6
    assert {no[:12] for no in sampled} <= villages  # every household in a drawn village
    assert len(wg.get(draws, {"county": county.code[:6]}).json()) == 2

    # --- an institution and its roster; the logins come back with one-time passwords -------------
    refused = office.post("/api/institutions/", {"name": "x", "province": "湖北"}, format="json")
    assert refused.status_code == 403
    inst = wg.post(
        "/api/institutions/", {"name": "华中科技大学", "province": "湖北省"}, format="json"
    )
    assert inst.status_code == 201, inst.json()
    inst_id = inst.json()["id"]
    people = [
        ("王专家", "专家", "是", "wang_expert"),
        ("李专家", "专家", "否", "li_expert"),
        ("赵专家", "专家", "是", "zhao_group"),
        ("调查员甲", "调查员", "是", "enum_a"),
        ("调查员乙", "调查员", "否", "enum_b"),
        ("调查员丙", "调查员", "是", "enum_c"),
        ("调查员丁", "调查员", "否", "enum_d"),
    ]
    rows = [
        {
            "姓名": name,
            "类别": kind,
            "单位省份": "湖北省",
            "有评估经验": experienced,
            "通过考试": "是",
            "用户名": username,
        }
        for name, kind, experienced, username in people
    ]
    evaluators = f"/api/campaigns/{cid}/evaluators/"
    upload = roster_xlsx(rows)
    checked = wg.post(
        evaluators,
        {"institution": inst_id, "file": io.BytesIO(upload), "dry_run": "true"},
        format="multipart",
    )
    assert checked.status_code == 200, checked.json()
    assert checked.json()["created"] == [] and len(checked.json()["people"]) == len(people)
    assert not User.objects.filter(username="enum_a").exists()
    imported = wg.post(
        evaluators, {"institution": inst_id, "file": io.BytesIO(upload)}, format="multipart"
    )
    assert imported.status_code == 201, imported.json()
    passwords = {c["username"]: c["password"] for c in imported.json()["created"]}
    assert set(passwords) == {p[3] for p in people}
    listed = {e["username"]: e for e in wg.get(evaluators).json()}
    assert listed["enum_a"]["kind"] == "enumerator" and listed["wang_expert"]["exam_passed"]

    # --- the assignment ----------------------------------------------------------------------------
    assignments = f"/api/campaigns/{cid}/assignments/"
    # Before the assignment an enumerator does not even see the campaign.
    enum_a = token_client("enum_a", passwords["enum_a"])
    assert enum_a.post(assignments, {"seed": 1}, format="json").status_code == 404
    assert office.post(assignments, {"seed": 1}, format="json").status_code in (403, 404)
    ran = wg.post(assignments, {"seed": 5}, format="json")
    assert ran.status_code == 201, ran.json()
    (row,) = ran.json()["counties"]
    assert row["code"] == county.code and row["institution"]["id"] == inst_id
    assert "赵专家" not in {e["name"] for e in row["experts"]}
    assert len(row["experts"]) == 2
    teams = row["teams"]
    assert len(teams) == 2
    assert sorted(no for t in teams for no in t["households"]) == sorted(sampled)
    assert row["experts"][0]["experienced"]

    # --- fieldwork: each enumerator with their own token; households and questionnaire from the
    # field app (PAGE: /field/bootstrap.json, the phone's offline list — no REST endpoint) ------
    assert wg.post(move, {"to": "fieldwork"}, format="json").json()["status"] == "fieldwork"
    by_name = {e["name"]: e["username"] for e in listed.values()}
    team_a, team_b = teams
    user_a = by_name[team_a["experienced_member"]["name"]]
    user_a2 = by_name[team_a["new_member"]["name"]]
    user_b = by_name[team_b["experienced_member"]["name"]]
    enum = {u: token_client(u, passwords[u]) for u in (user_a, user_a2, user_b)}
    boot = session_client(user_a, passwords[user_a]).get("/field/bootstrap.json").json()
    sections = boot["questionnaire"]["sections"]
    (field_campaign,) = boot["campaigns"]
    assert field_campaign["id"] == cid
    rows_a = {h["household_no"]: h for h in field_campaign["households"]}
    assert sorted(rows_a) == sorted(team_a["households"])  # only the own team's households
    boot_b = session_client(user_b, passwords[user_b]).get("/field/bootstrap.json").json()
    rows_b = {h["household_no"]: h for h in boot_b["campaigns"][0]["households"]}
    assert sorted(rows_b) == sorted(team_b["households"])

    finished = timezone.now() - dt.timedelta(minutes=5)

    def submit(api: APIClient, household: dict[str, Any]) -> Any:
        return api.post(
            "/api/submissions/",
            {
                "campaign": cid,
                "client_id": str(uuid.uuid4()),
                "household_no": household["household_no"],
                "questionnaire_version": boot["questionnaire"]["version"],
                "answers": answers_for(household, sections),
                "started_at": (finished - dt.timedelta(minutes=40)).isoformat(),
                "finished_at": finished.isoformat(),
            },
            format="json",
        )

    # Another team's household: refused, as if it did not exist.
    other = next(iter(rows_b.values()))
    refused_other = submit(enum[user_a], other)
    assert refused_other.status_code == 403 and "调查小组" in refused_other.json()["detail"]
    assert wg.post("/api/submissions/", {}, format="json").status_code == 403  # not an enumerator
    first_a, *rest_a = rows_a.values()
    stored = submit(enum[user_a], first_a)
    assert stored.status_code == 201, stored.json()
    first_b, *rest_b = rows_b.values()
    assert submit(enum[user_b], first_b).status_code == 201

    # --- a problem, raised by the enumerator who surveyed the household -------------------------
    raised = enum[user_a].post(
        "/api/problems/",
        {
            "client_id": str(uuid.uuid4()),
            "campaign": cid,
            "household_no": first_a["household_no"],
            "kind": "wrong_exit",
            "description": "家中无劳动力，人均纯收入低于标准，疑似错退",
        },
        format="json",
    )
    assert raised.status_code == 201, raised.json()
    problem_id = raised.json()["id"]
    assert raised.json()["status_label"] == "待初核"

    # The results are refused while households are unsurveyed and the problem is open.
    results = f"/api/campaigns/{cid}/results/"
    assert office.post(results, {}, format="json").status_code in (403, 404)
    early_results = wg.post(results, {}, format="json")
    assert early_results.status_code == 409, early_results.json()
    (pending,) = early_results.json()["counties"]
    unsurveyed = {h["household_no"] for h in pending["unsurveyed"]}
    assert unsurveyed == {h["household_no"] for h in rest_a + rest_b}
    assert [p["number"] for p in pending["open_problems"]] == [problem_id]
    assert not CountyResult.objects.exists()

    for h in rest_a:
        assert submit(enum[user_a2], h).status_code == 201
    for h in rest_b:
        assert submit(enum[user_b], h).status_code == 201

    # --- verification: the initial check is the team's; nothing after it is an enumerator's ----
    assert wg.post(move, {"to": "verification"}, format="json").json()["status_label"] == "问题核实"
    step = f"/api/problems/{problem_id}/transition/"
    not_theirs = enum[user_b].post(
        step, {"action": "initial_dismiss", "opinion": "不成立"}, format="json"
    )
    assert not_theirs.status_code in (403, 404)
    checked_away = enum[user_a2].post(
        step, {"action": "initial_dismiss", "opinion": "核实收入台账，疑点不成立"}, format="json"
    )
    assert checked_away.status_code == 200, checked_away.json()
    assert checked_away.json()["problem"]["status"] == "rejected"
    print(checked_away.json())
