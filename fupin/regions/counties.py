"""The 832 national poverty counties, read from the package data (pure: no Django).

The region loader (`fupin.regions.services`), the synthetic province (`fupin.synth`) and the
county draw (`fupin sample-counties`) all read the list through `read_counties`.
"""

from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path
from typing import NamedTuple

COUNTY_CSV = "poverty_counties_832.csv"


class CountyRow(NamedTuple):
    """One of the 832 national poverty counties (6-digit GB/T 2260 code)."""

    code: str
    name: str
    province: str
    city: str
    exit_year: int
    zone: str

    @property
    def region_code(self) -> str:
        """The county's 12-digit statistical region code."""
        return self.code + "000000"


def read_counties(
    path: Path | str | None = None, *, province: str | None = None
) -> list[CountyRow]:
    """County rows from a CSV with columns code,county,province,city,exit_year,zone.

    Without `path`, the package copy in `fupin/regions/data/` (see its README for provenance).
    """
    if path is None:
        text = resources.files("fupin.regions").joinpath("data", COUNTY_CSV).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    rows = [
        CountyRow(
            code=r["code"].strip(),
            name=r["county"].strip(),
            province=r["province"].strip(),
            city=r["city"].strip(),
            exit_year=int(r["exit_year"]),
            zone=r["zone"].strip(),
        )
        for r in csv.DictReader(io.StringIO(text))
    ]
    if province is not None:
        rows = [r for r in rows if r.province == province]
    return rows
