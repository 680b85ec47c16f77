"""Poverty lines as data: the national line by year, each with its source, and the monitoring range."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from fupin.policy import _rows
from fupin.policy._text import yuan
from fupin.policy.errors import NotInTable, PolicyTableError, StandardNotInForce


class IncomeMeasure(StrEnum):
    """Which per-capita income a year's line is compared with (DOMAIN §2: one field, both names)."""

    NET = "net"
    DISPOSABLE = "disposable"

    @property
    def label(self) -> str:
        return {"net": "人均纯收入", "disposable": "人均可支配收入"}[self.value]


@dataclass(frozen=True, slots=True)
class PovertyLine:
    """One row of the national line (国家扶贫标准): yuan per person per year at that year's prices."""

    year: int
    yuan: float
    source: str
    income_measure: IncomeMeasure = IncomeMeasure.NET
    approximate: bool = False

    def __post_init__(self) -> None:
        if not 1949 <= self.year <= 2100:
            raise PolicyTableError(f"poverty line year {self.year} is not plausible")
        if not self.yuan > 0:
            raise PolicyTableError(
                f"poverty line for {self.year} must be positive, got {self.yuan}"
            )
        if not self.source.strip():
            raise PolicyTableError(f"poverty line for {self.year} needs a source")
        object.__setattr__(self, "income_measure", IncomeMeasure(self.income_measure))

    @property
    def label(self) -> str:
        """`2017 年国家扶贫标准 2952 元` (with 约 when the published figure is approximate)."""
        about = "约 " if self.approximate else ""
        return f"{self.year} 年国家扶贫标准 {about}{yuan(self.yuan)} 元"


_NBS = "国家统计局农村贫困监测（《中国农村贫困监测报告》）"

DEFAULT_LINE_ROWS: tuple[PovertyLine, ...] = (
    PovertyLine(
        2010,
        2300,
        "2011 年中央扶贫开发工作会议确定的国家扶贫标准：农民人均纯收入 2300 元（2010 年不变价）",
    ),
    PovertyLine(2011, 2536, f"{_NBS}：2300 元（2010 年不变价）标准按 2011 年现价为 2536 元"),
    PovertyLine(2012, 2625, f"{_NBS}：2300 元（2010 年不变价）标准按 2012 年现价为 2625 元"),
    PovertyLine(2013, 2736, f"{_NBS}：2300 元（2010 年不变价）标准按 2013 年现价为 2736 元"),
    # From 2014 the integrated household survey measures disposable income (DOMAIN §2).
    PovertyLine(
        2014,
        2800,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2014 年现价为 2800 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2015,
        2855,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2015 年现价为 2855 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2016,
        2952,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2016 年现价为 2952 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2017,
        2952,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2017 年现价为 2952 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2018,
        2995,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2018 年现价为 2995 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2019,
        3218,
        f"{_NBS}：2300 元（2010 年不变价）标准按 2019 年现价为 3218 元",
        IncomeMeasure.DISPOSABLE,
    ),
    PovertyLine(
        2020,
        4000,
        "约 4000 元：国务院扶贫办 2020 年的表述（现行标准按 2020 年现价约为 4000 元，为约数）",
        IncomeMeasure.DISPOSABLE,
        approximate=True,
    ),
)


