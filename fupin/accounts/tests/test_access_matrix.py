"""Role × resource × action: every persona sees exactly its own households, regions and campaigns.

Export (`fupin export`, CLI only, no web user) and the REST API (not built yet) are not web
resources a persona can reach today; they join this matrix when they get pages or endpoints.
"""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.workflows import CampaignStatus
from fupin.testing.worlds import PERSONAS, World

# Every page of the walk is scanned for a full ID number outside the full-ID view, over a world
# whose audit trail holds rows of the shape that once leaked (fupin.testing.worlds.id_scan).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("id_scan")]

ALL = {"household", "other_household", "neighbour_household"}
SEES_HOUSEHOLDS: dict[str, set[str]] = {
    "county_officer": {"household", "other_household"},
    "neighbour_officer": {"neighbour_household"},
    "township_officer": {"household"},
    "province_officer": ALL,
    "cadre": {"household"},
    "enumerator": {"household"},
    "expert": {"household"},  # the sampled household of the assigned county, not the whole county
    "institution_admin": {"household"},
    "working_group": {"household", "other_household"},  # every household of the assessed county
    "superuser": ALL,
    "staff_only": set(),
    "nobody": set(),
}
OPENS_COUNTY: dict[str, set[str]] = {
    "county_officer": {"621126000000"},
    "neighbour_officer": {"621223000000"},
    "province_officer": {"621126000000", "621223000000"},
    "expert": {"621126000000"},
    "institution_admin": {"621126000000"},
    "working_group": {"621126000000"},
    "superuser": {"621126000000", "621223000000"},
}
SEES_CAMPAIGN = {"enumerator", "expert", "institution_admin", "working_group", "superuser"}
# Once results are out, offices whose region holds an assessed county (岷县) see the campaign too.
OFFICES = {"county_officer", "neighbour_officer", "township_officer", "province_officer"}
SEES_DECIDED_CAMPAIGN = {"county_officer", "province_officer"}
RESULT_STATUSES = [CampaignStatus.DECIDED, CampaignStatus.FEEDBACK, CampaignStatus.CLOSED]
EVALUATORS = {"enumerator", "expert", "institution_admin"}
# May see full ID numbers of these households (county and township offices, own region).
FULL_ID: dict[str, set[str]] = {
    "county_officer": {"household", "other_household"},
    "neighbour_officer": {"neighbour_household"},
    "township_officer": {"household"},
}
HOUSEHOLD_KEYS = sorted(ALL)


def test_the_matrix_covers_every_persona() -> None:
    assert set(SEES_HOUSEHOLDS) == set(PERSONAS)


def _login(client: Any, world: World, persona: str) -> Any:
    client.force_login(world.users[persona])
    return client


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_household_detail(client: Any, world: World, persona: str, key: str) -> None:
    h = world.households[key]
    response = _login(client, world, persona).get(f"/households/{h.household_no}/")
    assert response.status_code == (200 if key in SEES_HOUSEHOLDS[persona] else 404)
    if response.status_code == 200:
        page = response.content.decode()
        full = h.members.get().id_number
        assert full not in page and full[:6] + "********" + full[-4:] in page


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_household_list_of_its_village(client: Any, world: World, persona: str, key: str) -> None:
    h = world.households[key]
    response = _login(client, world, persona).get(f"/regions/{h.village.code}/households/")
    if key in SEES_HOUSEHOLDS[persona]:
        assert response.status_code == 200
        assert h.household_no in response.content.decode()
    else:
        assert response.status_code == 404 or h.household_no not in response.content.decode()


@pytest.mark.parametrize("county", ["621126000000", "621223000000"])
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_county_page_and_county_household_list(
    client: Any, world: World, persona: str, county: str
) -> None:
    _login(client, world, persona)
    expected = 200 if county in OPENS_COUNTY.get(persona, set()) else 404
    assert client.get(f"/regions/{county}/").status_code == expected
    listing = client.get(f"/regions/{county}/households/")
    assert listing.status_code == expected
    if expected == 200:
        page = listing.content.decode()
        for key, h in world.households.items():
            assert (h.household_no in page) == (
                key in SEES_HOUSEHOLDS[persona] and h.village.code.startswith(county[:6])
            )


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_home_lists_only_counties_with_visible_households(
    client: Any, world: World, persona: str
) -> None:
    page = _login(client, world, persona).get("/").content.decode()
    sees = SEES_HOUSEHOLDS[persona]
    for key, h in world.households.items():
        code = h.village.code
        linked = any(
            f'href="/regions/{c}/"' in page for c in (code[:6] + "000000", code[:9] + "000", code)
        )
        if key in sees:
            assert linked, key
    assert ("宕昌县" in page) == ("neighbour_household" in sees)
    assert ('href="/regions/621223' in page) == ("neighbour_household" in sees)
    assert ('href="/regions/621126' in page) == bool(sees & {"household", "other_household"})


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_campaign_pages(client: Any, world: World, persona: str) -> None:
    _login(client, world, persona)
    detail = client.get(f"/assessments/{world.campaign.pk}/")
    assert detail.status_code == (200 if persona in SEES_CAMPAIGN else 404)
    listed = world.campaign.name in client.get("/assessments/").content.decode()
    assert listed == (persona in SEES_CAMPAIGN)


