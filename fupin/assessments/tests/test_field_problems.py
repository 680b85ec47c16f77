"""The field app's suspected problems: the bootstrap carries the proposal rules, a device raises a
problem once by its client id (with the questionnaire it came from), attaches photos and
recordings, and cannot raise on another team's household."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.assessments.models import Evidence, EvidenceKind, Problem, TeamHousehold
from fupin.assessments.services import (
    PROBLEM_CONFLICT_MESSAGE,
    assignment_current,
    submission_receive,
)
from fupin.assessments.tests.conftest import World, new_client_id, payload
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def problem_body(world: World, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "campaign": world.campaign.pk,
        "household_no": world.household.household_no,
        "submission": None,
        "kind": "recognition",
        "description": "户主对帮扶干部入户次数有意见",
    }
    body.update(changes)
    return body


def post(client: Client, body: Any) -> Any:
    return client.post("/field/problems/", data=json.dumps(body), content_type="application/json")


def test_bootstrap_carries_the_rules_and_each_households_target(world: World):
    data = client_of(world.enumerator_user).get("/field/bootstrap.json").json()
    [campaign] = data["campaigns"]
    rules = campaign["proposals"]
    assert rules["year"] == 2020 and rules["line"] == 4000
    assert "water_ok" in [g["code"] for g in rules["guarantees"]]
    assert [k["label"] for k in rules["manual_kinds"]] == ["政策未落实", "认可度", "其他"]
    targets = {h["household_no"]: h["proposes"] for h in campaign["households"]}
    assert targets[world.household.household_no]["label"] == "未脱贫户"
    assert targets[world.other_household.household_no] == {
        "label": "非建档立卡户",
        "income": "missed",
        "guarantees": "missed",
    }


def test_a_problem_is_stored_once_and_a_conflicting_resend_is_refused(world: World):
    client = client_of(world.enumerator_user)
    submission, _ = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household),
        enumerator=world.mentor,
        user=world.enumerator_user,
    )
    body = problem_body(world, submission=str(submission.client_id))
    first = post(client, body)
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] is True and data["kind_label"] == "认可度"
    assert data["status_label"] == "待初核"
    problem = Problem.objects.get(client_id=body["client_id"])
    assert problem.submission == submission and problem.household == world.household
    assert problem.status == ProblemStatus.PENDING_INITIAL
    assert problem.raised_by == world.enumerator_user

    again = post(client, body)  # the reply was lost: the device sends it again
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == problem.pk
    assert Problem.objects.count() == 1

    changed = post(client, {**body, "description": "改过的描述"})
    assert changed.status_code == 409
    assert changed.json()["error"] == PROBLEM_CONFLICT_MESSAGE
    assert Problem.objects.count() == 1
    problem.refresh_from_db()
    assert problem.description == "户主对帮扶干部入户次数有意见"


def test_a_retry_is_answered_after_the_campaign_left_the_field(world: World):
    client = client_of(world.enumerator_user)
    body = problem_body(world)
    assert post(client, body).status_code == 201
    type(world.campaign).objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.DECIDED)
    assert post(client, body).status_code == 200
    fresh = post(client, problem_body(world))
    assert fresh.status_code == 403 and "不在实地调查阶段" in fresh.json()["error"]
    assert Problem.objects.count() == 1


def test_another_teams_enumerator_is_refused(world: World):
    outsider = client_of(world.outsider_user)
    response = post(outsider, problem_body(world))
    assert response.status_code == 403  # the campaign is not theirs at all
    # Their team gets a household of the campaign: still not this one.
    theirs = Household.objects.create(
        household_no="6211261000010009", village=world.household.village, size=2
    )
    TeamHousehold.objects.create(
        assignment=assignment_current(world.campaign, "team"),
        team=world.other_team,
        household=theirs,
    )
    response = post(outsider, problem_body(world))
    assert response.status_code == 403
    assert "不在您所在小组的调查任务中" in response.json()["error"]
    assert not Problem.objects.exists()
    own = post(outsider, problem_body(world, household_no=theirs.household_no))
    assert own.status_code == 201, own.content


def test_bad_problems_are_refused_with_the_reason_and_nothing_written(world: World):
    client = client_of(world.enumerator_user)
    cases = [
        (problem_body(world, client_id="x"), 400, "问题编号格式不正确"),
        (problem_body(world, kind="closed"), 400, "未知的问题类型"),
        (problem_body(world, description=""), 400, "请描述疑点问题"),
        (problem_body(world, description=None), 400, "请选择问题类型并填写问题描述"),
        (problem_body(world, submission=str(uuid.uuid4())), 400, "来源问卷尚未送达"),
        (problem_body(world, campaign="abc"), 403, "不在您的调查任务中"),
        (problem_body(world, household_no="nope"), 403, "户 nope 不在您所在小组"),
    ]
    for body, status, message in cases:
        response = post(client, body)
        assert response.status_code == status, body
        assert message in response.json()["error"]
    assert post(client, ["not", "an", "object"]).status_code == 400
    assert (
        client.post("/field/problems/", data=b"{", content_type="application/json").status_code
        == 400
    )
    assert not Problem.objects.exists()


def test_anonymous_and_non_enumerators_are_refused(world: World):
    assert post(Client(), problem_body(world)).status_code == 401
    response = post(client_of(world.working_group), problem_body(world))
    assert response.status_code == 403 and "不是调查员" in response.json()["error"]
    assert not Problem.objects.exists()


def test_photos_and_recordings_go_to_the_users_own_problem_once(world: World):
    client = client_of(world.enumerator_user)
    body = problem_body(world, kind="other", description="村里反映低保评定不公开")
    assert post(client, body).status_code == 201
    problem = Problem.objects.get(client_id=body["client_id"])
    url = f"/field/problems/{body['client_id']}/evidence/"
    audio = b"OggS fake recording"

    def upload(content: bytes, name: str, content_type: str) -> Any:
        return client.post(
            url,
            {
                "file": SimpleUploadedFile(name, content, content_type=content_type),
                "sha256": hashlib.sha256(content).hexdigest(),
            },
        )

    assert upload(PNG, "roof.png", "image/png").status_code == 201
    response = upload(audio, "talk.ogg", "audio/ogg")
    assert response.status_code == 201 and response.json()["kind_label"] == "录音"
    assert upload(PNG, "roof.png", "image/png").status_code == 200  # the same file again
    assert sorted(Evidence.objects.filter(problem=problem).values_list("kind", flat=True)) == [
        EvidenceKind.AUDIO,
        EvidenceKind.PHOTO,
    ]
    refused = upload(b"%PDF", "x.pdf", "application/pdf")
    assert refused.status_code == 400 and "只接收照片" in refused.json()["error"]
    bad_sum = client.post(
        url,
        {"file": SimpleUploadedFile("a.png", PNG, content_type="image/png"), "sha256": "0" * 64},
    )
    assert bad_sum.status_code == 400 and "校验值不符" in bad_sum.json()["error"]
    # Another enumerator's device cannot attach to it.
    other = client_of(world.newcomer_user).post(
        url,
        {
            "file": SimpleUploadedFile("b.png", PNG, content_type="image/png"),
            "sha256": hashlib.sha256(PNG).hexdigest(),
        },
    )
    assert other.status_code == 404
    assert Evidence.objects.filter(problem=problem).count() == 2
