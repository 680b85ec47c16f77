"""POST /api/submissions/: stored once per client id, conflicts refused, only the assigned team's households."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from fupin.api.tests.conftest import answers, submission_body
from fupin.assessments.models import Campaign, Submission
from fupin.assessments.services import CONFLICT_MESSAGE
from fupin.assessments.workflows import CampaignStatus
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

Api = Callable[[str | None], APIClient]


def _post(api: Api, body: dict[str, object], persona: str = "enumerator") -> Any:
    return api(persona).post("/api/submissions/", body, format="json")


def test_a_retry_of_the_same_questionnaire_is_stored_once(api: Api, world: World) -> None:
    body = submission_body(world)
    first = _post(api, body)
    assert first.status_code == 201, first.content
    assert first.json()["created"] is True
    assert first.json()["household_no"] == world.household.household_no
    again = _post(api, dict(reversed(list(body.items()))))  # key order does not matter
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["id"] == first.json()["id"]
    assert Submission.objects.count() == 1


def test_a_retry_is_answered_after_the_campaign_left_fieldwork(api: Api, world: World) -> None:
    body = submission_body(world)
    assert _post(api, body).status_code == 201
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.DECIDED)
    again = _post(api, body)
    assert again.status_code == 200 and again.json()["created"] is False


def test_a_conflicting_retry_is_refused_and_nothing_is_written(api: Api, world: World) -> None:
    body = submission_body(world)
    assert _post(api, body).status_code == 201
    changed = {**body, "answers": {**body["answers"], "income_wages": 9999.0}}  # type: ignore[dict-item]
    response = _post(api, changed)
    assert response.status_code == 409
    assert response.json()["detail"] == CONFLICT_MESSAGE
    assert Submission.objects.get().answers["income_wages"] == 3000.0


def test_a_client_id_reused_for_a_campaign_that_does_not_exist_is_a_conflict(
    api: Api, world: World
) -> None:
    body = submission_body(world)
    assert _post(api, body).status_code == 201
    response = _post(api, {**body, "campaign": 999999})
    assert response.status_code == 409 and response.json()["detail"] == CONFLICT_MESSAGE


@pytest.mark.parametrize("key", ["other_household", "neighbour_household"])
def test_a_household_outside_the_assignment_is_refused(api: Api, world: World, key: str) -> None:
    response = _post(api, submission_body(world, world.households[key].household_no))
    assert response.status_code == 403
    assert "不在您所在调查小组的分派中" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_a_household_that_does_not_exist_reads_like_one_outside_the_assignment(
    api: Api, world: World
) -> None:
    real = _post(api, submission_body(world, world.neighbour_household.household_no))
    fake = _post(api, submission_body(world, "6212231000019999"))
    assert real.status_code == fake.status_code == 403
    assert real.json()["detail"].replace(world.neighbour_household.household_no, "N") == (
        fake.json()["detail"].replace("6212231000019999", "N")
    )


@pytest.mark.parametrize("persona", ["working_group", "expert", "county_officer", "superuser"])
def test_only_enumerators_submit(api: Api, world: World, persona: str) -> None:
    response = _post(api, submission_body(world), persona)
    assert response.status_code == 403
    assert response.json()["detail"] == "只有调查员可以提交入户调查问卷"


def test_a_campaign_the_enumerator_does_not_work_on_is_refused(api: Api, world: World) -> None:
    response = _post(api, submission_body(world, campaign=999999))
    assert response.status_code == 403
    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"answers": {"size": 1}}, "问卷内容有误"),
        ({"questionnaire_version": 99}, "问卷版本 99 不存在"),
        ({"started_at": "2019-07-01T10:00:00", "finished_at": "2019-07-01T11:00:00"}, "时区"),
        ({"gps": {"lat": 34.4, "lon": 104.0, "accuracy": -1}}, None),
        ({"client_id": "not-a-uuid"}, None),
        ({"answers": {**answers(), "open_needs": "a\x00b"}}, None),  # jsonb cannot hold NUL
        ({"answers": ["not", "a", "mapping"]}, None),
    ],
)
def test_a_malformed_questionnaire_is_a_bad_request(
    api: Api, world: World, change: dict[str, object], message: str | None
) -> None:
    response = _post(api, submission_body(world, **change))
    assert response.status_code == 400, response.content
    if message:
        assert message in response.json()["detail"]
    assert not Submission.objects.exists()


def test_after_fieldwork_a_questionnaire_finished_late_is_a_conflict(
    api: Api, world: World
) -> None:
    Campaign.objects.filter(pk=world.campaign.pk).update(status=CampaignStatus.VERIFICATION)
    response = _post(api, submission_body(world))
    assert response.status_code == 409
    assert "实地调查已结束" in response.json()["detail"]
