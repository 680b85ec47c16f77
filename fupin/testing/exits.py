"""Test support for exits: a decided county result of an exit assessment for a county exit to
rest on (its 专项评估检查), built as the assessment stores one.

The assessment's own tests play the whole campaign through its services; an exit test needs only
its end: a campaign that has decided, the county's four current figures with their intervals,
and the decision recorded on exactly those figures (its checksum), as `county_decision_record`
writes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.utils import timezone

from fupin.accounts.audit import sha256_json
from fupin.assessments.models import Campaign, CountyDecision, CountyResult
from fupin.assessments.services import campaign_create
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.regions.models import Region

# figure → (estimate, ci_low, ci_high, threshold, comparison): a county that passes, its missed
# rate's interval straddling the 2% threshold.
PASSING: dict[str, tuple[float, float, float, float, str]] = {
    "wrong_exit_rate": (0.004, 0.001, 0.009, 0.02, "below"),
    "missed_rate": (0.015, 0.006, 0.031, 0.02, "below"),
    "incidence": (0.012, 0.008, 0.016, 0.03, "below"),
    "recognition": (0.95, 0.93, 0.97, 0.9, "at_least"),
}


def _holds(value: float, limit: float, comparison: str) -> bool:
    return value < limit if comparison == "below" else value >= limit


def county_result_decided(
    county: Region,
    *,
    year: int = 2019,
    decided_at: dt.datetime | None = None,
    figures: Mapping[str, tuple[float, float, float, float, str]] = PASSING,
    outcome: str | None = None,
    status: str = CampaignStatus.DECIDED,
    kind: str = CampaignKind.COUNTY_EXIT_ASSESSMENT,
    name: str | None = None,
) -> CountyDecision:
    """A campaign of `kind` over `county` in `status` with the county's four figures and its
    decision (by the figures unless `outcome` is given, with a 综合研判 note then)."""
    campaign = campaign_create(
        kind=kind,
        year=year,
        name=name or f"{year}年{county.name}退出专项评估检查",
        scope=[county],
        actor="test",
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=status)
    rows = []
    for figure, (est, low, high, threshold, comparison) in figures.items():
        clear = _holds(low, threshold, comparison) == _holds(high, threshold, comparison)
        rows.append(
            CountyResult.objects.create(
                campaign=campaign,
                county=county,
                figure=figure,
                estimate=est,
                se=(high - low) / 3.92,
                ci_low=low,
                ci_high=high,
                threshold=threshold,
                comparison=comparison,
                verdict="pass" if _holds(est, threshold, comparison) else "fail",
                clarity="clear" if clear else "straddles",
                inputs={"draws": [], "problems": []},
                inputs_checksum=sha256_json({"figure": figure, "campaign": campaign.pk}),
            )
        )
    by_figures = "pass" if all(r.verdict == "pass" for r in rows) else "fail"
    return CountyDecision.objects.create(
        campaign=campaign,
        county=county,
        outcome=outcome or by_figures,
        straddling_figures=sorted(r.figure for r in rows if r.clarity != "clear"),
        inputs_checksum=sha256_json(sorted((r.figure, r.inputs_checksum) for r in rows)),
        actor="评估工作组",
        decided_at=decided_at or timezone.now(),
        note="" if outcome is None or outcome == by_figures else "综合研判：区间跨越阈值",
    )
