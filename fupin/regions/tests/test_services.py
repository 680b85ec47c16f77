"""The 832-county list and the region tree built from it."""

from collections import Counter

import pytest

from fupin.regions.counties import read_counties
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_below, regions_load_poverty_counties


def test_package_data_matches_the_published_totals():
    counties = read_counties()
    assert len(counties) == 832
    assert len({c.code for c in counties}) == 832
    by_year = Counter(c.exit_year for c in counties)
    assert by_year == {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}
    zones_2018 = Counter(c.zone for c in counties if c.exit_year == 2018)
    assert zones_2018 == {"central": 114, "west": 169}
    assert len({c.province for c in counties}) == 22


def test_shuangbai_exits_in_2018():
    shuangbai = [c for c in read_counties() if c.name == "双柏县"]
    assert [c.exit_year for c in shuangbai] == [2018]


@pytest.mark.django_db
def test_loading_builds_a_three_level_tree_with_12_digit_codes():
    assert regions_load_poverty_counties() == 832
    assert Region.objects.filter(level=Level.COUNTY, is_poor_county=True).count() == 832
    assert Region.objects.filter(level=Level.PROVINCE).count() == 22
    for region in Region.objects.all():
        assert len(region.code) == 12 and region.code.isdigit()
        if region.parent is not None:
            assert region.code.startswith(region.parent.prefix)
    gansu = Region.objects.get(level=Level.PROVINCE, name="甘肃省")
    assert gansu.code == "620000000000"
    assert gansu.zone == "west"
    assert regions_below(gansu).filter(level=Level.COUNTY).count() == 58


@pytest.mark.django_db
def test_loading_twice_changes_nothing():
    regions_load_poverty_counties(provinces={"甘肃省"})
    before = Region.objects.count()
    regions_load_poverty_counties(provinces={"甘肃省"})
    assert Region.objects.count() == before


def test_no_county_code_is_a_prefecture_code():
    # A 6-digit code ending in 00 names a prefecture, not a county (GB/T 2260).
    assert [c.code for c in read_counties() if c.code.endswith("00")] == []
