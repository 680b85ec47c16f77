"""The years after a county's exit, put together: the year-by-year table, the four slackening
signs (slackening.py) and 四个不摘 (keeps.py) of one exited county."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from fupin.monitoring.keeps import four_keeps
from fupin.monitoring.models import MonitoringSettings, Training
from fupin.monitoring.slackening import (
    NO_DATA,
    RAISED,
    CountyRecords,
    Finding,
    sign_slow_reduction,
    sign_target_missed,
    sign_training_far_below,
    sign_work_teams_diverted,
)
from fupin.regions.models import Region


@dataclass
class AfterExit:
    """The four signs and 四个不摘 of one exited county, with the year-by-year table."""

    county: Region
    exit_year: int | None
    until: int
    transition_years: int
    rows: list[dict[str, Any]]
    signs: list[Finding]
    keeps: list[Finding]
    note: str = ""

    @property
    def transition_end(self) -> int | None:
        return None if self.exit_year is None else self.exit_year + self.transition_years

    @property
    def raised_signs(self) -> list[Finding]:
        return [s for s in self.signs if s.state == RAISED]

    @property
    def lapsed_keeps(self) -> list[Finding]:
        return [k for k in self.keeps if k.state == RAISED]

    @property
    def not_judged(self) -> list[Finding]:
        return [f for f in [*self.signs, *self.keeps] if f.state == NO_DATA]

    # The earlier page and API names.
    @property
    def years(self) -> list[int]:
        return [r["year"] for r in self.rows]

    @property
    def remaining(self) -> list[int]:
        return [r["remaining_people"] for r in self.rows]


def county_after_exit(*, county: Region, until: int | None = None) -> AfterExit:
    """The four signs and 四个不摘 of an exited poor county, judged for the whole years after its
    exit year up to `until` (default: the latest year with any record, at most last year)."""
    records = CountyRecords(county)
    today = timezone.localdate()
    transition = MonitoringSettings.for_code(county.code).transition_years
    exit_year = county.exit_year if county.is_poor_county else None
    latest = max(
        records.latest_year(),
        *(d.year for d in Training.objects.filter(county=county).values_list("date", flat=True)),
        0,
    )
    until = min(until or latest or today.year - 1, today.year - 1)
    first = min(records.event_years, default=exit_year or until)
    rows = []
    for y in range(min(first, until), until + 1):
        households, people = records.remaining(y)
        exited_h, exited_p = records.exited_people(y)
        rows.append(
            {
                "year": y,
                "remaining_households": households,
                "remaining_people": people,
                "exited_households": exited_h,
                "exited_people": exited_p,
                "events": records.event_years.get(y, 0),
            }
        )
    if exit_year is None:
        note = f"{county.name}不是已摘帽的贫困县，不判断摘帽后的松劲懈怠和四个不摘"
        return AfterExit(county, None, until, transition, rows, [], [], note)
    if until <= exit_year:
        note = f"{county.name}于 {exit_year} 年摘帽，尚无摘帽后完整年度的记录"
        return AfterExit(county, exit_year, until, transition, rows, [], [], note)
    after = list(range(exit_year + 1, until + 1))
    signs = [
        sign_slow_reduction(records, rows, exit_year, after),
        sign_target_missed(records, county, after),
        sign_training_far_below(county, exit_year, after),
        sign_work_teams_diverted(county, exit_year, transition, today),
    ]
    keeps = four_keeps(records, county, exit_year, transition, after, signs[3], today)
    return AfterExit(county, exit_year, until, transition, rows, signs, keeps)
