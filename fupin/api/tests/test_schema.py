"""The OpenAPI document: valid OpenAPI 3, and schemathesis finds no server error in any operation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error

from fupin.accounts.models import Role
from fupin.api.tests.conftest import Problems, grant_role
from fupin.assessments.models import CountyResult
from fupin.testing.worlds import World
from fupin.wsgi import application

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("GET", "/api/regions/"),
    ("GET", "/api/regions/{code}/"),
    ("GET", "/api/households/"),
    ("GET", "/api/households/{household_no}/"),
    ("GET", "/api/campaigns/"),
    ("GET", "/api/campaigns/{id}/"),
    ("GET", "/api/campaigns/{campaign_id}/results/"),
    ("POST", "/api/campaigns/"),
    ("GET", "/api/campaigns/{campaign_id}/draws/"),
    ("POST", "/api/campaigns/{campaign_id}/draws/"),
    ("GET", "/api/institutions/"),
    ("POST", "/api/institutions/"),
    ("GET", "/api/campaigns/{campaign_id}/evaluators/"),
    ("POST", "/api/campaigns/{campaign_id}/evaluators/"),
    ("GET", "/api/campaigns/{campaign_id}/assignments/"),
    ("POST", "/api/campaigns/{campaign_id}/assignments/"),
    ("POST", "/api/campaigns/{campaign_id}/results/"),
    ("GET", "/api/campaigns/{campaign_id}/decisions/"),
    ("POST", "/api/campaigns/{campaign_id}/decisions/"),
    ("POST", "/api/problems/"),
    ("POST", "/api/campaigns/{campaign_id}/transition/"),
    ("GET", "/api/campaigns/{campaign_id}/roles/"),
    ("POST", "/api/campaigns/{campaign_id}/roles/"),
    ("GET", "/api/problems/"),
    ("GET", "/api/problems/{id}/"),
    ("POST", "/api/problems/{id}/transition/"),
    ("POST", "/api/submissions/"),
    ("GET", "/api/people/"),
    ("POST", "/api/people/"),
    ("GET", "/api/people/{username}/"),
    ("PATCH", "/api/people/{username}/"),
    ("POST", "/api/people/{username}/deactivate/"),
    ("POST", "/api/people/{username}/activate/"),
    ("POST", "/api/people/{username}/password/"),
    ("POST", "/api/people/{username}/roles/"),
    ("POST", "/api/people/me/password/"),
    ("GET", "/api/field/assignments/"),
    ("GET", "/api/field/questionnaire/"),
    ("GET", "/api/campaigns/{campaign_id}/feedback/"),
    ("POST", "/api/campaigns/{campaign_id}/feedback/"),
    ("POST", "/api/campaigns/{campaign_id}/feedback/{item_id}/rectification/"),
    ("POST", "/api/campaigns/{campaign_id}/rectifications/{rectification_id}/transition/"),
    ("GET", "/api/campaigns/{campaign_id}/report.docx"),
    ("GET", "/api/campaigns/{campaign_id}/samples.xlsx"),
    ("GET", "/api/campaigns/{campaign_id}/problems.xlsx"),
    ("GET", "/api/campaigns/{campaign_id}/department-reports/"),
    ("POST", "/api/campaigns/{campaign_id}/department-reports/"),
    ("GET", "/api/campaigns/{campaign_id}/judgements/"),
    ("GET", "/api/campaigns/{campaign_id}/judgements/{code}/"),
    ("POST", "/api/campaigns/{campaign_id}/judgements/{code}/"),
    ("POST", "/api/campaigns/{campaign_id}/approval/"),
    ("POST", "/api/campaigns/{campaign_id}/approval/{code}/"),
    ("POST", "/api/token/"),
    ("GET", "/api/posts/"),
    ("POST", "/api/posts/"),
    ("POST", "/api/posts/{post_id}/end/"),
}


def _document() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return dict(response.json())


def test_the_schema_is_valid_openapi_3(db: None) -> None:
    document = _document()
    assert document["openapi"].startswith("3.")
    validate_schema(document)
    found = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert found >= OPERATIONS
    assert {("GET", "/api/assistance/pairings/"), ("POST", "/api/assistance/measures/")} <= found
    assert document["info"]["title"] == "精准扶贫与考核评估平台 API"


def test_no_schema_field_carries_a_full_id_number(db: None) -> None:
    person = _document()["components"]["schemas"]["Person"]["properties"]
    assert "id_number_masked" in person and "id_number" not in person


@pytest.fixture
def wsgi_app(db: None) -> Iterator[Any]:
    """The real WSGI application, keeping the test's database connection open between requests
    (Django's test client does the same: a request's end would close a connection that is inside
    the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield application
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Path parameters that name real objects the persona sees, so that generated bodies and queries
# reach the views' own checks and the services, not only the 404 of a random id.
def _real_objects(world: World, problems: Problems) -> dict[str, dict[str, Any]]:
    return {
        "/api/regions/{code}/": {"code": "621126000000"},
        "/api/households/{household_no}/": {"household_no": world.household.household_no},
        "/api/campaigns/{id}/": {"id": world.campaign.pk},
        **{
            f"/api/campaigns/{{campaign_id}}/{part}/": {"campaign_id": world.campaign.pk}
            for part in (
                "results",
                "draws",
                "evaluators",
                "assignments",
                "decisions",
                "transition",
                "roles",
                "feedback",
            )
        },
        **{
            f"/api/campaigns/{{campaign_id}}/{name}": {"campaign_id": world.campaign.pk}
            for name in ("report.docx", "samples.xlsx", "problems.xlsx")
        },
        "/api/problems/{id}/": {"id": problems.household.pk},
        "/api/problems/{id}/transition/": {"id": problems.household.pk},
        **{
            f"/api/people/{{username}}/{part}": {"username": "township_officer"}
            for part in ("", "deactivate/", "activate/", "password/", "roles/")
        },
    }


SHARDS = 6
PERSONAS = ("province_officer", "enumerator")


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(SHARDS))
def test_schemathesis_finds_no_server_error(
    wsgi_app: Any,
    world: World,
    problems: Problems,
    results: list[CountyResult],
    shard: int,
) -> None:
    """Every operation, with valid and invalid data, as each persona who sees data: the province
    office sees the registry; the enumerator (holding the enumerator role) gets past the submission
    and transition endpoints' permission checks to their validation and the services. Each case is
    generated once and sent as both personas (generating is about half of the walk's time). The
    operations are split in `SHARDS` parts (every operation in exactly one), so that the parts run
    in parallel."""
    grant_role(world, "enumerator", Role.ENUMERATOR)
    tokens = {persona: Token.objects.create(user=world.users[persona]).key for persona in PERSONAS}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    real = _real_objects(world, problems)
    seen: set[tuple[str, str]] = set()
    sent: dict[str, int] = dict.fromkeys(PERSONAS, 0)
    P, N = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE
    for index, result in enumerate(schema.get_all_operations()):
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        seen.add(key)
        if index % SHARDS != shard:
            continue
        runs: list[tuple[Any, dict[str, Any] | None, int]] = [(P, None, 10), (N, None, 6)]
        if operation.path in real:
            runs.append((P, real[operation.path], 8))
        for mode, pinned, examples in runs:

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned))
            @settings(
                max_examples=examples,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def call(case: Any) -> None:
                for persona, token in tokens.items():
                    response = case.call(headers={"Authorization": f"Token {token}"})
                    case.validate_response(response, checks=[not_a_server_error])
                    sent[persona] += 1

            try:
                call()
            except Unsatisfiable:
                # Only where every parameter is a free string: no invalid value exists to send.
                assert mode is N, key
    assert sent["province_officer"] == sent["enumerator"] > 0
    assert seen >= OPERATIONS
