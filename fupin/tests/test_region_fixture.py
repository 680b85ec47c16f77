"""The shared fixtures' Gansu regions (fupin/testing/regions.py) are the loader's rows exactly."""

import pytest

from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.testing.regions import regions_load_for_tests

pytestmark = pytest.mark.django_db


def _rows() -> list[tuple]:
    """Every region, in insertion order, with its parent's code instead of ids."""
    return [
        (
            r.code,
            r.name,
            r.level,
            r.parent.code if r.parent else None,
            r.zone,
            r.is_poor_county,
            r.exit_year,
            r.is_poor_village,
            r.deeply_poor,
            r.lon,
            r.lat,
        )
        for r in Region.objects.select_related("parent").order_by("id")
    ]


def _empty() -> None:
    for level in (Level.COUNTY, Level.CITY, Level.PROVINCE):  # children first (PROTECT)
        Region.objects.filter(level=level).delete()
    assert not Region.objects.exists()


def test_the_recorded_regions_are_what_the_loader_writes():
    regions_load_poverty_counties(provinces={"甘肃省"})
    loader = _rows()
    _empty()
    regions_load_for_tests(provinces={"甘肃省"})  # recorded now, or replayed if recorded before
    first = _rows()
    _empty()
    regions_load_for_tests(provinces={"甘肃省"})  # replayed
    assert first == loader
    assert _rows() == loader
    assert len(loader) > 50 and loader[0][2] == Level.PROVINCE


def test_over_other_regions_the_loader_merges_as_before():
    regions_load_poverty_counties(provinces={"四川省"})
    regions_load_for_tests(provinces={"甘肃省"})
    assert Region.objects.filter(code="621126000000", is_poor_county=True).exists()
    assert Region.objects.filter(code__startswith="51", level=Level.PROVINCE).count() == 1
