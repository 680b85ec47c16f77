"""Operations on the region tree: loading the 832 poverty counties, walking the tree."""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from fupin.regions.counties import read_counties
from fupin.regions.models import Level, Region


@transaction.atomic
def regions_load_poverty_counties(*, provinces: set[str] | None = None) -> int:
    """Create (or update) provinces, cities and counties from the 832 list; returns counties loaded.

    `provinces` limits the load to some province names (e.g. {"甘肃省"}); None loads all 22.
    """
    counties = [c for c in read_counties() if provinces is None or c.province in provinces]
    existing = {r.code: r for r in Region.objects.filter(level__in=[Level.PROVINCE, Level.CITY])}
    made = 0
    for c in counties:
        p_code = c.code[:2] + "0" * 10
        province = existing.get(p_code)
        if province is None:
            province = Region.objects.create(
                code=p_code, name=c.province, level=Level.PROVINCE, zone=c.zone
            )
            existing[p_code] = province
        ct_code = c.code[:4] + "0" * 8
        city = existing.get(ct_code)
        if city is None:
            city = Region.objects.create(
                code=ct_code, name=c.city, level=Level.CITY, parent=province, zone=c.zone
            )
            existing[ct_code] = city
        Region.objects.update_or_create(
            code=c.region_code,
            defaults={
                "name": c.name,
                "level": Level.COUNTY,
                "parent": city,
                "zone": c.zone,
                "is_poor_county": True,
                "exit_year": c.exit_year,
            },
        )
        made += 1
    return made


def regions_below(region: Region) -> QuerySet[Region]:
    """The region itself and everything under it, by code prefix (one indexed query)."""
    return Region.objects.filter(code__startswith=region.prefix)
