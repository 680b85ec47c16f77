"""The enumerator's field work and the follow-up through the REST API: the team's households and
the questionnaire as the phone gets them; the feedback list, the rectification and its acceptance;
the report and lists as files — each scoped and refused as the pages are."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from docx import Document
from openpyxl import load_workbook
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.migrations._questionnaire_v2 import SCHEMA_V2
from fupin.assessments.models import (
    Assignment,
    FeedbackItem,
    Problem,
    Questionnaire,
    Rectification,
    RectificationStep,
    TeamHousehold,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import confirmed_problem, decide, scoped
from fupin.assessments.workflows import CampaignStatus

pytestmark = pytest.mark.django_db

ASSIGNMENTS = "/api/field/assignments/"
QUESTIONNAIRE = "/api/field/questionnaire/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def w(world: World) -> World:
    """The verification world with the pages' scopes, the questionnaire, and a team assignment
    in force that gives each team one household: T01 (mentor, newcomer) the household of 张三,
    T02 (outsider) the other one."""
    scoped(world)
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    run = Assignment.objects.create(campaign=world.campaign, seed="2", actor="test")
    TeamHousehold.objects.create(assignment=run, team=world.team, household=world.household)
    TeamHousehold.objects.create(
        assignment=run, team=world.other_team, household=world.other_household
    )
    return world


# --- field work ----------------------------------------------------------------------------------


def test_an_enumerator_gets_exactly_the_team_households(w: World):
    response = api(w.enumerator_user).get(ASSIGNMENTS)
    assert response.status_code == 200, response.json()
    (campaign,) = response.json()
    assert campaign["id"] == w.campaign.pk and campaign["status_label"] == "实地调查"
    rows = campaign["households"]
    assert [h["household_no"] for h in rows] == [w.household.household_no]
    assert rows[0]["head"] == "张三"
    assert rows[0]["masked_id"].startswith("621126") and "*" in rows[0]["masked_id"]
    assert "621126198001010019" not in response.content.decode()
    assert w.other_household.household_no not in response.content.decode()
    other = api(w.outsider_user).get(ASSIGNMENTS).json()
    assert [h["household_no"] for h in other[0]["households"]] == [w.other_household.household_no]


def test_the_assignments_are_what_the_phone_gets(w: World):
    page = Client()
    page.force_login(w.newcomer_user)
    phone = page.get("/field/bootstrap.json").json()
    assert api(w.newcomer_user).get(ASSIGNMENTS).json() == phone["campaigns"]
    assert phone["campaigns"][0]["households"][0]["household_no"] == w.household.household_no


@pytest.mark.parametrize("who", ["county_officer", "working_group", "lead_expert"])
def test_someone_who_is_not_an_enumerator_is_refused(w: World, who: str):
    response = api(getattr(w, who)).get(ASSIGNMENTS)
    assert response.status_code == 403
    assert "只有调查员" in response.json()["detail"]


def test_an_anonymous_caller_is_refused(w: World):
    assert APIClient().get(ASSIGNMENTS).status_code == 401
    assert APIClient().get(QUESTIONNAIRE).status_code == 401


def test_nothing_is_assigned_once_the_campaign_leaves_the_field(w: World):
    type(w.campaign).objects.filter(pk=w.campaign.pk).update(status=CampaignStatus.DECIDED)
    assert api(w.enumerator_user).get(ASSIGNMENTS).json() == []


def test_the_questionnaire_is_the_one_the_phone_renders(w: World):
    response = api(w.enumerator_user).get(QUESTIONNAIRE)
    assert response.status_code == 200
    data = response.json()
    page = Client()
    page.force_login(w.enumerator_user)
    assert data == page.get("/field/bootstrap.json").json()["questionnaire"]
    assert data["version"] == SCHEMA_V2["version"]  # the newest
    older = api(w.enumerator_user).get(QUESTIONNAIRE, {"version": "1"}).json()
    assert older["version"] == SCHEMA_V1["version"] and older["sections"] == SCHEMA_V1["sections"]
    assert api(w.enumerator_user).get(QUESTIONNAIRE, {"version": "9"}).status_code == 404
    codes = [s["code"] for s in data["sections"]]
    assigned = api(w.enumerator_user).get(ASSIGNMENTS).json()[0]["households"][0]
    assert set(assigned["sections"]) <= set(codes)


# --- the follow-up ---------------------------------------------------------------------------------


@pytest.fixture
def problem(w: World) -> Problem:
    p = confirmed_problem(w)
    decide(w)
    return p


def feedback(w: World) -> str:
    return f"/api/campaigns/{w.campaign.pk}/feedback/"


def test_the_whole_follow_up_through_the_api(w: World, problem: Problem):
    wg, office, neighbour = api(w.working_group), api(w.county_officer), api(w.neighbour_officer)
    assert office.get(feedback(w)).json() == []
    # Making the list is the working group's.
    refused = office.post(feedback(w), {"province": "62"}, format="json")
    assert refused.status_code == 403 and "评估工作组" in refused.json()["detail"]
    bad = wg.post(feedback(w), {"province": "6"}, format="json")
    assert bad.status_code == 400 and "province" in bad.json()
    not_a_province = wg.post(feedback(w), {"province": "990000000000"}, format="json")
    assert not_a_province.status_code == 400 and "不是省" in not_a_province.json()["province"][0]
    built = wg.post(feedback(w), {"province": "62"}, format="json")
    assert built.status_code == 201, built.json()
    (item,) = built.json()
    assert item["problem"]["id"] == problem.pk and item["rectification"] is None
    assert FeedbackItem.objects.get(pk=item["id"]).problem == problem

    # The county office reads its own county's feedback; the neighbouring county's does not.
    (seen,) = office.get(feedback(w)).json()
    assert seen["county"] == {"code": w.county.code, "name": "岷县"}
    assert seen["problem"]["kind_label"] == "错退"
    assert neighbour.get(feedback(w)).status_code == 200
    assert neighbour.get(feedback(w)).json() == []

    # The working group orders the rectification.
    order = f"/api/campaigns/{w.campaign.pk}/feedback/{item['id']}/rectification/"
    plan = {"owner": "岷县扶贫办", "deadline": "2021-06-30"}
    assert office.post(order, plan, format="json").status_code == 403
    assert neighbour.post(order, plan, format="json").status_code == 404
    blank = wg.post(order, {"owner": "", "deadline": "2021-06-30"}, format="json")
    assert blank.status_code == 400 and "owner" in blank.json()
    assert wg.post(order, {"owner": "x", "deadline": "明天"}, format="json").status_code == 400
    ordered = wg.post(order, plan, format="json")
    assert ordered.status_code == 201, ordered.json()
    rect = ordered.json()["rectification"]
    assert rect["status_label"] == "待整改" and rect["deadline"] == "2021-06-30"
    again = wg.post(order, plan, format="json")
    assert again.status_code == 409 and "已下达" in again.json()["detail"]
    moved = wg.post(
        f"/api/campaigns/{w.campaign.pk}/transition/", {"to": "feedback"}, format="json"
    )
    assert moved.status_code == 200, moved.json()

    # The county officer submits the proof; the working group reopens, then accepts.
    act = f"/api/campaigns/{w.campaign.pk}/rectifications/{rect['id']}/transition/"
    (offered,) = office.get(feedback(w)).json()[0]["rectification"]["actions"]
    assert offered["action"] == "submit" and offered["proof"]
    empty = office.post(act, {"action": "submit", "proof_text": " "}, format="json")
    assert empty.status_code == 400 and "整改情况" in empty.json()["detail"]
    assert (
        neighbour.post(act, {"action": "submit", "proof_text": "x"}, format="json").status_code
        == 404
    )
    not_wgs = wg.post(act, {"action": "submit", "proof_text": "代为提交"}, format="json")
    assert not_wgs.status_code == 403 and "县级干部" in not_wgs.json()["detail"]
    early = wg.post(act, {"action": "accept", "opinion": "验收"}, format="json")
    assert early.status_code == 409 and "不能“验收通过”" in early.json()["detail"]
    unknown = office.post(act, {"action": "close"}, format="json")
    assert unknown.status_code == 400 and "action" in unknown.json()
    submitted = office.post(
        act, {"action": "submit", "proof_text": "已补录务工收入并复核"}, format="json"
    )
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status_label"] == "已提交整改"
    own = office.post(act, {"action": "accept", "opinion": "自己验收"}, format="json")
    assert own.status_code == 403 and "评估工作组" in own.json()["detail"]
    no_reason = wg.post(act, {"action": "reopen", "opinion": ""}, format="json")
    assert no_reason.status_code == 400 and "理由" in no_reason.json()["detail"]
    reopened = wg.post(act, {"action": "reopen", "opinion": "缺少收入台账复印件"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "reopened"
    resubmitted = office.post(
        act, {"action": "submit", "proof_text": "已补交收入台账复印件"}, format="json"
    )
    assert resubmitted.status_code == 200, resubmitted.json()
    accepted = wg.post(act, {"action": "accept", "opinion": "验收通过"}, format="json")
    assert accepted.status_code == 200, accepted.json()
    data = accepted.json()
    assert data["status"] == "accepted" and data["actions"] == []
    assert [s["action"] for s in data["steps"]] == ["submit", "reopen", "submit", "accept"]
    assert data["steps"][1]["opinion"] == "缺少收入台账复印件"
    stored = Rectification.objects.get(pk=rect["id"])
    assert stored.status == "accepted" and stored.proof_text == "已补交收入台账复印件"
    steps = RectificationStep.objects.filter(rectification=stored).order_by("at", "id")
    assert [s.user for s in steps] == [
        w.county_officer,
        w.working_group,
        w.county_officer,
        w.working_group,
    ]
    audited = AuditEntry.objects.filter(model="Rectification", object_key=str(stored.pk))
    assert audited.filter(user=w.working_group).exists()
    assert audited.filter(user=w.county_officer).exists()
    late = wg.post(act, {"action": "accept", "opinion": "再次验收"}, format="json")
    assert late.status_code == 409


def test_the_list_waits_for_the_results(w: World):
    early = api(w.working_group).post(feedback(w), {"province": "62"}, format="json")
    assert early.status_code == 409 and "出结果后" in early.json()["detail"]
    assert not FeedbackItem.objects.exists()


def test_a_refused_move_changes_nothing(w: World, problem: Problem):
    wg = api(w.working_group)
    (item,) = wg.post(feedback(w), {"province": "62"}, format="json").json()
    order = f"/api/campaigns/{w.campaign.pk}/feedback/{item['id']}/rectification/"
    rect = wg.post(order, {"owner": "岷县扶贫办", "deadline": "2021-06-30"}, format="json").json()
    act = f"/api/campaigns/{w.campaign.pk}/rectifications/{rect['rectification']['id']}/transition/"
    assert wg.post(act, {"action": "reopen", "opinion": "x"}, format="json").status_code == 409
    stored = Rectification.objects.get(pk=rect["rectification"]["id"])
    assert stored.status == "open" and not stored.steps.exists()


def test_the_feedback_of_an_unknown_or_unseen_campaign_is_not_found(w: World, problem: Problem):
    assert api(w.working_group).get("/api/campaigns/999999/feedback/").status_code == 404
    # An enumerator's campaigns are those in the field; a decided one is not theirs to see.
    assert api(w.enumerator_user).get(feedback(w)).status_code == 404


# --- the report and the lists ----------------------------------------------------------------------


def test_the_report_downloads_as_docx_for_the_working_group(w: World, problem: Problem):
    response = api(w.working_group).get(f"/api/campaigns/{w.campaign.pk}/report.docx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"{w.campaign.name}评估报告" in text and "终核认定 1 个" in text
    # A client that asks for the file's type gets it; a refusal is JSON all the same.
    docx = response["Content-Type"]
    asked = api(w.working_group).get(
        f"/api/campaigns/{w.campaign.pk}/report.docx", HTTP_ACCEPT=docx
    )
    assert asked.status_code == 200 and asked.content[:2] == b"PK"
    refused = api(w.county_officer).get(
        f"/api/campaigns/{w.campaign.pk}/report.docx", HTTP_ACCEPT=docx
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/json"
    assert "评估工作组" in refused.json()["detail"]


def test_the_lists_download_as_xlsx_without_formulas(w: World, problem: Problem):
    wg = api(w.working_group)
    for name in ("samples", "problems"):
        response = wg.get(f"/api/campaigns/{w.campaign.pk}/{name}.xlsx")
        assert response.status_code == 200, name
        book = load_workbook(io.BytesIO(response.content))
        cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert len([c for c in cells if c not in (None, "")]) > 3
        assert not any(isinstance(c, str) and c.startswith("=") for c in cells)
    problems = load_workbook(
        io.BytesIO(wg.get(f"/api/campaigns/{w.campaign.pk}/problems.xlsx").content)
    )
    assert w.household.household_no in {
        c.value for ws in problems.worksheets for row in ws.iter_rows() for c in row
    }


@pytest.mark.parametrize("path", ["report.docx", "samples.xlsx", "problems.xlsx"])
def test_the_files_are_the_working_groups_only(w: World, problem: Problem, path: str):
    office = api(w.county_officer).get(f"/api/campaigns/{w.campaign.pk}/{path}")
    assert office.status_code == 403
    assert "评估工作组" in office.json()["detail"]
    assert api(w.enumerator_user).get(f"/api/campaigns/{w.campaign.pk}/{path}").status_code == 404
