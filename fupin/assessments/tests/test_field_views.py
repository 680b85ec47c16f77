"""The offline field survey's server side: the page, its bootstrap, the service worker, and the
submission and photo endpoints (idempotent, scoped to the enumerator's team households)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.models import Campaign, Evidence, Questionnaire, Submission
from fupin.assessments.services import CONFLICT_MESSAGE
from fupin.assessments.tests.conftest import registered_answers
from fupin.assessments.workflows import CampaignStatus
from fupin.registry.models import Household
from fupin.testing.worlds import World, build_world

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture
def field_world(household: Household) -> World:
    """The accounts personas (`enumerator` on the team holding `household`), questionnaire v1."""
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    return build_world(household)


def client_for(world: World, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def body(world: World, household: Household | None = None, **changes: Any) -> dict[str, Any]:
    finished = timezone.now() - dt.timedelta(minutes=5)
    data: dict[str, Any] = {
        "campaign": world.campaign.pk,
        "client_id": str(uuid.uuid4()),
        "household_no": (household or world.household).household_no,
        "questionnaire_version": 1,
        "answers": registered_answers(),
        "started_at": (finished - dt.timedelta(minutes=30)).isoformat(),
        "finished_at": finished.isoformat(),
        "gps": {"lat": 34.43, "lon": 104.03, "accuracy": 12.0},
    }
    data.update(changes)
    return data


def post(client: Client, data: Any) -> Any:
    return client.post(
        "/field/submissions/", data=json.dumps(data), content_type="application/json"
    )


# --- page, bootstrap, service worker -------------------------------------------------------


def test_the_page_is_a_mobile_shell_with_the_csrf_cookie(field_world: World):
    response = client_for(field_world, "enumerator").get("/field/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="viewport"' in html
    assert "fupin/field/app.js" in html and "fupin/field/outbox.js" in html
    assert "立即发送" in html and "待发送" in html
    assert "csrftoken" in response.cookies


def test_an_anonymous_visitor_is_sent_to_log_in_and_the_api_answers_401(field_world: World):
    client = Client()
    response = client.get("/field/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get("/field/bootstrap.json").status_code == 401
    response = post(client, body(field_world))
    assert response.status_code == 401
    assert "登录" in response.json()["error"]
    cid = uuid.uuid4()
    response = client.post(f"/field/submissions/{cid}/evidence/", {})
    assert response.status_code == 401
    assert not Submission.objects.exists()


def test_bootstrap_lists_only_the_team_households_with_masked_ids(field_world: World):
    response = client_for(field_world, "enumerator").get("/field/bootstrap.json")
    assert response.status_code == 200
    data = response.json()
    assert data["username"] == "enumerator"
    newest = Questionnaire.objects.order_by("-version").first()
    assert newest is not None and data["questionnaire"]["version"] == newest.version
    assert [c["id"] for c in data["campaigns"]] == [field_world.campaign.pk]
    # The campaign has no record of going to the field: it takes the newest version.
    assert data["campaigns"][0]["questionnaire_version"] == newest.version
    assert str(newest.version) in data["questionnaires"]
    households = data["campaigns"][0]["households"]
    assert [h["household_no"] for h in households] == [field_world.household.household_no]
    row = households[0]
    assert row["head"] == "张三"
    assert row["village"] == "岷阳镇东街村"
    assert row["masked_id"] != "621126198001010019" and row["masked_id"][:6] == "621126"
    assert "621126198001010019" not in response.content.decode()
    assert row["sections"] == [
        "household",
        "income",
        "guarantees",
        "recognition_registered",
        "open",
    ]
    text = response.content.decode()
    assert "李四" not in text and "王五" not in text


def test_bootstrap_is_empty_once_the_campaign_leaves_the_field(field_world: World):
    Campaign.objects.filter(pk=field_world.campaign.pk).update(status=CampaignStatus.DECIDED)
    data = client_for(field_world, "enumerator").get("/field/bootstrap.json").json()
    assert data["campaigns"] == []


def test_bootstrap_for_someone_who_is_not_an_enumerator_says_so(field_world: World):
    data = client_for(field_world, "county_officer").get("/field/bootstrap.json").json()
    assert data["campaigns"] == []
    assert "不是调查员" in data["message"]


def test_the_service_worker_is_served_for_the_field_scope(field_world: World):
    response = Client().get("/field/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/field/"
    text = response.content.decode()
    assert text.startswith("const FIELD_CONFIG = ")
    config = json.loads(text.split("\n", 1)[0].removeprefix("const FIELD_CONFIG = ").rstrip(";"))
    assert "/field/" in config["pages"] and "/field/bootstrap.json" in config["pages"]
    assert any(url.endswith("fupin/field/app.js") for url in config["static"])
    assert 'request.method !== "GET"' in text  # POSTs are never cached


# --- submissions ---------------------------------------------------------------------------


def test_a_submission_is_stored_once_and_a_retry_answers_200(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    first = post(client, data)
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    again = post(client, dict(reversed(list(data.items()))))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    stored = Submission.objects.get(client_id=data["client_id"])
    assert stored.enumerator.user == field_world.users["enumerator"]
    assert stored.household == field_world.household and stored.gps_accuracy == 12.0


def test_a_retry_is_answered_after_the_campaign_left_the_field(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    assert post(client, data).status_code == 201
    Campaign.objects.filter(pk=field_world.campaign.pk).update(status=CampaignStatus.DECIDED)
    assert post(client, data).status_code == 200
    assert Submission.objects.count() == 1


def test_the_same_id_with_other_answers_is_a_409_conflict(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    assert post(client, data).status_code == 201
    data["answers"]["income_wages"] = 9999.0
    response = post(client, data)
    assert response.status_code == 409
    assert response.json()["error"] == CONFLICT_MESSAGE
    assert Submission.objects.get().answers["income_wages"] == 3000.0


def test_someone_who_is_not_an_enumerator_gets_403(field_world: World):
    response = post(client_for(field_world, "county_officer"), body(field_world))
    assert response.status_code == 403
    assert "不是调查员" in response.json()["error"]
    assert not Submission.objects.exists()


@pytest.mark.parametrize("which", ["other_household", "neighbour_household"])
def test_a_household_not_assigned_to_the_team_is_refused_403(field_world: World, which: str):
    household = field_world.households[which]
    response = post(client_for(field_world, "enumerator"), body(field_world, household))
    assert response.status_code == 403
    assert household.household_no in response.json()["error"]
    assert not Submission.objects.exists()


def test_a_campaign_out_of_the_field_is_refused_403(field_world: World):
    Campaign.objects.filter(pk=field_world.campaign.pk).update(status=CampaignStatus.CLOSED)
    response = post(client_for(field_world, "enumerator"), body(field_world))
    assert response.status_code == 403
    assert "实地调查阶段" in response.json()["error"]
    assert not Submission.objects.exists()


def test_an_unknown_campaign_id_from_the_client_is_refused(field_world: World):
    response = post(client_for(field_world, "enumerator"), body(field_world, campaign=99999))
    assert response.status_code == 403


def test_invalid_answers_are_refused_400_with_the_reasons(field_world: World):
    answers = registered_answers()
    del answers["food_ok"]
    answers["size"] = "三"
    response = post(client_for(field_world, "enumerator"), body(field_world, answers=answers))
    assert response.status_code == 400
    error = response.json()["error"]
    assert "未回答：不愁吃" in error and "答案类型不符" in error
    assert not Submission.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", json.dumps({"client_id": "abc"})])
def test_malformed_requests_are_refused_400(field_world: World, raw: str):
    response = client_for(field_world, "enumerator").post(
        "/field/submissions/", data=raw, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]


def test_the_endpoints_require_the_csrf_token(field_world: World):
    client = Client(enforce_csrf_checks=True)
    client.force_login(field_world.users["enumerator"])
    client.get("/field/")
    data = json.dumps(body(field_world))
    refused = client.post("/field/submissions/", data=data, content_type="application/json")
    assert refused.status_code == 403
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/field/submissions/",
        data=data,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert accepted.status_code == 201


def test_get_is_not_allowed_on_the_submission_endpoint(field_world: World):
    assert client_for(field_world, "enumerator").get("/field/submissions/").status_code == 405


# --- photos --------------------------------------------------------------------------------


def upload(
    client: Client,
    client_id: str,
    content: bytes = PNG,
    sha256: str | None = None,
    name: str = "food_ok-1.png",
    content_type: str = "image/png",
) -> Any:
    return client.post(
        f"/field/submissions/{client_id}/evidence/",
        {
            "file": SimpleUploadedFile(name, content, content_type=content_type),
            "sha256": sha256 or hashlib.sha256(content).hexdigest(),
            "taken_at": timezone.now().isoformat(),
            "gps_lat": "34.43",
            "gps_lon": "104.03",
        },
    )


def test_a_photo_is_stored_once_by_checksum(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    assert post(client, data).status_code == 201
    first = upload(client, data["client_id"])
    assert first.status_code == 201, first.content
    again = upload(client, data["client_id"])
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    evidence = Evidence.objects.get()
    assert evidence.submission.client_id == uuid.UUID(data["client_id"])
    assert evidence.kind == "photo" and evidence.original_name == "food_ok-1.png"
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest() and evidence.gps_lat == 34.43


def test_a_photo_with_a_wrong_checksum_is_refused(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    post(client, data)
    response = upload(client, data["client_id"], sha256="0" * 64)
    assert response.status_code == 400
    assert "校验值不符" in response.json()["error"]
    assert not Evidence.objects.exists()


def test_a_photo_must_be_an_image(field_world: World):
    client = client_for(field_world, "enumerator")
    data = body(field_world)
    post(client, data)
    response = upload(
        client, data["client_id"], content=b"%PDF-1.4", name="a.pdf", content_type="application/pdf"
    )
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_a_photo_for_a_submission_not_received_or_not_theirs_is_404(field_world: World):
    client = client_for(field_world, "enumerator")
    assert upload(client, str(uuid.uuid4())).status_code == 404
    data = body(field_world)
    post(client, data)
    other = build_other_enumerator(field_world)
    response = upload(other, data["client_id"])
    assert response.status_code == 404
    assert not Evidence.objects.exists()


def build_other_enumerator(world: World) -> Client:
    """The team's second member, with an account: may submit, not add to another's questionnaire."""
    from fupin.accounts.models import Role
    from fupin.accounts.services import membership_grant
    from fupin.assessments.models import Enumerator

    user = type(world.users["enumerator"]).objects.create_user("newcomer", password=None)
    Enumerator.objects.filter(name="钱新").update(user=user)
    membership_grant(user=user, role=Role.ENUMERATOR)
    client = Client()
    client.force_login(user)
    return client
