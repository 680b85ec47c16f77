"""The satisfaction survey of county, township and village cadres, 人大代表 and 县政协委员 for a
county's exit (干部群众满意度): entered by the county's team members and lead expert on the page
and through the API, refused to anyone else and outside county-exit campaigns; 不满意 needs its
reason; a mistake is withdrawn by a recorded step; the 综合研判 shows the shares per category."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.assessments.api.cadre_survey import ShareSerializer
from fupin.assessments.api.judgement import DossierSerializer
from fupin.assessments.models import CadreResponse, CadreResponseWithdrawal
from fupin.assessments.services import AssessmentError, campaign_create
from fupin.assessments.services.cadre_survey import (
    cadre_response_record,
    cadre_response_withdraw,
)
from fupin.assessments.services.judgement import county_dossier
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import cadre_answers, scoped

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _scoped(world: World) -> None:
    scoped(world)  # the role rows the pages' scoping reads


def page_url(world: World) -> str:
    return f"/assessments/{world.campaign.pk}/cadre-survey/{world.county.code}/"


def api_url(world: World) -> str:
    return f"/api/campaigns/{world.campaign.pk}/cadre-survey/{world.county.code}/"


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def api(user) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


def shares(world: World) -> dict[str, tuple[int, int]]:
    return {
        c.category: (c.satisfied, c.responses)
        for c in county_dossier(world.campaign, world.county).cadres
    }


def test_an_enumerator_of_the_county_enters_responses_on_the_page(world: World):
    c = client(world.enumerator_user)
    page = c.get(page_url(world))
    assert page.status_code == 200
    text = page.content.decode()
    for label in ("县级干部", "乡镇干部", "村干部", "人大代表", "县政协委员"):
        assert label in text
    response = c.post(page_url(world), {"category": "npc_deputy", "answer": "satisfied"})
    assert response.status_code == 302
    # 不满意 without its reason: refused, named, nothing written
    refused = c.post(page_url(world), {"category": "village_cadre", "answer": "not_satisfied"})
    assert refused.status_code == 400
    assert "“满意程度”选择“不满意”，须填写“不满意的原因”" in refused.content.decode()
    assert CadreResponse.objects.count() == 1
    c.post(
        page_url(world),
        {"category": "village_cadre", "answer": "not_satisfied", "reason": "后续帮扶计划不具体"},
    )
    row = CadreResponse.objects.get(category="npc_deputy")
    assert row.user == world.enumerator_user
    assert AuditEntry.objects.filter(
        object_key=str(row.pk), action="create", user=world.enumerator_user
    ).exists()
    assert shares(world)["npc_deputy"] == (1, 1)
    assert shares(world)["village_cadre"] == (0, 1)
    listed = c.get(page_url(world)).content.decode()
    assert "后续帮扶计划不具体" in listed and "人大代表" in listed


def test_others_may_neither_read_nor_enter(world: World):
    # a department of the campaign sees the campaign but not this survey
    c = client(world.department)
    assert c.get(page_url(world)).status_code == 403
    posted = c.post(page_url(world), {"category": "npc_deputy", "answer": "satisfied"})
    assert posted.status_code == 403
    a = api(world.department)
    assert a.get(api_url(world)).status_code == 403
    response = a.post(
        api_url(world), {"category": "npc_deputy", "answer": "satisfied"}, format="json"
    )
    assert response.status_code == 403
    assert "只有分派到该县的调查员" in response.json()["detail"]
    # the county's own office does not see the campaign in the field at all
    assert client(world.county_officer).get(page_url(world)).status_code == 404
    assert api(world.county_officer).get(api_url(world)).status_code == 404
    assert not CadreResponse.objects.exists()


def test_the_lead_expert_enters_through_the_api_and_another_team_may_not(world: World):
    a = api(world.lead_expert)
    created = a.post(
        api_url(world), {"category": "cppcc_member", "answer": "basically"}, format="json"
    )
    assert created.status_code == 201
    assert created.json()["category_label"] == "县政协委员"
    assert created.json()["answer_label"] == "基本满意"
    missing = a.post(
        api_url(world), {"category": "county_cadre", "answer": "not_satisfied"}, format="json"
    )
    assert missing.status_code == 400
    assert "不满意的原因" in missing.json()["detail"]
    data = a.get(api_url(world)).json()
    by = {s["category"]: s for s in data["shares"]}
    assert by["cppcc_member"]["share"] == 1.0 and by["county_cadre"]["share"] is None
    # the other team has no household here: the campaign is not even visible to it
    outsider = api(world.outsider_user).post(
        api_url(world), {"category": "cppcc_member", "answer": "satisfied"}, format="json"
    )
    assert outsider.status_code == 404
    # the working group reads
    assert api(world.working_group).get(api_url(world)).status_code == 200
    assert CadreResponse.objects.count() == 1


def test_a_mistaken_response_is_withdrawn_with_its_reason_and_no_longer_counts(world: World):
    response = cadre_response_record(
        campaign=world.campaign,
        county=world.county,
        user=world.enumerator_user,
        category="township_cadre",
        answer="unclear",
    )
    c = client(world.enumerator_user)
    url = f"{page_url(world)}{response.pk}/withdraw/"
    confirm = c.get(url)
    assert confirm.status_code == 200 and "确定撤回这份答卷吗" in confirm.content.decode()
    assert c.post(url, {"reason": ""}).status_code == 400
    assert c.post(url, {"reason": "类别录错，应为村干部"}).status_code == 302
    withdrawal = CadreResponseWithdrawal.objects.get(response=response)
    assert withdrawal.reason == "类别录错，应为村干部"
    assert shares(world)["township_cadre"] == (0, 0)
    with pytest.raises(AssessmentError, match="已撤回"):
        cadre_response_withdraw(response=response, user=world.enumerator_user, reason="再撤")
    api_row = api(world.working_group).get(api_url(world)).json()["responses"][0]
    assert api_row["withdrawn"]["reason"] == "类别录错，应为村干部"


def test_only_county_exit_assessments_and_central_spot_checks_have_the_survey(world: World):
    provincial = campaign_create(
        kind="provincial_performance",
        year=2020,
        name="省级成效考核",
        scope=[world.county],
        actor="test",
    )
    provincial.status = world.campaign.status
    with pytest.raises(AssessmentError, match="只用于贫困县退出专项评估检查和中央抽查"):
        cadre_response_record(
            campaign=provincial,
            county=world.county,
            user=world.lead_expert,
            category="county_cadre",
            answer="satisfied",
        )
    assert county_dossier(provincial, world.county).cadres == []


def test_the_judgement_page_shows_the_shares_beside_recognition(world: World):
    cadre_response_record(
        campaign=world.campaign,
        county=world.county,
        user=world.enumerator_user,
        category="county_cadre",
        answer="satisfied",
    )
    page = client(world.working_group).get(
        f"/assessments/{world.campaign.pk}/judgements/{world.county.code}/"
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="cadre-survey"' in text
    assert "县乡村干部、人大代表和县政协委员满意度" in text and "100" in text


def test_the_campaign_page_links_the_survey_only_for_those_who_may_open_it(world: World):
    detail = f"/assessments/{world.campaign.pk}/"
    assert page_url(world) in client(world.lead_expert).get(detail).content.decode()
    assert page_url(world) in client(world.working_group).get(detail).content.decode()
    assert page_url(world) not in client(world.department).get(detail).content.decode()


def test_the_field_page_offers_the_survey_to_the_countys_enumerators(world: World):
    (campaign,) = client(world.enumerator_user).get("/field/bootstrap.json").json()["campaigns"]
    assert campaign["cadre_survey"] == [{"county": "岷县", "url": page_url(world)}]


def test_the_api_withdraws_a_response_with_its_reason_and_refuses_the_rest(world: World):
    cadre_answers(world, ("village_cadre", "satisfied", ""))
    response = CadreResponse.objects.get()
    url = f"{api_url(world)}{response.pk}/withdraw/"
    # the working group reads the survey but does not enter it
    wg = api(world.working_group).post(url, {"reason": "录错"}, format="json")
    assert wg.status_code == 403 and "只有分派到该县的调查小组成员" in wg.json()["detail"]
    a = api(world.lead_expert)
    assert a.post(url, {}, format="json").status_code == 400  # the reason is required
    done = a.post(url, {"reason": "类别录错"}, format="json")
    assert done.status_code == 200
    assert done.json()["withdrawn"]["reason"] == "类别录错"
    again = a.post(url, {"reason": "再撤"}, format="json")
    assert again.status_code == 400 and "已撤回" in again.json()["detail"]
    missing = a.post(f"{api_url(world)}{response.pk + 1000}/withdraw/", {"reason": "x"})
    assert missing.status_code == 404
    assert CadreResponseWithdrawal.objects.get().reason == "类别录错"


def test_the_judgement_api_gives_the_shares_beside_recognition(world: World):
    cadre_answers(
        world,
        ("county_cadre", "satisfied", ""),
        ("county_cadre", "not_satisfied", "后续帮扶计划不具体"),
        ("npc_deputy", "basically", ""),
    )
    got = api(world.working_group).get(
        f"/api/campaigns/{world.campaign.pk}/judgements/{world.county.code}/"
    )
    assert got.status_code == 200
    data = got.json()
    by = {s["category"]: s for s in data["cadre_survey"]}
    assert list(by) == [
        "county_cadre",
        "township_cadre",
        "village_cadre",
        "npc_deputy",
        "cppcc_member",
    ]
    assert by["county_cadre"] == {
        "category": "county_cadre",
        "label": "县级干部",
        "responses": 2,
        "satisfied": 1,
        "not_satisfied": 1,
        "share": 0.5,
    }
    assert by["npc_deputy"]["share"] == 1.0 and by["cppcc_member"]["share"] is None
    # the same figures as the page's (one read), and the answer is what OpenAPI documents
    assert [(s["satisfied"], s["responses"]) for s in data["cadre_survey"]] == [
        (c.satisfied, c.responses) for c in county_dossier(world.campaign, world.county).cadres
    ]
    assert set(data) == set(DossierSerializer().fields)
    assert set(data["cadre_survey"][0]) == set(ShareSerializer().fields)


def test_openapi_documents_the_shares_in_the_judgement():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    get = schema["paths"]["/api/campaigns/{campaign_id}/judgements/{code}/"]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    dossier = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
    shares = dossier["properties"]["cadre_survey"]
    assert shares["type"] == "array" and shares["items"]["$ref"].endswith("/Share")
    assert "干部群众" in get["summary"] and "人大代表和县政协委员满意度" in shares["description"]
    assert "cadre_survey" in dossier["required"]
