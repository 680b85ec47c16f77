"""The assignments API: run, read, change by hand — the working group only."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Assignment
from fupin.assessments.tests.assignment_world import (
    HOUSEHOLDS_PER_COUNTY,
    AssignWorld,
    build_assign_world,
)


@pytest.fixture
def w(db) -> AssignWorld:
    return build_assign_world()


def _api(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(w: AssignWorld) -> str:
    return f"/api/campaigns/{w.campaign.pk}/assignments/"


def test_the_working_group_runs_and_reads_the_assignment(w: AssignWorld):
    api = _api(w.working_group)
    empty = api.get(_url(w))
    assert empty.status_code == 200
    assert empty.json()["runs"] == []
    assert all(c["teams"] == [] for c in empty.json()["counties"])

    response = api.post(_url(w), {"seed": 12}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [r["seed"] for r in body["runs"]] == ["12"]
    assert body["runs"][0]["method"] == "求解器自动分派" and body["runs"][0]["in_force"]
    assert {c["code"] for c in body["counties"]} == {c.code for c in w.counties}
    for county in body["counties"]:
        assert county["institution"] is not None
        assert county["institution"]["name"] != "兰州大学" or county["code"].startswith("64")
        assert len(county["experts"]) == 2 and county["experts"][0]["experienced"]
        households = [h for t in county["teams"] for h in t["households"]]
        assert len(households) == HOUSEHOLDS_PER_COUNTY
        assert all(h.startswith(county["code"][:6]) for h in households)
    assert api.get(_url(w)).json() == body


def test_a_manual_change_through_the_api_is_checked_and_recorded(w: AssignWorld):
    api = _api(w.working_group)
    body = api.post(_url(w), {"seed": 3}, format="json").json()
    minxian = w.counties[0].code
    refused = api.post(
        _url(w),
        {
            "changes": [{"expert": w.experts["甘老师"].pk, "to_county": minxian}],
            "reason": "补充人手",
        },
        format="json",
    )
    assert refused.status_code == 409
    assert "甘老师" in refused.json()["detail"] and "雇主省份回避" in refused.json()["detail"]

    county = next(c for c in body["counties"] if len(c["teams"]) >= 2)
    a, b = county["teams"][:2]
    swapped = api.post(
        _url(w),
        {
            "changes": [
                {"team": a["id"], "households": b["households"]},
                {"team": b["id"], "households": a["households"]},
            ],
            "reason": "两组对调",
        },
        format="json",
    )
    assert swapped.status_code == 201, swapped.json()
    after = swapped.json()
    teams = {
        t["id"]: t["households"]
        for c in after["counties"]
        for t in c["teams"]
        if c["code"] == county["code"]
    }
    assert sorted(teams[a["id"]]) == sorted(b["households"])
    assert sorted(teams[b["id"]]) == sorted(a["households"])
    assert [r["method"] for r in after["runs"]] == ["人工调整", "求解器自动分派"]
    assert "两组对调" in after["runs"][0]["note"]


def test_bad_requests_are_refused_with_a_message(w: AssignWorld):
    api = _api(w.working_group)
    assert api.post(_url(w), {"seed": -1}, format="json").status_code == 400
    mixed = api.post(_url(w), {"seed": 1, "changes": [{"expert": 1}]}, format="json")
    assert mixed.status_code == 400
    neither = api.post(_url(w), {"changes": [{}], "reason": "x"}, format="json")
    assert neither.status_code == 400
    before_run = api.post(
        _url(w), {"changes": [{"expert": w.experts["专家甲"].pk}], "reason": "x"}, format="json"
    )
    assert before_run.status_code == 409
    assert "尚未运行分派" in before_run.json()["detail"]
    assert not Assignment.objects.exists()


def test_others_are_refused(w: AssignWorld):
    checker = User.objects.create_user(username="dept")
    Membership.objects.create(user=checker, role=Role.DEPARTMENT, campaign=w.campaign)
    assert _api(checker).get(_url(w)).status_code == 403
    assert _api(checker).post(_url(w), {"seed": 1}, format="json").status_code == 403
    assert _api(w.outsider).post(_url(w), {"seed": 1}, format="json").status_code in (403, 404)
    assert _api(None).get(_url(w)).status_code in (401, 403)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"seed": "abc"},
        {"changes": "x", "reason": "r"},
        {"changes": [{"expert": 1, "team": 2}], "reason": "r"},
        {"changes": [{"expert": 1}, {"team": 2, "households": ["1"]}], "reason": "r"},
        {"kind": "team", "changes": [{"expert": 1}], "reason": "r"},
        {"reason": "只有理由"},
    ],
)
def test_malformed_bodies_are_400(w: AssignWorld, body: object):
    response = _api(w.working_group).post(_url(w), body, format="json")
    assert response.status_code == 400
    assert not Assignment.objects.exists()


def test_unknown_people_counties_and_households_are_409_with_a_message(w: AssignWorld):
    api = _api(w.working_group)
    api.post(_url(w), {"seed": 1}, format="json")
    for change in (
        {"expert": 2**62, "to_county": w.counties[0].code},
        {"expert": w.experts["专家甲"].pk, "to_county": "999999999999"},
        {"expert": w.experts["专家甲"].pk, "from_county": "", "to_county": ""},
        {"team": 2**62, "households": ["x"]},
        {"team": 1, "households": []},
    ):
        response = api.post(_url(w), {"changes": [change], "reason": "r"}, format="json")
        assert response.status_code == 409, (change, response.content)
        assert response.json()["detail"]
    assert Assignment.objects.count() == 1


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_for_the_working_group(w: AssignWorld):
    """The operations of this endpoint, with valid and invalid bodies, as the working group after a
    run, so that generated changes reach the services' own checks."""
    import schemathesis
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis.errors import Unsatisfiable
    from rest_framework.authtoken.models import Token
    from schemathesis.checks import not_a_server_error

    from fupin.wsgi import application

    _api(w.working_group).post(_url(w), {"seed": 1}, format="json")
    token = Token.objects.create(user=w.working_group).key
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
        pinned = {"campaign_id": w.campaign.pk}
        P, N = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
        tried = 0
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path != "/api/campaigns/{campaign_id}/assignments/":
                continue
            tried += 1
            for mode in (P, N):

                @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned))
                @settings(
                    max_examples=20,
                    derandomize=True,
                    deadline=None,
                    database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
                def call(case: object) -> None:
                    response = case.call(headers={"Authorization": f"Token {token}"})  # type: ignore[attr-defined]
                    case.validate_response(response, checks=[not_a_server_error])  # type: ignore[attr-defined]

                try:
                    call()
                except Unsatisfiable:
                    # GET with its id pinned has nothing left to make invalid.
                    assert mode is N and operation.method.upper() == "GET"
        assert tried == 2
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
