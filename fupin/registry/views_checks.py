"""平台8个准 pages: a region's registry checks, per rule and per flagged household, and the XLSX.

A county or anything below it is checked on request; a city or a province lists its counties to
pick from (the whole province runs from the command line, `fupin check`)."""

from __future__ import annotations

import io
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _t

from fupin.checks import BY_ID
from fupin.policy.lines import DEFAULT_LINES
from fupin.regions.models import Level, Region
from fupin.registry.checking import (
    ON_REQUEST_LEVELS,
    CheckError,
    flagged_households,
    household_villages,
    registry_check,
    write_check_xlsx,
)
from fupin.registry.selectors import children_summary, households_for, regions_for

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_year(raw: str) -> int | None:
    """The "as of" year asked for, when the poverty-line table covers it (else the default)."""
    return int(raw) if raw.isdigit() and int(raw) in DEFAULT_LINES.years else None


def counties_below(user: Any, region: Region) -> list[dict[str, Any]]:
    """The counties of a city or province the user may open, with their household counts."""
    if region.level == Level.CITY:
        return children_summary(user, region)
    return [
        row
        for city in regions_for(user).filter(parent=region).order_by("code")
        for row in children_summary(user, city)
    ]


@login_required
def region_checks(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    region = get_object_or_404(regions_for(user), code=code)
    context: dict[str, Any] = {"region": region}
    if region.level not in ON_REQUEST_LEVELS:
        context.update(pick_county=True, counties=counties_below(user, region))
        return render(request, "registry/checks.html", context)
    year = check_year(request.GET.get("year", ""))
    try:
        check = registry_check(region_code=region.code, year=year, households=households_for(user))
    except CheckError as exc:
        context["error"] = str(exc)
        return render(request, "registry/checks.html", context, status=400)
    if request.GET.get("download") == "xlsx":
        buffer = io.BytesIO()
        write_check_xlsx(buffer, check)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
        name = f"checks-{region.code}-{check.year}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    result = check.result
    rule = request.GET.get("rule", "")
    if rule not in BY_ID:
        rule = ""
    page = Paginator(flagged_households(result, rule), PAGE_SIZE).get_page(request.GET.get("page"))
    villages = household_villages([h.household_no for h in page])
    context.update(
        {
            "check": check,
            "result": result,
            "rule": rule,
            "rule_title": BY_ID[rule].title if rule else "",
            "page": page,
            "rows": [
                {"household": h, "village": villages.get(h.household_no, ("", ""))} for h in page
            ],
            "chart": {
                "rules": [
                    {"id": r.id, "title": r.title, "flagged": r.flagged}
                    for r in result.rules
                    if r.ran
                ],
                "text": {
                    "title": _t("各规则问题户数"),
                    "households": _t("户数"),
                    "no_data": _t("没有可运行的规则"),
                },
            },
            "years": DEFAULT_LINES.years,
        }
    )
    return render(request, "registry/checks.html", context)
