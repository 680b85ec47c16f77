"""Questionnaire v2 (recognition as seed 004 defines it): who is asked which recognition questions,
the reason required after 不满意 (server side), the version a campaign keeps, v1 submissions still
readable on the page and through the API, and recognition read from both versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from fupin.assessments.migrations._questionnaire_v2 import SCHEMA_V2
from fupin.assessments.models import CampaignTransition, Questionnaire, Submission
from fupin.assessments.services import AssessmentError, campaign_create, submission_receive
from fupin.assessments.services.results import recognises
from fupin.assessments.services.surveys import (
    answers_errors,
    applicable_sections,
    questionnaire_for,
    recognition_questions,
)
from fupin.assessments.tests.conftest import World, new_client_id, payload, registered_answers
from fupin.assessments.tests.pages_world import scoped
from fupin.assessments.workflows import CampaignStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _scoped(world: World) -> None:
    scoped(world)  # the role rows the pages' scoping reads


BASE = {
    k: v for k, v in registered_answers().items() if not k.startswith("rec_")
}  # household, income and guarantees: the same questions in v1 and v2


def v2() -> Questionnaire:
    return Questionnaire.objects.get(version=2)


def v2_registered(**changes: Any) -> dict[str, Any]:
    answers = {
        **BASE,
        "rec_delivered": "satisfied",
        "rec_effective": "basically",
        "rec_satisfied": "satisfied",
    }
    answers.update(changes)
    return answers


def bootstrap_sections(world: World) -> list[str]:
    client = Client()
    client.force_login(world.enumerator_user)
    data = client.get("/field/bootstrap.json").json()
    (campaign,) = data["campaigns"]
    assert campaign["questionnaire_version"] == 2
    rows = {h["household_no"]: h for h in campaign["households"]}
    return rows[world.other_household.household_no]["sections"]


def test_the_migration_installed_v2_beside_v1():
    assert set(Questionnaire.objects.values_list("version", flat=True)) >= {1, 2}
    assert v2().schema == SCHEMA_V2


def test_a_non_poor_household_in_a_non_poor_village_is_never_asked_recognition(world: World):
    village = world.other_household.village
    village.is_poor_village = False
    village.save(update_fields=["is_poor_village"])
    household = world.other_household
    household.refresh_from_db()
    assert not household.registered
    sections = bootstrap_sections(world)  # what the phone shows the enumerator
    assert sections == ["household", "income", "guarantees", "open"]
    assert recognition_questions(v2().schema, household) == []
    # and the server refuses a recognition answer for it
    errors = answers_errors(v2().schema, {**BASE, "rec_infrastructure": "satisfied"}, household)
    assert errors == ["问题 rec_infrastructure 不适用于该户"]


def test_a_non_poor_household_in_a_poor_village_is_asked_only_infrastructure_and_services(
    world: World,
):
    household = world.other_household
    assert household.village.is_poor_village and not household.registered
    sections = bootstrap_sections(world)
    assert sections == ["household", "income", "guarantees", "recognition_public", "open"]
    public = next(
        s for s in applicable_sections(v2().schema, household) if s["code"] == "recognition_public"
    )
    assert [q["code"] for q in public["questions"]] == [
        "rec_infrastructure",
        "rec_infrastructure_reason",
        "rec_public_services",
        "rec_public_services_reason",
    ]
    assert recognition_questions(v2().schema, household) == [
        "rec_infrastructure",
        "rec_public_services",
    ]
    # v1's fairness question is not asked any more
    errors = answers_errors(
        v2().schema,
        {
            **BASE,
            "rec_infrastructure": "satisfied",
            "rec_public_services": "satisfied",
            "rec_fairness": "satisfied",
        },
        household,
    )
    assert errors == ["问卷中没有问题 rec_fairness"]


def test_a_registered_household_is_asked_delivery_effect_and_satisfaction(world: World):
    assert recognition_questions(v2().schema, world.household) == [
        "rec_delivered",
        "rec_effective",
        "rec_satisfied",
    ]
    assert answers_errors(v2().schema, v2_registered(), world.household) == []


def test_not_satisfied_without_its_reason_is_refused_naming_the_question(world: World):
    body = payload(
        world.household,
        questionnaire_version=2,
        answers=v2_registered(rec_delivered="not_satisfied"),
    )
    with pytest.raises(AssessmentError) as refused:
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=body,
            enumerator=world.mentor,
            user=world.enumerator_user,
        )
    message = str(refused.value)
    assert "“帮扶措施是否落实到村到户（对落实情况是否满意）”选择“不满意”" in message
    assert "须填写不满意的原因（帮扶措施落实到村到户）（rec_delivered_reason）" in message
    assert not Submission.objects.exists()
    # a blank reason is no reason
    blank = v2_registered(rec_delivered="not_satisfied", rec_delivered_reason="  ")
    assert answers_errors(v2().schema, blank, world.household)

    # with its reason it is stored
    answers = v2_registered(
        rec_delivered="not_satisfied", rec_delivered_reason="产业项目没有落实到户"
    )
    stored, created = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household, questionnaire_version=2, answers=answers),
        enumerator=world.mentor,
        user=world.enumerator_user,
    )
    assert created and stored.questionnaire.version == 2


def test_the_phone_endpoint_answers_400_with_the_reason_in_chinese(world: World):
    client = Client()
    client.force_login(world.enumerator_user)
    body = payload(
        world.other_household,
        questionnaire_version=2,
        answers={**BASE, "rec_infrastructure": "satisfied", "rec_public_services": "not_satisfied"},
    )
    body.update(campaign=world.campaign.pk, client_id=new_client_id())
    response = client.post(
        "/field/submissions/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "“对学校、卫生室等公共服务改善是否满意”选择“不满意”" in response.json()["error"]


def test_recognition_is_read_from_both_versions():
    assert recognises({"rec_policy": "satisfied", "rec_cadres": "basically"}) == (True, True)
    assert recognises({"rec_policy": "satisfied", "rec_fairness": "unclear"}) == (True, False)
    assert recognises(v2_registered()) == (True, True)
    assert recognises(
        v2_registered(rec_satisfied="not_satisfied", rec_satisfied_reason="收入不稳定")
    ) == (True, False)
    assert recognises({"rec_infrastructure": "basically", "rec_public_services": "unclear"}) == (
        True,
        False,
    )
    assert recognises(BASE) == (False, False)  # not asked


def test_a_campaign_in_the_field_keeps_its_version_and_a_new_one_takes_the_newest(world: World):
    assert questionnaire_for(world.campaign).version == 2
    later = timezone.now() + dt.timedelta(seconds=1)
    v3 = Questionnaire.objects.create(
        version=3, title="第三版", schema={**SCHEMA_V2, "version": 3}, created_at=later
    )
    assert questionnaire_for(world.campaign).version == 2  # went to the field before v3
    fresh = campaign_create(
        kind=world.campaign.kind, year=2021, name="新任务", scope=[world.county], actor="test"
    )
    assert questionnaire_for(fresh) == v3
    CampaignTransition.objects.create(
        campaign=fresh,
        from_status=CampaignStatus.SAMPLING,
        to_status=CampaignStatus.FIELDWORK,
        actor="test",
        at=later + dt.timedelta(seconds=1),
    )
    assert questionnaire_for(fresh) == v3


def test_a_v1_submission_still_reads_as_v1_asked_it_on_the_page_and_the_api(world: World):
    submission, _ = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household),  # questionnaire v1, v1's recognition questions
        enumerator=world.mentor,
        user=world.enumerator_user,
    )
    assert submission.questionnaire.version == 1
    client = Client()
    client.force_login(world.working_group)
    url = f"/assessments/{world.campaign.pk}/submissions/{submission.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "第 1 版" in text
    assert "对扶贫政策是否满意" in text and "对干部帮扶工作是否满意" in text
    assert "帮扶措施是否落实到村到户" not in text  # v2's wording is not imposed on v1 answers
    assert "621126198001010019" not in text  # the head's ID is masked

    api = APIClient()
    api.force_authenticate(world.working_group)
    data = api.get(f"/api/campaigns/{world.campaign.pk}/submissions/{submission.pk}/").json()
    assert data["questionnaire_version"] == 1
    lines = {line["code"]: line for s in data["sections"] for line in s["lines"]}
    assert lines["rec_results"] == {
        "code": "rec_results",
        "question": "对帮扶成效是否满意",
        "answer": "基本满意",
    }
    assert lines["food_ok"]["answer"] == "是"

    # someone who may not see the household gets a 404, on the page and the API
    other = Client()
    other.force_login(world.neighbour_officer)
    assert other.get(url).status_code == 404
    api.force_authenticate(world.neighbour_officer)
    assert (
        api.get(f"/api/campaigns/{world.campaign.pk}/submissions/{submission.pk}/").status_code
        == 404
    )
