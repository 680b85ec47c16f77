"""Assessment pages: campaigns and their county results, scoped by `campaigns_for`."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from fupin.accounts import scoping
from fupin.assessments.models import Campaign, DrawItem, Problem
from fupin.assessments.report import FIGURE_ORDER, chart_data, county_rows


def campaigns_for(user: object) -> QuerySet[Campaign]:
    """The campaigns a user may see: the one place assessment reads are scoped (rules in accounts.scoping)."""
    return scoping.campaigns_for(user)


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(request, "assessments/campaign_list.html",
                  {"campaigns": campaigns_for(request.user).order_by("-id")})


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(campaigns_for(request.user), pk=pk)
    rows = county_rows(campaign)
    return render(request, "assessments/campaign_detail.html", {
        "campaign": campaign,
        "rows": rows,
        "charts_json": json.dumps(chart_data(rows), ensure_ascii=False),
        "chart_names": [f for f in FIGURE_ORDER if rows and f in rows[0]["figures"]],
        "transitions": campaign.transitions.order_by("at", "id"),
        "sampled": DrawItem.objects.filter(draw__campaign=campaign, draw__level="household",
                                           draw__superseded_by__isnull=True).count(),
        "problems": Problem.objects.filter(campaign=campaign).count(),
        "confirmed": Problem.objects.filter(campaign=campaign, status="confirmed").count(),
        "straddling": [(r["county"], f) for r in rows for f in r["ordered"] if f["straddles"]],
    })
