"""Zones (central / west) of the 22 provinces and the pass-or-fail thresholds that depend on them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from fupin.policy import _rows
from fupin.policy._text import percent
from fupin.policy.errors import NotInTable, PolicyTableError


class Zone(StrEnum):
    CENTRAL = "central"
    WEST = "west"

    @property
    def label(self) -> str:
        return {"central": "中部", "west": "西部"}[self.value]


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    zone: Zone


PROVINCES: tuple[Province, ...] = (
    Province("13", "河北省", Zone.CENTRAL),
    Province("14", "山西省", Zone.CENTRAL),
    Province("15", "内蒙古自治区", Zone.WEST),
    Province("22", "吉林省", Zone.CENTRAL),
    Province("23", "黑龙江省", Zone.CENTRAL),
    Province("34", "安徽省", Zone.CENTRAL),
    Province("36", "江西省", Zone.CENTRAL),
    Province("41", "河南省", Zone.CENTRAL),
    Province("42", "湖北省", Zone.CENTRAL),
    Province("43", "湖南省", Zone.CENTRAL),
    Province("45", "广西壮族自治区", Zone.WEST),
    Province("46", "海南省", Zone.CENTRAL),
    Province("50", "重庆市", Zone.WEST),
    Province("51", "四川省", Zone.WEST),
    Province("52", "贵州省", Zone.WEST),
    Province("53", "云南省", Zone.WEST),
    Province("54", "西藏自治区", Zone.WEST),
    Province("61", "陕西省", Zone.WEST),
    Province("62", "甘肃省", Zone.WEST),
    Province("63", "青海省", Zone.WEST),
    Province("64", "宁夏回族自治区", Zone.WEST),
    Province("65", "新疆维吾尔自治区", Zone.WEST),
)


def zone_for_province(code: str, provinces: Iterable[Province] = PROVINCES) -> Zone:
    """The zone of a province, from its 2-digit code or any longer region code inside it."""
    key = str(code).strip()[:2]
    for p in provinces:
        if p.code == key:
            return p.zone
    raise NotInTable(
        f"province {key!r} is not one of the 22 central and western provinces with a zone"
    )


class Figure(StrEnum):
    """The figures judged against a threshold: the assessment's 三率一度 and the exit incidences."""

    INCIDENCE = "incidence"
    WRONG_EXIT_RATE = "wrong_exit_rate"
    MISSED_RATE = "missed_rate"
    RECOGNITION = "recognition"
    VILLAGE_EXIT_INCIDENCE = "village_exit_incidence"
    COUNTY_EXIT_INCIDENCE = "county_exit_incidence"

    @property
    def label(self) -> str:
        return _FIGURE_LABELS[self]


_FIGURE_LABELS = {
    Figure.INCIDENCE: "综合贫困发生率",
    Figure.WRONG_EXIT_RATE: "错退率",
    Figure.MISSED_RATE: "漏评率",
    Figure.RECOGNITION: "群众认可度",
    Figure.VILLAGE_EXIT_INCIDENCE: "贫困村退出贫困发生率",
    Figure.COUNTY_EXIT_INCIDENCE: "贫困县退出贫困发生率",
}


class Comparison(StrEnum):
    BELOW = "below"
    AT_LEAST = "at_least"

    def holds(self, value: float, limit: float) -> bool:
        return value < limit if self is Comparison.BELOW else value >= limit

    @property
    def label(self) -> str:
        return {"below": "低于", "at_least": "不低于"}[self.value]


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"

    @property
    def label(self) -> str:
        return {"pass": "达标", "fail": "未达标"}[self.value]


@dataclass(frozen=True, slots=True)
class Threshold:
    """One veto threshold: `figure` must be `comparison` `limit` (a share, 0.02 is 2%)."""

    figure: Figure
    limit: float
    comparison: Comparison
    source: str
    zone: Zone | None = None  # None: the same for every zone

    def __post_init__(self) -> None:
        object.__setattr__(self, "figure", Figure(self.figure))
        object.__setattr__(self, "comparison", Comparison(self.comparison))
        if self.zone is not None:
            object.__setattr__(self, "zone", Zone(self.zone))
        if not 0 <= self.limit <= 1:
            raise PolicyTableError(f"threshold for {self.figure} must be a share in [0, 1]")
        if not self.source.strip():
            raise PolicyTableError(f"threshold for {self.figure} needs a source")


_EXIT_MECHANISM = (
    "《关于建立贫困退出机制的意见》（2016）：贫困发生率降至 2% 以下（西部地区降至 3% 以下）"
)
_ASSESSMENT = (
    "国务院扶贫办贫困县退出专项评估检查与成效考核：综合贫困发生率中部低于 2%、西部低于 3%，"
    "错退率、漏评率低于 2%，群众认可度不低于 90%"
)

