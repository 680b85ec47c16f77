"""Plausible map coordinates for synthetic townships and villages (no real boundaries offline).

Each county gets a fixed centre inside a rough box of its province, chosen from the county code
alone, so a county sits in the same place whatever the seed. Townships scatter around that centre
and villages cluster around their township, all within `COUNTY_RADIUS` degrees of latitude. The
random numbers come from a generator of their own, so no other generated value depends on them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fupin.regions.counties import CountyRow

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# (west, east, south, north) in degrees: boxes drawn inside the areas where each province's
# poverty counties lie, so that a county's centre falls within the province.
PROVINCE_BOXES: dict[str, tuple[float, float, float, float]] = {
    "河北省": (114.0, 118.0, 37.0, 41.5),
    "山西省": (111.0, 113.8, 35.5, 39.8),
    "内蒙古自治区": (108.0, 122.0, 41.5, 45.0),
    "吉林省": (123.0, 129.0, 42.5, 45.0),
    "黑龙江省": (124.5, 131.5, 45.5, 48.0),
    "安徽省": (115.5, 118.0, 30.5, 33.5),
    "江西省": (114.5, 117.0, 25.5, 28.5),
    "河南省": (111.5, 115.5, 32.5, 35.0),
    "湖北省": (109.5, 115.0, 30.0, 32.0),
    "湖南省": (109.5, 113.5, 25.5, 29.5),
    "广西壮族自治区": (105.8, 110.5, 22.8, 25.5),
    "海南省": (109.0, 110.3, 18.7, 19.7),
    "重庆市": (106.5, 109.0, 28.8, 31.0),
    "四川省": (101.0, 106.5, 27.0, 32.0),
    "贵州省": (104.5, 108.8, 25.2, 28.3),
    "云南省": (99.0, 104.0, 22.5, 27.0),
    "西藏自治区": (80.0, 96.0, 28.8, 32.0),
    "陕西省": (106.8, 110.0, 32.5, 38.3),
    "甘肃省": (102.5, 106.8, 33.8, 36.8),
    "青海省": (96.0, 102.0, 33.5, 36.8),
    "宁夏回族自治区": (105.6, 106.7, 35.6, 37.3),
    "新疆维吾尔自治区": (76.0, 88.0, 37.0, 41.5),
}
# Mainland China's rough extent, for a county of a province without a box.
CHINA_BOX = (100.0, 115.0, 25.0, 40.0)
COUNTY_RADIUS = 0.22  # degrees of latitude, about 25 km: a mid-size county
GEO_TAG = 0x6E0  # separates the county-centre stream from every other use of a county code


@dataclass(frozen=True)
class Coordinates:
    """Longitude and latitude of a county's townships and villages, in degrees."""

    township_lon: FloatArray
    township_lat: FloatArray
    village_lon: FloatArray
    village_lat: FloatArray


def geo_generator(county_seed: tuple[int, int]) -> np.random.Generator:
    """The coordinates' own stream: the first child of the county's seed, which the other
    generated values never use, so adding coordinates left them unchanged."""
    return np.random.default_rng(np.random.SeedSequence(list(county_seed)).spawn(1)[0])


def county_centre(county: CountyRow) -> tuple[float, float]:
    """A fixed (lon, lat) inside the county's province box, from the county code alone."""
    rng = np.random.default_rng(np.random.SeedSequence([GEO_TAG, int(county.code)]))
    west, east, south, north = PROVINCE_BOXES.get(county.province, CHINA_BOX)
    u = rng.random(2)
    return float(west + u[0] * (east - west)), float(south + u[1] * (north - south))


def _in_disk(rng: np.random.Generator, n: int, radius: float) -> tuple[FloatArray, FloatArray]:
    r = radius * np.sqrt(rng.random(n))
    theta = rng.random(n) * 2 * np.pi
    return r * np.cos(theta), r * np.sin(theta)


def place(
    county: CountyRow, township_of: IntArray, n_townships: int, rng: np.random.Generator
) -> Coordinates:
    """Township centres scattered over the county and villages clustered around them."""
    lon0, lat0 = county_centre(county)
    tx, ty = _in_disk(rng, n_townships, 0.65 * COUNTY_RADIUS)
    n = len(township_of)
    vx = tx[township_of] + rng.normal(0.0, 0.12 * COUNTY_RADIUS, n)
    vy = ty[township_of] + rng.normal(0.0, 0.12 * COUNTY_RADIUS, n)
    # Pull stray villages back inside the county's disk.
    dist = np.hypot(vx, vy)
    shrink = np.where(dist > COUNTY_RADIUS, COUNTY_RADIUS / np.maximum(dist, 1e-12), 1.0)
    vx, vy = vx * shrink, vy * shrink
    # A degree of longitude is shorter away from the equator: widen x so the county stays round.
    stretch = 1.0 / np.cos(np.radians(lat0))
    return Coordinates(
        township_lon=np.round(lon0 + tx * stretch, 5),
        township_lat=np.round(lat0 + ty, 5),
        village_lon=np.round(lon0 + vx * stretch, 5),
        village_lat=np.round(lat0 + vy, 5),
    )