@pytest.mark.parametrize(
    "status",
    [
        *RESULT_STATUSES,
        CampaignStatus.FIELDWORK,
        CampaignStatus.VERIFICATION,
        CampaignStatus.SAMPLING,
    ],
)
@pytest.mark.parametrize("persona", sorted(OFFICES))
def test_offices_see_campaigns_of_their_region_only_once_decided(
    client: Any, world: World, persona: str, status: str
) -> None:
    type(world.campaign).objects.filter(pk=world.campaign.pk).update(status=status)
    _login(client, world, persona)
    sees = persona in SEES_DECIDED_CAMPAIGN and status in RESULT_STATUSES
    assert client.get(f"/assessments/{world.campaign.pk}/").status_code == (200 if sees else 404)
    assert (world.campaign.name in client.get("/assessments/").content.decode()) == sees
    results = client.get(f"/assessments/{world.campaign.pk}/counties/621126000000/")
    assert results.status_code == (200 if sees else 404)
    assert client.get(f"/assessments/{world.campaign.pk}/counties/621223000000/").status_code == 404


@pytest.mark.parametrize("key", HOUSEHOLD_KEYS)
@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_full_id_page(client: Any, world: World, persona: str, key: str) -> None:
    """Not visible: 404 (a guessed id says nothing); visible without the right: 403; else 200."""
    h = world.households[key]
    person = h.members.get()
    url = f"/households/{h.household_no}/id/{person.pk}/"
    _login(client, world, persona)
    if key not in SEES_HOUSEHOLDS[persona]:
        expected = 404
    elif key in FULL_ID.get(persona, set()):
        expected = 200
    else:
        expected = 403
    assert client.get(url).status_code == expected
    response = client.post(url)
    assert response.status_code == expected
    assert (person.id_number in response.content.decode()) == (expected == 200)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_guessed_urls_into_another_county_are_404(client: Any, world: World, persona: str) -> None:
    """Mixing one household's number with another's person, or inventing numbers, finds nothing."""
    _login(client, world, persona)
    own, far = world.household, world.neighbour_household
    far_person = far.members.get()
    assert client.get(f"/households/{own.household_no}/id/{far_person.pk}/").status_code == 404
    assert client.post(f"/households/{own.household_no}/id/{far_person.pk}/").status_code == 404
    assert client.get("/households/6212231000019999/").status_code == 404
    assert client.get("/households/6211261000010001/id/999999/").status_code == 404
    assert client.get("/regions/621223100001/").status_code == (
        200 if "neighbour_household" in SEES_HOUSEHOLDS[persona] else 404
    )
    assert client.get("/assessments/999999/").status_code == 404


@pytest.mark.parametrize("status", [CampaignStatus.DECIDED, CampaignStatus.SAMPLING])
@pytest.mark.parametrize("persona", sorted(EVALUATORS | {"working_group"}))
def test_evaluators_see_nothing_outside_fieldwork_and_verification(
    client: Any, world: World, persona: str, status: str
) -> None:
    type(world.campaign).objects.filter(pk=world.campaign.pk).update(status=status)
    _login(client, world, persona)
    still = persona == "working_group"
    assert client.get(f"/households/{world.household.household_no}/").status_code == (
        200 if still else 404
    )
    assert client.get(f"/assessments/{world.campaign.pk}/").status_code == (200 if still else 404)
    assert client.get("/regions/621126000000/").status_code == (200 if still else 404)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_audit_trail_shows_rows_of_visible_households_only(
    client: Any, world: World, persona: str, id_scan: list[str]
) -> None:
    _login(client, world, persona)
    for query in ["", "?action=import", "?action=update"]:
        response = client.get(f"/audit/{query}")
        assert response.status_code == 200
        shown = {r["entry"].household_id for r in response.context["rows"]}
        visible = {world.households[k].pk for k in SEES_HOUSEHOLDS[persona]}
        assert shown - {None} <= visible
        if query and visible:  # the rows that once leaked are there, and shown masked
            assert shown - {None} == visible
    assert id_scan[-1] == "/audit/"


def test_anonymous_gets_the_login_page_everywhere(client: Any, world: World) -> None:
    person = world.household.members.get()
    for url in [
        "/",
        "/regions/621126000000/",
        "/regions/621126100001/households/",
        f"/households/{world.household.household_no}/",
        f"/households/{world.household.household_no}/id/{person.pk}/",
        "/assessments/",
        f"/assessments/{world.campaign.pk}/",
        f"/assessments/{world.campaign.pk}/review/initial/",
        f"/assessments/{world.campaign.pk}/counties/621126000000/",
        f"/assessments/{world.campaign.pk}/feedback/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