DEFAULT_THRESHOLD_ROWS: tuple[Threshold, ...] = (
    Threshold(Figure.INCIDENCE, 0.02, Comparison.BELOW, _ASSESSMENT, Zone.CENTRAL),
    Threshold(Figure.INCIDENCE, 0.03, Comparison.BELOW, _ASSESSMENT, Zone.WEST),
    Threshold(Figure.WRONG_EXIT_RATE, 0.02, Comparison.BELOW, _ASSESSMENT),
    Threshold(Figure.MISSED_RATE, 0.02, Comparison.BELOW, _ASSESSMENT),
    Threshold(Figure.RECOGNITION, 0.90, Comparison.AT_LEAST, _ASSESSMENT),
    Threshold(Figure.VILLAGE_EXIT_INCIDENCE, 0.02, Comparison.BELOW, _EXIT_MECHANISM, Zone.CENTRAL),
    Threshold(Figure.VILLAGE_EXIT_INCIDENCE, 0.03, Comparison.BELOW, _EXIT_MECHANISM, Zone.WEST),
    Threshold(Figure.COUNTY_EXIT_INCIDENCE, 0.02, Comparison.BELOW, _EXIT_MECHANISM, Zone.CENTRAL),
    Threshold(Figure.COUNTY_EXIT_INCIDENCE, 0.03, Comparison.BELOW, _EXIT_MECHANISM, Zone.WEST),
)


@dataclass(frozen=True)
class ThresholdTable:
    """The thresholds in force; pass a different table to override (the database keeps copies)."""

    rows: tuple[Threshold, ...]
    _index: dict[tuple[Figure, Zone | None], Threshold] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[tuple[Figure, Zone | None], Threshold] = {}
        for row in self.rows:
            key = (row.figure, row.zone)
            if key in index:
                where = f" in the {row.zone} zone" if row.zone else ""
                raise PolicyTableError(f"two thresholds for {row.figure}{where}")
            index[key] = row
        object.__setattr__(self, "_index", index)

    def threshold(self, figure: Figure | str, zone: Zone | str | None = None) -> Threshold:
        """The zone's own row if there is one, else the row for every zone."""
        fig = _figure(figure)
        z = Zone(zone) if zone is not None else None
        found = self._index.get((fig, z)) if z is not None else None
        found = found or self._index.get((fig, None))
        if found is None:
            if z is None and any(f == fig for f, _ in self._index):
                raise NotInTable(f"the threshold for {fig} depends on the zone; give one")
            raise NotInTable(f"no threshold for {fig}" + (f" in the {z} zone" if z else ""))
        return found

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, object]]) -> ThresholdTable:
        """Build from plain rows: figure, limit, comparison, source, optional zone."""
        out = []
        for i, row in enumerate(rows, start=1):
            where = f"threshold row {i}"
            zone = _rows.get_optional_str(row, "zone")
            try:
                out.append(
                    Threshold(
                        figure=Figure(_rows.get_str(row, "figure", where)),
                        limit=_rows.get_float(row, "limit", where),
                        comparison=Comparison(_rows.get_str(row, "comparison", where)),
                        source=_rows.get_str(row, "source", where),
                        zone=Zone(zone) if zone else None,
                    )
                )
            except ValueError as e:
                if isinstance(e, PolicyTableError):
                    raise
                raise PolicyTableError(f"{where}: {e}") from None
        return cls(tuple(out))

    def as_rows(self) -> list[dict[str, object]]:
        return [
            {
                "figure": r.figure.value,
                "limit": r.limit,
                "comparison": r.comparison.value,
                "source": r.source,
                "zone": r.zone.value if r.zone else "",
            }
            for r in self.rows
        ]


DEFAULT_THRESHOLDS = ThresholdTable(DEFAULT_THRESHOLD_ROWS)


@dataclass(frozen=True, slots=True)
class Decision:
    """A figure judged against its threshold: pass or fail, never a score (不打分、不排队)."""

    figure: Figure
    value: float
    outcome: Outcome
    threshold: Threshold
    zone: Zone | None

    @property
    def passed(self) -> bool:
        return self.outcome is Outcome.PASS

    @property
    def message(self) -> str:
        """`错退率 1.5%，标准为低于 2%，达标`."""
        where = f"（{self.zone.label}）" if self.zone and self.threshold.zone else ""
        return (
            f"{self.figure.label} {percent(self.value)}，标准为{where}"
            f"{self.threshold.comparison.label} {percent(self.threshold.limit)}，"
            f"{self.outcome.label}"
        )


def decide(
    figure: Figure | str,
    value: float,
    zone: Zone | str | None = None,
    *,
    thresholds: ThresholdTable = DEFAULT_THRESHOLDS,
) -> Decision:
    """Judge `value` (a share: 0.015 is 1.5%) of `figure` in `zone` against its threshold."""
    v = float(value)
    if not 0 <= v <= 1:
        raise ValueError(f"{figure} must be a share between 0 and 1, got {value}")
    threshold = thresholds.threshold(figure, zone)
    outcome = Outcome.PASS if threshold.comparison.holds(v, threshold.limit) else Outcome.FAIL
    z = Zone(zone) if zone is not None else None
    return Decision(threshold.figure, v, outcome, threshold, z)


def incidence_ok(
    incidence: float,
    zone: Zone | str,
    *,
    level: str = "county",
    thresholds: ThresholdTable = DEFAULT_THRESHOLDS,
) -> bool:
    """Whether a `level` ("village" or "county") may exit on its poverty incidence (DOMAIN §5)."""
    figures = {"village": Figure.VILLAGE_EXIT_INCIDENCE, "county": Figure.COUNTY_EXIT_INCIDENCE}
    if level not in figures:
        raise ValueError(f"level must be 'village' or 'county', got {level!r}")
    return decide(figures[level], incidence, zone, thresholds=thresholds).passed


def _figure(figure: Figure | str) -> Figure:
    try:
        return Figure(figure)
    except ValueError:
        known = ", ".join(f.value for f in Figure)
        raise NotInTable(f"unknown figure {figure!r}; known: {known}") from None
