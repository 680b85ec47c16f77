"""Registry pages: login required, scoped reads, masked ID numbers, Chinese text."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from fupin.registry.services import household_record_event

pytestmark = pytest.mark.django_db

FULL_ID = "621126198001010019"


@pytest.fixture
def staff_client(client, province_officer):
    """Logged in as 甘肃省扶贫办 (is_staff alone no longer sees the registry)."""
    client.force_login(province_officer)
    return client


def test_pages_need_a_login(client, household):
    for url in ["/", "/regions/621126000000/", f"/households/{household.household_no}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("is_staff", [False, True])
def test_a_user_without_a_role_sees_no_household(client, household, is_staff):
    user = get_user_model().objects.create_user("nobody", password="pw-123456", is_staff=is_staff)
    client.force_login(user)
    assert client.get(f"/households/{household.household_no}/").status_code == 404
    assert client.get("/regions/621126000000/").status_code == 404


def test_home_lists_counties_with_data(staff_client, household):
    page = staff_client.get("/").content.decode()
    assert "岷县" in page and "建档立卡数据概览" in page


def test_region_page_counts_households_below_it(staff_client, household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    page = staff_client.get("/regions/621126100000/").content.decode()
    assert "东街村" in page
    assert "100.00%" in page  # one poor person out of one: incidence 1, as a percentage


def test_lists_and_household_pages_mask_id_numbers(staff_client, household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    for url in ["/regions/621126100001/households/", f"/households/{household.household_no}/"]:
        page = staff_client.get(url).content.decode()
        assert "621126********0019" in page
        assert FULL_ID not in page


def test_household_page_shows_history_and_audit(staff_client, household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    household_record_event(household=household, kind="exited", date=dt.date(2017, 11, 2), actor="t")
    page = staff_client.get(f"/households/{household.household_no}/").content.decode()
    assert "2014-09-01" in page and "2017-11-02" in page
    assert "脱贫状态历史" in page and "修改记录" in page


def test_list_filters_by_status(staff_client, household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    assert (
        household.household_no
        in staff_client.get("/regions/621126100001/households/?status=poor").content.decode()
    )
    assert (
        household.household_no
        not in staff_client.get("/regions/621126100001/households/?status=exited").content.decode()
    )


def test_household_page_explains_identification(staff_client, household):
    household.income_year = 2017
    household.income_per_capita = 2650
    household.housing_ok = False
    household.save()
    page = staff_client.get(f"/households/{household.household_no}/").content.decode()
    assert "符合贫困户识别标准" in page
    assert "2952" in page  # the 2017 national line named in the explanation
