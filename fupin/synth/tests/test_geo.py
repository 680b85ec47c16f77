"""Village coordinates: deterministic from the seed, inside the county, and apart from other draws."""

from __future__ import annotations

import numpy as np

from fupin.synth import CountyBatch, SynthConfig, generate
from fupin.synth.geo import COUNTY_RADIUS, PROVINCE_BOXES, county_centre
from fupin.synth.plan import plan_counties
from fupin.synth.regions import make_villages
from fupin.synth.tests.conftest import Columns


def test_every_township_and_village_has_coordinates_inside_china(
    demo: Columns, mid: Columns
) -> None:
    for data in (demo, mid):
        lon, lat = data["regions"]["lon"].astype(float), data["regions"]["lat"].astype(float)
        assert np.isfinite(lon).all() and np.isfinite(lat).all()
        assert ((lon > 73.0) & (lon < 135.0)).all()
        assert ((lat > 18.0) & (lat < 54.0)).all()


def test_villages_lie_within_their_countys_disk(mid_batches: list[CountyBatch]) -> None:
    for batch in mid_batches:
        lon0, lat0 = county_centre(batch.county)
        west, east, south, north = PROVINCE_BOXES["甘肃省"]
        assert west <= lon0 <= east and south <= lat0 <= north
        regions = batch.regions
        lon = np.asarray(regions.column("lon").to_numpy(), float)
        lat = np.asarray(regions.column("lat").to_numpy(), float)
        dx = (lon - lon0) * np.cos(np.radians(lat0))
        assert (np.hypot(dx, lat - lat0) <= COUNTY_RADIUS + 1e-4).all()
        # Spread over the county, not piled on one point.
        assert lat.std() > COUNTY_RADIUS / 10


def test_same_seed_gives_the_same_coordinates_and_another_seed_moves_villages(
    demo_config: SynthConfig, demo_batches: list[CountyBatch]
) -> None:
    again = next(generate(demo_config))
    for column in ("lon", "lat"):
        assert again.regions.column(column).equals(demo_batches[0].regions.column(column))
    other = next(generate(demo_config.replace(seed=demo_config.seed + 1)))
    assert not other.regions.column("lat").equals(demo_batches[0].regions.column("lat"))


def test_coordinates_draw_from_their_own_stream(
    demo_config: SynthConfig, demo_batches: list[CountyBatch]
) -> None:
    """Another coordinate generator moves the villages and changes nothing else."""
    plan = plan_counties(demo_config)[0]
    rng = np.random.default_rng(np.random.SeedSequence(list(plan.seed)))
    villages = make_villages(plan, demo_config, rng, np.random.default_rng(12345))
    regions = demo_batches[0].regions
    assert villages.table.drop(["lon", "lat"]).equals(regions.drop(["lon", "lat"]))
    assert not villages.table.column("lat").equals(regions.column("lat"))
