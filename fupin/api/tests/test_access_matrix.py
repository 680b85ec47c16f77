"""Role × resource × action over the API: every persona lists and opens exactly what its pages show,
an id outside its scope (guessed, or in another county) answers 404, anonymous requests 401.

The expectations for households, counties and campaigns are the page matrix's own
(fupin/accounts/tests/test_access_matrix.py), so the API and the pages cannot drift apart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from fupin.accounts.tests.test_access_matrix import (
    HOUSEHOLD_KEYS,
    OPENS_COUNTY,
    SEES_CAMPAIGN,
    SEES_HOUSEHOLDS,
)
from fupin.api.tests.conftest import COUNTY, NEIGHBOUR_COUNTY, Problems, submission_body
from fupin.assessments.models import CountyResult, ProblemStep, Submission
from fupin.registry.models import Person
from fupin.testing.worlds import PERSONAS, World

# Every response of the walk is scanned for a full ID number (fupin.testing.worlds.id_scan).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("id_scan")]

Api = Callable[[str | None], APIClient]
PERSONA_NAMES = sorted(PERSONAS)

# Problems: of a campaign the persona sees, in a county it may open or on a household it sees.
EVALUATION_COUNTY = {"household", "other", "county"}
SEES_PROBLEMS: dict[str, set[str]] = {
    "enumerator": {"household"},  # its team's household; the county is not its region
    "expert": EVALUATION_COUNTY,
    "institution_admin": EVALUATION_COUNTY,
    "working_group": EVALUATION_COUNTY,
    "superuser": {"household", "other", "county", "neighbour"},
}
# County results: of a campaign the persona sees, for counties it may open.
SEES_RESULTS: dict[str, set[str]] = {
    "enumerator": set(),
    "expert": {COUNTY},
    "institution_admin": {COUNTY},
    "working_group": {COUNTY},
    "superuser": {COUNTY, NEIGHBOUR_COUNTY},
}


def _all(client: APIClient, url: str) -> list[dict[str, Any]]:
    response = client.get(url, {"page_size": 500})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None
    return list(body["results"])


def test_the_api_matrix_covers_every_persona() -> None:
    assert set(SEES_HOUSEHOLDS) == set(PERSONAS)
    assert set(SEES_PROBLEMS) == SEES_CAMPAIGN == set(SEES_RESULTS)


# --- households --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_household_list_holds_exactly_the_visible_households(
    api: Api, world: World, persona: str
) -> None:
    listed = {row["household_no"] for row in _all(api(persona), "/api/households/")}
    assert listed == {world.households[k].household_no for k in SEES_HOUSEHOLDS[persona]}


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_household_detail(api: Api, world: World, persona: str, key: str) -> None:
    h = world.households[key]
    response = api(persona).get(f"/api/households/{h.household_no}/")
    assert response.status_code == (200 if key in SEES_HOUSEHOLDS[persona] else 404)
    if response.status_code == 200:
        full = h.members.get().id_number
        assert full not in response.content.decode()
        assert (
            response.json()["members"][0]["id_number_masked"] == full[:6] + "********" + full[-4:]
        )


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_household_filters_never_widen_the_scope(
    api: Api, world: World, persona: str, key: str
) -> None:
    h = world.households[key]
    client = api(persona)
    for params in (
        {"village": h.village.code},
        {"region": h.village.code[:6]},
        {"region": h.village.code[:6] + "000000"},
        {"registered": "true"},
    ):
        listed = {
            r["household_no"] for r in client.get("/api/households/", params).json()["results"]
        }
        assert (h.household_no in listed) == (key in SEES_HOUSEHOLDS[persona]), params


# --- regions -----------------------------------------------------------------------------------


@pytest.mark.parametrize("county", [COUNTY, NEIGHBOUR_COUNTY])
@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_county_detail_and_its_counts(api: Api, world: World, persona: str, county: str) -> None:
    response = api(persona).get(f"/api/regions/{county}/")
    assert response.status_code == (200 if county in OPENS_COUNTY.get(persona, set()) else 404)
    if response.status_code == 200:
        counted = sum(
            1
            for k, h in world.households.items()
            if k in SEES_HOUSEHOLDS[persona] and h.village.code[:6] == county[:6]
        )
        assert response.json()["summary"]["households"] == counted


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_region_list(api: Api, world: World, persona: str) -> None:
    codes = {r["code"] for r in _all(api(persona), "/api/regions/")}
    for key in SEES_HOUSEHOLDS[persona]:
        assert world.households[key].village.code in codes
    for county in (COUNTY, NEIGHBOUR_COUNTY):
        assert (county in codes) == (county in OPENS_COUNTY.get(persona, set()))
    sees_neighbour = "neighbour_household" in SEES_HOUSEHOLDS[persona]
    assert any(c.startswith("621223") for c in codes) == sees_neighbour
    if not SEES_HOUSEHOLDS[persona]:
        assert codes == set()


# --- campaigns and results ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_campaign_list_and_detail(api: Api, world: World, persona: str) -> None:
    client = api(persona)
    listed = {c["id"] for c in _all(client, "/api/campaigns/")}
    assert listed == ({world.campaign.pk} if persona in SEES_CAMPAIGN else set())
    detail = client.get(f"/api/campaigns/{world.campaign.pk}/")
    assert detail.status_code == (200 if persona in SEES_CAMPAIGN else 404)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_county_results_only_for_counties_the_user_may_open(
    api: Api, world: World, results: list[CountyResult], persona: str
) -> None:
    response = api(persona).get(f"/api/campaigns/{world.campaign.pk}/results/")
    if persona not in SEES_CAMPAIGN:
        assert response.status_code == 404
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["county"] for r in rows} == SEES_RESULTS[persona]
    for r in rows:
        assert {"figure", "value", "ci_low", "ci_high", "threshold", "verdict", "clarity"} <= set(r)


# --- problems ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_problem_list_and_detail(api: Api, world: World, problems: Problems, persona: str) -> None:
    client = api(persona)
    sees = SEES_PROBLEMS.get(persona, set())
    listed = {p["id"] for p in _all(client, "/api/problems/")}
    assert listed == {p.pk for name, p in problems.by_name().items() if name in sees}
    for name, p in problems.by_name().items():
        assert client.get(f"/api/problems/{p.pk}/").status_code == (200 if name in sees else 404)


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_a_transition_on_a_problem_out_of_scope_is_404_and_changes_nothing(
    api: Api, world: World, problems: Problems, persona: str
) -> None:
    client = api(persona)
    sees = SEES_PROBLEMS.get(persona, set())
    for name, p in problems.by_name().items():
        response = client.post(
            f"/api/problems/{p.pk}/transition/", {"action": "initial_check", "opinion": "疑点成立"}
        )
        if name not in sees:
            assert response.status_code == 404, (name, response.content)
        else:  # visible: refused for the role (nobody here holds the enumerator role)
            assert response.status_code == 403, (name, response.content)
        p.refresh_from_db()
        assert p.status == "pending_initial"
    assert not ProblemStep.objects.exists()


# --- submissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_only_the_assigned_enumerator_may_submit_for_a_household(
    api: Api, world: World, persona: str, key: str
) -> None:
    h = world.households[key]
    response = api(persona).post(
        "/api/submissions/", submission_body(world, h.household_no), format="json"
    )
    allowed = persona == "enumerator" and key == "household"
    assert response.status_code == (201 if allowed else 403), response.content
    assert Submission.objects.count() == (1 if allowed else 0)


# --- guessed ids, anonymous, ID numbers --------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_guessed_ids_are_404(api: Api, world: World, persona: str) -> None:
    client = api(persona)
    for url in [
        "/api/households/6212231000019999/",
        "/api/households/x/",
        "/api/campaigns/999999/",
        "/api/campaigns/999999/results/",
        "/api/problems/999999/",
        "/api/households/%00/",
        "/api/regions/%00/",
        "/api/problems/abc/",
        "/api/regions/621223100099/",
        f"/api/campaigns/{2**70}/results/",
        f"/api/problems/{2**70}/",
    ]:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            "/api/problems/999999/transition/", {"action": "initial_check", "opinion": "x"}
        ).status_code
        == 404
    )
    assert client.get("/api/regions/621223100001/").status_code == (
        200 if "neighbour_household" in SEES_HOUSEHOLDS[persona] else 404
    )
    guessed = api(persona).post(
        "/api/submissions/", submission_body(world, "6212231000019999"), format="json"
    )
    assert guessed.status_code == 403
    # The enumerator is told the number is not in its assignment, as for a real household
    # of another county: nothing says whether it exists.
    expected = "6212231000019999" if persona == "enumerator" else "只有调查员"
    assert expected in guessed.json()["detail"]


def test_anonymous_gets_401_everywhere(world: World, problems: Problems) -> None:
    client = APIClient()
    h = world.household
    for url in [
        "/api/regions/",
        f"/api/regions/{COUNTY}/",
        "/api/households/",
        f"/api/households/{h.household_no}/",
        "/api/campaigns/",
        f"/api/campaigns/{world.campaign.pk}/",
        f"/api/campaigns/{world.campaign.pk}/results/",
        "/api/problems/",
        f"/api/problems/{problems.household.pk}/",
        "/api/households/6212231000019999/",
    ]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"] == "Token"
        assert set(response.json()) == {"detail"}
    for url, body in [
        (
            f"/api/problems/{problems.household.pk}/transition/",
            {"action": "initial_check", "opinion": "x"},
        ),
        ("/api/submissions/", submission_body(world)),
    ]:
        assert client.post(url, body, format="json").status_code == 401
    assert client.get("/api/households/", HTTP_AUTHORIZATION="Token nonsense").status_code == 401
    assert not Submission.objects.exists() and not ProblemStep.objects.exists()


def test_the_schema_is_open_to_anonymous(world: World) -> None:
    assert APIClient().get("/api/schema/").status_code == 200


def test_a_session_login_works_as_well_as_a_token(client: Any, world: World) -> None:
    client.force_login(world.users["county_officer"])
    listed = {r["household_no"] for r in client.get("/api/households/").json()["results"]}
    assert listed == {world.household.household_no, world.other_household.household_no}


@pytest.mark.parametrize("persona", PERSONA_NAMES)
def test_no_response_ever_holds_a_full_id_number(
    api: Api, world: World, problems: Problems, persona: str, id_scan: list[str]
) -> None:
    client = api(persona)
    urls = ["/api/households/?page_size=500", "/api/regions/?page_size=500", "/api/problems/"]
    urls += [f"/api/households/{h.household_no}/" for h in world.households.values()]
    urls += [f"/api/problems/{p.pk}/" for p in problems.by_name().values()]
    seen = "".join(client.get(u).content.decode() for u in urls)
    assert "/api/households/" in id_scan  # the token client's responses are scanned too
    for number in Person.objects.values_list("id_number", flat=True):
        assert number not in seen
        assert json.dumps(number) not in seen
