"""The dead ends of issue #21, each checked where it was found."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.regions.templatetags.fupin_numbers import number_text, percent_text

pytestmark = pytest.mark.django_db


def test_rates_are_percentages_and_counts_have_no_needless_decimals():
    assert percent_text(0.0071) == "0.71%"
    assert percent_text("0.0122") == "1.22%"
    assert percent_text(None) == "—"
    assert number_text("5.00") == "5"
    assert number_text(1234.5) == "1,234.5"
    assert number_text(0) == "0"
    assert number_text(None) == "—"


def test_the_region_card_shows_the_incidence_as_a_percentage(client, world):
    client.force_login(world.users["county_officer"])
    page = client.get("/regions/621126000000/").content.decode()
    assert (
        "%" in page.split("贫困发生率（未脱贫人口/农村人口）")[0].rsplit('<div class="card">', 1)[1]
    )


def test_a_cadres_share_is_not_labelled_as_the_villages_incidence(client, world):
    client.force_login(world.users["cadre"])
    home = client.get("/").content.decode()
    assert "贫困发生率（所见农户）" in home and "不是该村（乡、县）的贫困发生率" in home
    village = client.get(f"/regions/{world.household.village.code}/").content.decode()
    assert "所见农户中未脱贫人口占比" in village
    assert "贫困发生率（未脱贫人口/农村人口）" not in village


def test_a_user_without_data_reads_a_message_for_a_user(client, world):
    client.force_login(world.users["nobody"])
    home = client.get("/").content.decode()
    assert "fupin synth" not in home and "fupin import" not in home
    assert "请联系本级扶贫办" in home
    assert "fupin demo" not in client.get("/assessments/").content.decode()


def test_offices_see_their_regions_pairings_from_the_help_menu(client, world):
    for name in ("county_officer", "township_officer"):
        client.force_login(world.users[name])
        page = client.get("/assistance/").content.decode()
        assert "本辖区的双到帮扶" in page and "/assistance/regions/" in page, name
        assert "没有结对帮扶户" not in page
    other = get_user_model().objects.create_user("lintan", password=None)
    membership_grant(user=other, role=Role.COUNTY_OFFICE, region="621223000000")
    client.force_login(other)
    page = client.get("/assistance/").content.decode()
    assert "/assistance/regions/621223000000/" in page
    assert "/assistance/regions/621126000000/" not in page  # scoped: not the neighbour's


def test_only_the_superuser_gets_the_admin_link(client, world):
    client.force_login(world.users["superuser"])
    assert 'href="/admin/"' in client.get("/").content.decode()
    client.force_login(world.users["county_officer"])
    assert 'href="/admin/"' not in client.get("/").content.decode()


def test_the_field_page_links_back_to_the_platform(client, world):
    client.force_login(world.users["enumerator"])
    page = client.get("/field/").content.decode()
    assert 'href="/"' in page and "平台首页" in page


def test_the_favicon_is_served_and_linked(client, world):
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"].endswith("favicon.ico")
    client.force_login(world.users["county_officer"])
    assert 'rel="icon"' in client.get("/").content.decode()


def test_other_causes_are_shown_by_their_chinese_names(client, world):
    from fupin.registry.models import Cause

    world.household.other_causes = "water,transport"
    world.household.save(update_fields=["other_causes"])
    client.force_login(world.users["county_officer"])
    page = client.get(f"/households/{world.household.household_no}/").content.decode()
    assert f"{Cause('water').label}、{Cause('transport').label}" in page
    assert "water" not in page.split("其他致贫原因")[1][:200]
