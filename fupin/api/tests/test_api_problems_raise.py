"""POST /api/problems/: an enumerator's own survey tool raises a suspected problem on a household of
their team, stored once per client id, a conflicting resend refused, evidence cited from the
source questionnaire or uploaded with the problem (multipart)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fupin.accounts.models import Role
from fupin.api.tests.conftest import grant_role, submission_body
from fupin.assessments.models import Campaign, Evidence, EvidenceKind, Problem, Submission
from fupin.assessments.services import PROBLEM_CONFLICT_MESSAGE, evidence_receive
from fupin.assessments.workflows import CampaignStatus, ProblemStatus
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

Api = Callable[[str | None], APIClient]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def enumerator(world: World) -> World:
    """The enumerator holds the role (as a registered evaluator does)."""
    grant_role(world, "enumerator", Role.ENUMERATOR)
    return world


def body(world: World, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client_id": str(uuid.uuid4()),
        "campaign": world.campaign.pk,
        "household_no": world.household.household_no,
        "kind": "wrong_exit",
        "description": "人均纯收入 2500 元，不高于2018 年国家扶贫标准 2995 元",
    }
    data.update(changes)
    return data


def post(api: Api, data: dict[str, Any], persona: str = "enumerator") -> Any:
    return api(persona).post("/api/problems/", data, format="json")


def test_a_problem_is_raised_once_and_a_conflicting_resend_is_refused(
    api: Api, enumerator: World
) -> None:
    world = enumerator
    data = body(world)
    first = post(api, data)
    assert first.status_code == 201, first.content
    result = first.json()
    assert result["created"] is True and result["kind_label"] == "错退"
    assert result["status"] == ProblemStatus.PENDING_INITIAL and result["status_label"] == "待初核"
    assert result["household_no"] == world.household.household_no
    again = post(api, data)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == result["id"]
    changed = post(api, {**data, "kind": "missed"})
    assert changed.status_code == 409 and changed.json()["detail"] == PROBLEM_CONFLICT_MESSAGE
    assert Problem.objects.count() == 1
    assert Problem.objects.get().kind == "wrong_exit"
    # Listed with the others the enumerator sees.
    listed = api("enumerator").get("/api/problems/").json()
    assert [p["id"] for p in listed["results"]] == [result["id"]]


def test_a_retry_is_answered_after_the_campaign_left_the_field(api: Api, enumerator: World) -> None:
    data = body(enumerator)
    assert post(api, data).status_code == 201
    Campaign.objects.filter(pk=enumerator.campaign.pk).update(status=CampaignStatus.DECIDED)
    assert post(api, data).status_code == 200
    assert post(api, body(enumerator)).status_code == 403
    assert Problem.objects.count() == 1


def test_another_teams_household_and_non_enumerators_are_refused(
    api: Api, enumerator: World
) -> None:
    world = enumerator
    other = post(api, body(world, household_no=world.other_household.household_no))
    assert other.status_code == 403
    assert "不在您所在调查小组的分派中" in other.json()["detail"]
    far = post(api, body(world, household_no=world.neighbour_household.household_no))
    assert far.status_code == 403
    office = post(api, body(world), persona="county_officer")
    assert office.status_code == 403 and "只有调查员" in office.json()["detail"]
    assert post(api, body(world), persona=None).status_code in (401, 403)
    assert not Problem.objects.exists()


def test_bad_bodies_are_refused_naming_the_field(api: Api, enumerator: World) -> None:
    world = enumerator
    for change, field in (
        ({"kind": "dismissed"}, "kind"),
        ({"client_id": "nope"}, "client_id"),
        ({"description": ""}, "description"),
        ({"household_no": "62\x00"}, "household_no"),
        ({"evidence": [1]}, "evidence"),
    ):
        response = post(api, body(world, **change))
        assert response.status_code == 400, change
        assert field in response.json(), response.json()
    unknown = post(api, body(world, submission=str(uuid.uuid4())))
    assert unknown.status_code == 400 and "来源问卷尚未提交" in unknown.json()["detail"]
    assert not Problem.objects.exists()


def test_evidence_cited_from_the_source_questionnaire(api: Api, enumerator: World) -> None:
    world = enumerator
    sent = api("enumerator").post("/api/submissions/", submission_body(world), format="json")
    assert sent.status_code == 201, sent.content
    submission = Submission.objects.get()
    photo, _ = evidence_receive(
        owner=submission,
        kind=EvidenceKind.PHOTO,
        content=PNG,
        sha256=hashlib.sha256(PNG).hexdigest(),
        filename="house.png",
        user=world.users["enumerator"],
    )
    data = body(world, submission=str(submission.client_id), evidence=[photo.pk])
    response = post(api, data)
    assert response.status_code == 201, response.content
    problem = Problem.objects.get()
    assert problem.submission == submission
    assert list(problem.steps.get().evidence.all()) == [photo]
    foreign = post(api, body(world, submission=str(submission.client_id), evidence=[photo.pk + 99]))
    assert foreign.status_code == 400 and "不属于来源问卷" in foreign.json()["detail"]


def test_photos_and_recordings_uploaded_with_the_problem_are_kept_once(
    api: Api, enumerator: World
) -> None:
    world = enumerator
    data = body(world, kind="other", description="群众反映村里危房改造名单未公示")
    audio = b"OggS a short recording"

    def send(files: list[Any]) -> Any:
        return api("enumerator").post(
            "/api/problems/", {**data, "files": files}, format="multipart"
        )

    first = send(
        [
            SimpleUploadedFile("roof.png", PNG, content_type="image/png"),
            SimpleUploadedFile("talk.ogg", audio, content_type="audio/ogg"),
        ]
    )
    assert first.status_code == 201, first.content
    assert {f["kind_label"] for f in first.json()["files"]} == {"照片", "录音"}
    again = send([SimpleUploadedFile("roof.png", PNG, content_type="image/png")])
    assert again.status_code == 200 and len(again.json()["files"]) == 2
    problem = Problem.objects.get()
    assert Evidence.objects.filter(problem=problem).count() == 2
    wrong = api("enumerator").post(
        "/api/problems/",
        {
            **body(world),
            "files": [SimpleUploadedFile("x.pdf", b"%PDF", content_type="application/pdf")],
        },
        format="multipart",
    )
    assert wrong.status_code == 400 and "files" in wrong.json()
    assert Problem.objects.count() == 1
