"""A whole campaign through the REST API (issue #14, "Done means"): on a fresh database with a
small synthetic registry, each person with their own login and token plays their step — the
working group creates, moves, draws, registers an institution and its roster, assigns, and gives
the verification roles (an assigned expert the lead expert, another expert the expert group); the
evaluators set their own passwords in place of the roster's one-time ones; the enumerators survey
and raise problems and take the initial check (初核); the lead expert reviews (复核), the
explanation window passes, the expert group judges (专家组核) and the working group confirms
(终核); the working group computes and decides, and the confirmed problem counts when the figures
are computed again; then the follow-up:
the working group makes the feedback list and orders the rectification, the county office submits
its proof, the working group sends it back once and then accepts it; the report downloads as DOCX.

Only the registry (set-up data) and the first two logins (a working-group member and the county
office, which also holds the county-officer role of its county for the rectification — a role
the county office grants on /people/ or by POST /api/people/{username}/roles/) are made here
directly; everything else goes through the REST API."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from docx import Document
from openpyxl import Workbook
from rest_framework.test import APIClient

from fupin import synth
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.models import CountyDecision, CountyResult, Problem
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.demo.loading import registry_load_synth
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties

pytestmark = pytest.mark.django_db

# A one-pixel PNG: the photo attached to the second problem (evidence for 终核).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)

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


def own_password(username: str, one_time: str) -> str:
    """The person's first login: a one-time password lets them do nothing but set their own."""
    first = token_client(username, one_time)
    held = first.get("/api/campaigns/")
    assert held.status_code == 403 and "一次性密码" in held.json()["detail"]
    own = f"{username}-own-2020!"
    changed = first.post(
        "/api/people/me/password/",
        {"old_password": one_time, "new_password": own},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    return own


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
    Membership.objects.create(user=office_user, role=Role.COUNTY_OFFICER, region=county)
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
        ("赵专家", "专家", "是", "zhao_expert"),
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
    one_time = {c["username"]: c["password"] for c in imported.json()["created"]}
    assert set(one_time) == {p[3] for p in people}
    passwords = {u: own_password(u, p) for u, p in one_time.items()}
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
    assert len(row["experts"]) == 2
    teams = row["teams"]
    assert len(teams) == 2
    assert sorted(no for t in teams for no in t["households"]) == sorted(sampled)
    assert row["experts"][0]["experienced"]

    # --- the verification roles of the campaign (五核), given by the working group ------------------
    roles = f"/api/campaigns/{cid}/roles/"
    expert_user = {e["name"]: e["username"] for e in listed.values() if e["kind"] == "expert"}
    lead_user = expert_user[row["experts"][0]["name"]]
    group_user = next(
        u for n, u in expert_user.items() if n not in {e["name"] for e in row["experts"]}
    )
    assert wg.get(roles).json() == []
    granted = AuditEntry.objects.filter(user=wg_user, model="Membership")
    audited_before = granted.count()
    not_wg = office.post(roles, {"username": lead_user, "role": "lead_expert"}, format="json")
    assert not_wg.status_code in (403, 404)
    unassigned = wg.post(roles, {"username": group_user, "role": "lead_expert"}, format="json")
    assert unassigned.status_code == 409 and "未分派" in unassigned.json()["detail"]
    gave_lead = wg.post(roles, {"username": lead_user, "role": "lead_expert"}, format="json")
    assert gave_lead.status_code == 201, gave_lead.json()
    both = wg.post(roles, {"username": lead_user, "role": "expert_group"}, format="json")
    assert both.status_code == 409 and "复核以外" in both.json()["detail"]
    gave_group = wg.post(roles, {"username": group_user, "role": "expert_group"}, format="json")
    assert gave_group.status_code == 201, gave_group.json()
    held_roles = {(h["username"], h["role_label"]) for h in gave_group.json()}
    assert held_roles == {(lead_user, "带队专家"), (group_user, "专家组成员")}
    assert [c["code"] for h in gave_group.json() for c in h["counties"]] == [county.code]
    assert granted.count() == audited_before + 2  # each grant audited as the working group's

    # --- fieldwork: each enumerator with their own token fetches the team's households and the
    # questionnaire (what the phone's offline list holds) -----------------------------------------
    assert wg.post(move, {"to": "fieldwork"}, format="json").json()["status"] == "fieldwork"
    by_name = {e["name"]: e["username"] for e in listed.values()}
    team_a, team_b = teams
    user_a = by_name[team_a["experienced_member"]["name"]]
    user_a2 = by_name[team_a["new_member"]["name"]]
    user_b = by_name[team_b["experienced_member"]["name"]]
    enum = {u: token_client(u, passwords[u]) for u in (user_a, user_a2, user_b)}
    questionnaire = enum[user_a].get("/api/field/questionnaire/").json()
    sections = questionnaire["sections"]
    (field_campaign,) = enum[user_a].get("/api/field/assignments/").json()
    assert field_campaign["id"] == cid
    rows_a = {h["household_no"]: h for h in field_campaign["households"]}
    assert sorted(rows_a) == sorted(team_a["households"])  # only the own team's households
    (field_b,) = enum[user_b].get("/api/field/assignments/").json()
    rows_b = {h["household_no"]: h for h in field_b["households"]}
    assert sorted(rows_b) == sorted(team_b["households"])
    assert wg.get("/api/field/assignments/").status_code == 403  # not an enumerator

    finished = timezone.now() - dt.timedelta(minutes=5)

    def submit(api: APIClient, household: dict[str, Any]) -> Any:
        return api.post(
            "/api/submissions/",
            {
                "campaign": cid,
                "client_id": str(uuid.uuid4()),
                "household_no": household["household_no"],
                "questionnaire_version": questionnaire["version"],
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

    # --- verification; the results are refused while households are unsurveyed and the problem
    # is open --------------------------------------------------------------------------------------
    # The enumerator now sees the campaign, but moving it is the working group's.
    not_enum = enum[user_a].post(move, {"to": "verification"}, format="json")
    assert not_enum.status_code == 403 and "评估工作组" in not_enum.json()["detail"]
    unknown = wg.post(move, {"to": "done"}, format="json")
    assert unknown.status_code == 400 and "to" in unknown.json()
    back = wg.post(move, {"to": "sampling"}, format="json")
    assert back.status_code == 409 and "实地调查" in back.json()["detail"]
    assert wg.post(move, {"to": "verification"}, format="json").json()["status_label"] == "问题核实"
    results = f"/api/campaigns/{cid}/results/"
    assert office.post(results, {}, format="json").status_code in (403, 404)
    early_results = wg.post(results, {}, format="json")
    assert early_results.status_code == 409, early_results.json()
    (pending,) = early_results.json()["counties"]
    unsurveyed = {h["household_no"] for h in pending["unsurveyed"]}
    assert unsurveyed == {h["household_no"] for h in rest_a + rest_b}
    assert [p["number"] for p in pending["open_problems"]] == [problem_id]
    assert not CountyResult.objects.exists()

    # The devices that were offline upload the questionnaires finished during fieldwork.
    for h in rest_a:
        assert submit(enum[user_a2], h).status_code == 201
    for h in rest_b:
        assert submit(enum[user_b], h).status_code == 201

    # --- the initial check is the team's ------------------------------------------------------------
    step = f"/api/problems/{problem_id}/transition/"
    not_theirs = enum[user_b].post(
        step, {"action": "initial_dismiss", "opinion": "不成立"}, format="json"
    )
    assert not_theirs.status_code in (403, 404)
    # Enumerators raise and never conclude: the team that raised it does not dismiss it; it
    # upholds the suspicion and the lead expert dismisses it at 复核.
    own_team = enum[user_a2].post(
        step, {"action": "initial_dismiss", "opinion": "核实收入台账，疑点不成立"}, format="json"
    )
    assert own_team.status_code == 403 and "不下结论" in own_team.json()["detail"]
    upheld = enum[user_a2].post(
        step, {"action": "initial_check", "opinion": "入户复问，请带队专家复核"}, format="json"
    )
    assert upheld.status_code == 200, upheld.json()
    checked_away = token_client(lead_user, passwords[lead_user]).post(
        step, {"action": "review_dismiss", "opinion": "核实收入台账，疑点不成立"}, format="json"
    )
    assert checked_away.status_code == 200, checked_away.json()
    assert checked_away.json()["problem"]["status"] == "rejected"

    # --- the results: computed by the working group, then its decision -----------------------------
    computed = wg.post(results, {}, format="json")
    assert computed.status_code == 201, computed.json()
    figures = computed.json()
    assert len(figures) == 4 and {f["county"] for f in figures} == {county.code}
    assert all(f["ci_low"] <= f["value"] <= f["ci_high"] for f in figures)
    decisions = f"/api/campaigns/{cid}/decisions/"
    assert enum[user_a].post(
        decisions, {"county": county.code, "outcome": "pass", "note": "x"}, format="json"
    ).status_code in (403, 404)
    decided = wg.post(
        decisions,
        {"county": county.code[:6], "outcome": "pass", "note": "四项指标均达标，综合研判通过"},
        format="json",
    )
    assert decided.status_code == 201, decided.json()
    assert decided.json()["outcome"] == "pass"
    assert wg.get(decisions).json()[0]["county"] == county.code

    # --- a second problem, played through the five steps by their own roles ------------------------
    second = enum[user_b].post(
        "/api/problems/",
        {
            "client_id": str(uuid.uuid4()),
            "campaign": cid,
            "household_no": first_b["household_no"],
            "kind": "recognition",
            "description": "户主对帮扶措施不认可，称未见到产业扶持资金",
            "files": [SimpleUploadedFile("talk.png", PNG, content_type="image/png")],
        },
        format="multipart",
    )
    assert second.status_code == 201, second.json()
    second_id = second.json()["id"]
    step2 = f"/api/problems/{second_id}/transition/"
    initial = enum[user_b].post(
        step2, {"action": "initial_check", "opinion": "入户复问，疑点成立"}, format="json"
    )
    assert initial.status_code == 200, initial.json()
    assert initial.json()["problem"]["status"] == "pending_review"
    # After the team's initial check nothing is an enumerator's: not the review, not a conclusion.
    review = enum[user_b].post(step2, {"action": "review", "opinion": "x"}, format="json")
    assert review.status_code == 403 and "带队专家" in review.json()["detail"]
    final = wg.post(step2, {"action": "final_confirm", "opinion": "x"}, format="json")
    assert final.status_code == 409, final.json()
    assert Problem.objects.get(pk=second_id).status == "pending_review"
    lead = token_client(lead_user, passwords[lead_user])
    group = token_client(group_user, passwords[group_user])
    reviewed = lead.post(
        step2, {"action": "review", "opinion": "复核资金拨付台账，疑点成立"}, format="json"
    )
    assert reviewed.status_code == 200, reviewed.json()
    assert reviewed.json()["problem"]["status"] == "explaining"
    # The window for the county's explanation (explain_window_hours 0) has closed; no explanation
    # came, so the sides do not disagree and the problem goes to the expert group.
    no_conclusion = enum[user_b].post(
        step2, {"action": "review_conclude", "opinion": "x", "disputed": False}, format="json"
    )
    assert no_conclusion.status_code == 403
    concluded = lead.post(
        step2,
        {"action": "review_conclude", "opinion": "地方未作说明，维持复核意见", "disputed": False},
        format="json",
    )
    assert concluded.status_code == 200, concluded.json()
    assert concluded.json()["problem"]["status"] == "pending_expert"
    # 专家组核 is by an expert other than the one who reviewed.
    own_review = lead.post(step2, {"action": "expert_judge", "opinion": "x"}, format="json")
    assert own_review.status_code == 403 and "专家组" in own_review.json()["detail"]
    judged = group.post(
        step2, {"action": "expert_judge", "opinion": "证据充分，认定问题成立"}, format="json"
    )
    assert judged.status_code == 200, judged.json()
    assert judged.json()["problem"]["status"] == "pending_final"
    # 凡疑必核: the campaign cannot leave verification while it is open.
    held = wg.post(move, {"to": "decided"}, format="json")
    assert held.status_code == 409 and "未核实办结" in held.json()["detail"]
    not_final = group.post(step2, {"action": "final_confirm", "opinion": "x"}, format="json")
    assert not_final.status_code == 403
    confirmed = wg.post(
        step2, {"action": "final_confirm", "opinion": "工作组终核认定"}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["problem"]["status"] == "confirmed"
    # The figures computed again count the confirmed problem.
    before = CountyResult.objects.filter(campaign_id=cid, county=county).order_by("-id").first()
    assert before is not None and second_id not in before.inputs["problems"]
    recomputed = wg.post(results, {}, format="json")
    assert recomputed.status_code == 201, recomputed.json()
    after = CountyResult.objects.filter(campaign_id=cid, county=county).order_by("-id").first()
    assert after is not None and second_id in after.inputs["problems"]

    # --- the report (DOCX) -------------------------------------------------------------------------
    report = wg.get(f"/api/campaigns/{cid}/report.docx")
    assert report.status_code == 200
    assert report["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    paragraphs = [p.text for p in Document(io.BytesIO(report.content)).paragraphs]
    assert f"{county.name}退出专项评估检查评估报告" in paragraphs
    assert enum[user_a].get(f"/api/campaigns/{cid}/report.docx").status_code == 403

    # --- what is stored ------------------------------------------------------------------------------
    stored_rows = CountyResult.objects.filter(campaign_id=cid, county=county)
    assert stored_rows.count() == 8  # four figures, computed twice; each computation kept
    decision = CountyDecision.objects.get(campaign_id=cid, county=county)
    assert decision.outcome == "pass" and decision.decided_by == wg_user
    # Every move audited with who made it: the creation and the three moves made by the API.
    moves = AuditEntry.objects.filter(user=wg_user, model="Campaign", object_key=str(cid))
    assert moves.filter(action=AuditEntry.Action.CREATE).count() == 1
    assert moves.filter(action=AuditEntry.Action.EVENT).count() == 3
    # The county office sees the campaign only once results are out (not during verification).
    assert office.get(results).status_code == 404
    # An enumerator's token sees the own team's households only.
    own = enum[user_a].get("/api/households/", {"page_size": 100})
    assert own.status_code == 200
    body = own.json()
    seen = {h["household_no"] for h in (body["results"] if isinstance(body, dict) else body)}
    assert seen == set(team_a["households"])
    hidden = enum[user_a].get(f"/api/households/{first_b['household_no']}/")
    assert hidden.status_code == 404
    listed_problems = enum[user_a].get("/api/problems/", {"campaign": cid}).json()
    numbers = {
        p["id"]
        for p in (
            listed_problems.get("results", listed_problems)
            if isinstance(listed_problems, dict)
            else listed_problems
        )
    }
    assert numbers == {problem_id}

    # --- the follow-up: feedback list, rectification with proof, reopened once, accepted -----------
    assert wg.post(move, {"to": "decided"}, format="json").json()["status_label"] == "已出结果"
    feedback = f"/api/campaigns/{cid}/feedback/"
    assert office.post(feedback, {"province": county.code[:2]}, format="json").status_code == 403
    built = wg.post(feedback, {"province": county.code[:2]}, format="json")
    assert built.status_code == 201, built.json()
    (item,) = built.json()  # only the problem confirmed at 终核, not the one dismissed
    assert item["problem"]["id"] == second_id and item["rectification"] is None
    order = f"/api/campaigns/{cid}/feedback/{item['id']}/rectification/"
    plan = {"owner": f"{county.name}扶贫办", "deadline": "2021-06-30"}
    ordered = wg.post(order, plan, format="json")
    assert ordered.status_code == 201, ordered.json()
    rect_id = ordered.json()["rectification"]["id"]
    assert wg.post(move, {"to": "feedback"}, format="json").json()["status_label"] == "反馈整改"
    # The county office, now that results are out, receives its county's list.
    (received,) = office.get(feedback).json()
    assert received["county"]["code"] == county.code
    assert [a["action"] for a in received["rectification"]["actions"]] == ["submit"]
    act = f"/api/campaigns/{cid}/rectifications/{rect_id}/transition/"
    proof = {"action": "submit", "proof_text": "已落实产业扶持资金，附拨付凭证"}
    assert office.post(act, proof, format="json").status_code == 200
    assert office.post(act, {"action": "accept"}, format="json").status_code == 403
    reopened = wg.post(act, {"action": "reopen", "opinion": "缺少农户签收记录"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status_label"] == "退回重新整改"
    again = {"action": "submit", "proof_text": "补交农户签收记录"}
    assert office.post(act, again, format="json").status_code == 200
    accepted = wg.post(act, {"action": "accept", "opinion": "整改到位"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status_label"] == "整改验收通过"
    assert len(accepted.json()["steps"]) == 4
    (closed_item,) = office.get(feedback).json()
    assert closed_item["rectification"]["status"] == "accepted"