@dataclass(frozen=True)
class PovertyLineTable:
    """The national line by year; pass a different table to override (the database keeps copies)."""

    rows: tuple[PovertyLine, ...]
    _by_year: dict[int, PovertyLine] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rows = tuple(sorted(self.rows, key=lambda r: r.year))
        if not rows:
            raise PolicyTableError("a poverty line table needs at least one year")
        by_year: dict[int, PovertyLine] = {}
        for row in rows:
            if row.year in by_year:
                raise PolicyTableError(f"poverty line table has two rows for {row.year}")
            by_year[row.year] = row
        object.__setattr__(self, "rows", rows)
        object.__setattr__(self, "_by_year", by_year)

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(self._by_year)

    def line(self, year: int) -> PovertyLine:
        """The row for `year`; a year the table does not cover is an error, never a guess."""
        try:
            return self._by_year[int(year)]
        except KeyError:
            raise NotInTable(
                f"no national poverty line for {year}: the table covers {_span(self.years)}"
            ) from None

    def yuan(self, year: int) -> float:
        return float(self.line(year).yuan)

    def yuan_for(self, years: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The line for each element of `years` (same lookup as `line`, for bulk use)."""
        arr = np.asarray(years)
        if arr.dtype.kind == "f" and np.all(np.mod(arr, 1) == 0):
            arr = arr.astype(np.int64)
        if arr.dtype.kind not in "iu":
            raise PolicyTableError(f"years must be whole numbers, got dtype {arr.dtype}")
        return by_year(arr, self.yuan, np.float64)

    def replaced(self, *rows: PovertyLine) -> PovertyLineTable:
        """A copy with `rows` replacing (or adding) the rows of their years."""
        merged = dict(self._by_year)
        merged.update((r.year, r) for r in rows)
        return PovertyLineTable(tuple(merged.values()))

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> PovertyLineTable:
        """Build from plain rows: year, yuan, source, optional income_measure and approximate."""
        out = []
        for i, row in enumerate(rows, start=1):
            where = f"poverty line row {i}"
            measure = _rows.get_optional_str(row, "income_measure", IncomeMeasure.NET.value)
            try:
                income_measure = IncomeMeasure(measure)
            except ValueError:
                raise PolicyTableError(
                    f"{where}: income_measure must be one of "
                    f"{', '.join(m.value for m in IncomeMeasure)}, got {measure!r}"
                ) from None
            out.append(
                PovertyLine(
                    year=_rows.get_int(row, "year", where),
                    yuan=_rows.get_float(row, "yuan", where),
                    source=_rows.get_str(row, "source", where),
                    income_measure=income_measure,
                    approximate=_rows.get_bool(row, "approximate", where, default=False),
                )
            )
        return cls(tuple(out))

    def as_rows(self) -> list[dict[str, object]]:
        """Plain rows that `from_rows` reads back (to seed the database's editable copy)."""
        return [
            {
                "year": r.year,
                "yuan": r.yuan,
                "source": r.source,
                "income_measure": r.income_measure.value,
                "approximate": r.approximate,
            }
            for r in self.rows
        ]


DEFAULT_LINES = PovertyLineTable(DEFAULT_LINE_ROWS)


@dataclass(frozen=True, slots=True)
class MonitoringRange:
    """An explicit income limit of the return-to-poverty monitoring range (监测范围) for a year."""

    year: int
    income_below: float
    source: str

    def __post_init__(self) -> None:
        if not self.income_below > 0:
            raise PolicyTableError(f"monitoring range for {self.year} must be positive")
        if not self.source.strip():
            raise PolicyTableError(f"monitoring range for {self.year} needs a source")


@dataclass(frozen=True)
class MonitoringPolicy:
    """Who falls in the monitoring range (DOMAIN §8); every number here is configurable.

    A year without an explicit range uses `line_multiple` times that year's national line.
    `income_fall_share` has no national figure, so it is off (None) unless a province sets it.
    """

    ranges: tuple[MonitoringRange, ...] = ()
    line_multiple: float = 1.5
    rigid_spending_share: float = 1.0
    income_fall_share: float | None = None
    first_year: int = 2020
    source: str = (
        "《关于建立防止返贫监测和帮扶机制的指导意见》（国务院扶贫开发领导小组，2020）："
        "以人均可支配收入低于国家扶贫标准 1.5 倍左右为底线，各省自定监测标准"
    )

    def __post_init__(self) -> None:
        years = [r.year for r in self.ranges]
        if len(set(years)) != len(years):
            raise PolicyTableError("monitoring policy has two ranges for one year")
        if not self.line_multiple > 0 or not self.rigid_spending_share > 0:
            raise PolicyTableError("monitoring multiples must be positive")
        if self.income_fall_share is not None and not 0 < self.income_fall_share < 1:
            raise PolicyTableError("income_fall_share must be between 0 and 1")

    def income_limit(self, year: int, lines: PovertyLineTable = DEFAULT_LINES) -> tuple[float, str]:
        """The income below which a household is in range in `year`, and how it was set."""
        if year < self.first_year:
            raise StandardNotInForce(
                f"return-to-poverty monitoring starts in {self.first_year}, not {year}"
            )
        for r in self.ranges:
            if r.year == year:
                return float(r.income_below), f"{year} 年防止返贫监测范围 {yuan(r.income_below)} 元"
        try:
            line = lines.line(year)
        except NotInTable:
            raise NotInTable(
                f"no monitoring range for {year}: no explicit range "
                f"(have {_span(tuple(r.year for r in self.ranges)) or 'none'}) "
                f"and no national line to multiply ({_span(lines.years)})"
            ) from None
        limit = self.line_multiple * float(line.yuan)
        return limit, (
            f"{year} 年防止返贫监测范围 {yuan(limit)} 元"
            f"（{line.label} 的 {self.line_multiple:g} 倍）"
        )

    @classmethod
    def from_rows(
        cls,
        ranges: Iterable[Mapping[str, object]],
        *,
        line_multiple: float = 1.5,
        rigid_spending_share: float = 1.0,
        income_fall_share: float | None = None,
        first_year: int = 2020,
    ) -> MonitoringPolicy:
        """Ranges from plain rows (year, income_below, source); the other settings as keywords."""
        out = []
        for i, row in enumerate(ranges, start=1):
            where = f"monitoring range row {i}"
            out.append(
                MonitoringRange(
                    year=_rows.get_int(row, "year", where),
                    income_below=_rows.get_float(row, "income_below", where),
                    source=_rows.get_str(row, "source", where),
                )
            )
        return cls(
            tuple(out),
            line_multiple=line_multiple,
            rigid_spending_share=rigid_spending_share,
            income_fall_share=income_fall_share,
            first_year=first_year,
        )


DEFAULT_MONITORING = MonitoringPolicy(
    ranges=(
        MonitoringRange(
            2021,
            6000,
            "《关于健全防止返贫动态监测和帮扶机制的指导意见》（2021）：2021 年监测范围为"
            "人均纯收入 6000 元左右（约为脱贫标准的 1.5 倍），此后各省按年调整",
        ),
    )
)


def by_year(
    years: npt.NDArray[np.integer], fn: Callable[[int], Any], dtype: Any
) -> npt.NDArray[Any]:
    """`fn` of each element of the whole-number array `years`, calling `fn` once per distinct year.

    Years span a few decades, so a table indexed by year replaces sorting millions of them; an
    implausibly wide span falls back to `np.unique`."""
    if years.size == 0:
        return np.zeros(years.shape, dtype)
    first = int(years.min())
    if int(years.max()) - first > 10_000:
        unique, inverse = np.unique(years, return_inverse=True)
        found = np.array([fn(int(y)) for y in unique], dtype=dtype)
        return found[inverse].reshape(years.shape)
    offsets = (years - first).astype(np.int64)
    present = np.zeros(int(offsets.max()) + 1, bool)
    present[offsets.ravel()] = True
    values = np.zeros(len(present), dtype)
    for offset in np.flatnonzero(present):
        values[offset] = fn(first + int(offset))
    out: npt.NDArray[Any] = np.asarray(values[offsets])
    return out


def _span(years: tuple[int, ...]) -> str:
    if not years:
        return ""
    contiguous = list(years) == list(range(years[0], years[-1] + 1))
    if contiguous:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)
