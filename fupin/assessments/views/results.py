"""One county's results: the four figures with their intervals, the decision, the confirmed problems."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fupin.assessments.models import CountyDecision
from fupin.assessments.report import FIGURE_ORDER, chart_data, county_rows
from fupin.assessments.services import problems_confirmed
from fupin.assessments.views.common import campaign_or_404, county_or_404, problems_for
from fupin.assessments.views.review import household_head


@login_required
def county_results(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    county = county_or_404(request.user, campaign, code)
    row = next((r for r in county_rows(campaign) if r["county"].pk == county.pk), None)
    rows = [row] if row else []
    confirmed = (
        problems_for(request.user, campaign)
        .filter(pk__in=problems_confirmed(campaign, county).values("pk"))
        .select_related("household__village", "feedback_item__rectification")
        .prefetch_related("household__members")
        .order_by("id")
    )
    problems = []
    for p in confirmed:
        head = household_head(p)
        item = getattr(p, "feedback_item", None)
        problems.append(
            {
                "problem": p,
                "head_name": head.name if head else "",
                "head_id": head.masked_id if head else "",
                "rectification": getattr(item, "rectification", None) if item else None,
            }
        )
    return render(
        request,
        "assessments/county_results.html",
        {
            "campaign": campaign,
            "county": county,
            "row": row,
            "decision": CountyDecision.objects.filter(campaign=campaign, county=county).first(),
            "problems": problems,
            "charts_json": json.dumps(chart_data(rows), ensure_ascii=False),
            "chart_names": [f for f in FIGURE_ORDER if row and f in row["figures"]],
        },
    )
