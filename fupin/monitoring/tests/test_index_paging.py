"""/monitoring/: counties with registry data first, searchable by name or code, fifty to a page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _counties(page: str) -> list[str]:
    return re.findall(r'<a href="/monitoring/regions/(\d{12})/">', page)


def test_the_county_with_data_comes_first_and_the_rest_are_paged(client, world):
    client.force_login(world.users["superuser"])
    first = client.get("/monitoring/").content.decode()
    codes = _counties(first)
    assert codes[0] in {"621126000000", "621223000000"}  # 岷县 and 宕昌县 hold households
    assert len(set(codes)) == 50  # Gansu's 58 poverty counties do not fit on one page
    assert "第 1 / 2 页" in first and 'href="?page=2"' in first
    second = _counties(client.get("/monitoring/?page=2").content.decode())
    assert second and not set(second) & set(codes)


def test_a_search_by_name_finds_the_county(client, world):
    client.force_login(world.users["province_officer"])
    page = client.get("/monitoring/?q=宕昌").content.decode()
    assert set(_counties(page)) == {"621223000000"}
    assert "没有名称或代码含" in client.get("/monitoring/?q=不存在的县").content.decode()


def test_the_region_dashboard_links_to_monitoring(client, world):
    client.force_login(world.users["county_officer"])
    page = client.get("/regions/621126000000/").content.decode()
    assert 'href="/monitoring/regions/621126000000/"' in page
