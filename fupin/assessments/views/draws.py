"""Creating a campaign and drawing its sample (三随机): counties, then villages and households per county.

The working group does each step here by a button; the services decide and record (one
transaction each, audited); the pages show the allocation, the frames and the seeds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role
from fupin.accounts.scoping import office_regions, sees_whole_region
from fupin.assessments.engine.frames import STATUS_STRATUM, STRATA
from fupin.assessments.models import Campaign, Draw, DrawItem, DrawLevel
from fupin.assessments.services import (
    AssessmentError,
    campaign_create,
    counties_draw,
    county_draw_frame,
    county_sample_draw,
    draw_current,
    in_working_group,
    samples_counties,
)
from fupin.assessments.services.draws import counties_sampled_elsewhere, county_frame_overlap
from fupin.assessments.views.common import campaign_or_404, county_or_404, visible_counties
from fupin.assessments.views.forms import CampaignForm
from fupin.assessments.workflows import CampaignStatus
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

DESIGN_STRATUM_LABELS = {
    "exited": _("已脱贫户"),
    "poor": _("未脱贫户"),
    "nonregistered": _("非建档立卡户"),
    "at_risk": _("重点户（全覆盖）"),
}
VILLAGE_STRATUM_LABELS = {"poor": _("贫困村"), "nonpoor": _("非贫困村")}


def may_create(user: Any) -> bool:
    """Who may open a campaign: the working group, or a province office (its own assessment)."""
    return has_role(user, Role.WORKING_GROUP) or any(
        r.level == Level.PROVINCE for r in office_regions(user)
    )


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    """The new-campaign form (GET) and its creation through `campaign_create` (POST)."""
    if not may_create(request.user):
        return render(
            request,
            "assessments/campaign_form.html",
            {"error": _t("只有评估工作组成员或省扶贫办可以创建评估任务"), "form": None},
            status=403,
        )
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            campaign = campaign_create(
                kind=d["kind"],
                year=d["year"],
                name=d["name"],
                scope=form.regions,
                sampling=form.sampling(),
                explain_window_hours=d["explain_window_hours"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                user=request.user,
            )
        except AssessmentError as refused:
            text = str(refused)
            if text.startswith("评估范围："):
                form.add_error("scope", text.removeprefix("评估范围："))
            else:
                form.add_error(None, text)
        else:
            messages.success(request, _t("评估任务已创建，您已列为该任务的评估工作组成员"))
            return redirect("assessments:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "assessments/campaign_form.html",
        {"form": form, "task_fields": CampaignForm.field_order},
        status=status,
    )


def _county_draw_context(campaign: Campaign, draw: Draw | None) -> dict[str, Any]:
    if draw is None:
        return {"county_draw": None}
    names = dict(
        Region.objects.filter(code__in=draw.items.values("unit_key")).values_list("code", "name")
    )
    # Which drawn counties another campaign of the year (of the kinds that should not overlap)
    # also drew: shown beside each county.
    elsewhere = counties_sampled_elsewhere(campaign)
    items = [
        {
            "code": i.unit_key[:6],
            "name": names.get(i.unit_key, i.unit_key),
            "province": i.stratum,
            "pi": i.inclusion_probability,
            "also": elsewhere.get(i.unit_key, []),
        }
        for i in draw.items.order_by("order")
    ]
    overlap = draw.parameters.get("overlap") or {}
    return {
        "county_draw": draw,
        "county_items": items,
        "overlap_reason": overlap.get("reason", ""),
        "overlap_excluded": draw.parameters.get("overlap_excluded", []),
        "allocation": draw.parameters.get("allocation", []),
        "minimum": draw.parameters.get("minimum"),
        "rate": draw.parameters.get("rate"),
    }


def draws_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    user = request.user
    sampling_counties = samples_counties(campaign)
    county_draw = draw_current(campaign, DrawLevel.COUNTY)
    # Before the county draw of a campaign that draws counties there is nothing to draw within.
    counties = [] if sampling_counties and county_draw is None else visible_counties(user, campaign)
    current = (
        Draw.objects.filter(campaign=campaign, superseded_by__isnull=True, county__in=counties)
        .exclude(level=DrawLevel.COUNTY)
        .annotate(size=Count("items"))
    )
    by_county: dict[int, dict[str, Draw]] = defaultdict(dict)
    for d in current:
        by_county[d.county_id][d.level] = d
    rows = [
        {
            "county": c,
            "villages": by_county[c.pk].get(DrawLevel.VILLAGE),
            "households": by_county[c.pk].get(DrawLevel.HOUSEHOLD),
        }
        for c in counties
    ]
    history = list(
        Draw.objects.filter(campaign=campaign, level=DrawLevel.COUNTY)
        .annotate(size=Count("items"))
        .order_by("created_at", "id")
    )
    can = in_working_group(user, campaign)
    return {
        "campaign": campaign,
        "samples_counties": sampling_counties,
        "frame_size": len(county_draw_frame(campaign)) if sampling_counties else None,
        "frame_overlap": county_frame_overlap(campaign) if sampling_counties else [],
        "rows": rows,
        "history": history,
        "can_draw_counties": can
        and sampling_counties
        and campaign.status == CampaignStatus.SAMPLING
        and not any(r["villages"] for r in rows),
        "can_draw_within": can and campaign.status == CampaignStatus.SAMPLING,
        **_county_draw_context(campaign, county_draw),
    }


@login_required
def draws_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    return render(request, "assessments/draws.html", draws_context(request, campaign))


@login_required
@require_POST
def counties_draw_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw (or, with a reason, redraw) the campaign's counties through `counties_draw`."""
    campaign = campaign_or_404(request, pk)
    reason = request.POST.get("reason", "")
    allow_overlap = bool(request.POST.get("allow_overlap"))
    overlap_reason = request.POST.get("overlap_reason", "")
    try:
        if draw_current(campaign, DrawLevel.COUNTY) and not request.POST.get("confirm"):
            raise AssessmentError(_t("请勾选确认：重抽将以新的抽样替换现行抽样（原记录保留）"))
        draw = counties_draw(
            campaign,
            user=request.user,
            seed=request.POST.get("seed") or None,
            reason=reason,
            allow_overlap=allow_overlap,
            overlap_reason=overlap_reason,
        )
    except AssessmentError as refused:
        context = draws_context(request, campaign)
        context.update(
            {
                "error": str(refused),
                "reason": reason,
                "allow_overlap": allow_overlap,
                "overlap_reason_input": overlap_reason,
            }
        )
        status = 403 if not in_working_group(request.user, campaign) else 409
        return render(request, "assessments/draws.html", context, status=status)
    messages.success(
        request,
        _t("已抽取 %(n)s 个县（随机种子 %(seed)s）") % {"n": draw.items.count(), "seed": draw.seed},
    )
    return redirect("assessments:draws", pk=campaign.pk)


def county_draw_context(campaign: Campaign, county: Region) -> dict[str, Any]:
    vdraw = draw_current(campaign, DrawLevel.VILLAGE, county)
    hdraw = draw_current(campaign, DrawLevel.HOUSEHOLD, county)
    context: dict[str, Any] = {
        "campaign": campaign,
        "county": county,
        "village_draw": vdraw,
        "household_draw": hdraw,
        "history": list(
            Draw.objects.filter(campaign=campaign, county=county)
            .annotate(size=Count("items"))
            .order_by("created_at", "id")
        ),
    }
    # Frame counts by stratum: the county's households in the registry.
    frame = Counter(
        STRATA[STATUS_STRATUM.get(status, 2)]
        for status in Household.objects.filter(village__code__startswith=county.prefix).values_list(
            "status", flat=True
        )
    )
    if vdraw is None or hdraw is None:
        context["frame_strata"] = [
            {"label": DESIGN_STRATUM_LABELS[s], "frame": frame.get(s, 0)} for s in STRATA
        ]
        return context
    village_items = list(vdraw.items.order_by("order"))
    names = dict(
        Region.objects.filter(code__in=[i.unit_key for i in village_items]).values_list(
            "code", "name"
        )
    )
    strata = vdraw.parameters.get("strata", {})
    households = list(
        DrawItem.objects.filter(draw=hdraw)
        .order_by("order")
        .values_list("unit_key", "stratum", "inclusion_probability")
    )
    village_of = dict(
        Household.objects.filter(household_no__in=[h[0] for h in households]).values_list(
            "household_no", "village__code"
        )
    )
    drawn = Counter(s for _no, s, _pi in households)
    per_village = Counter(village_of.get(no) for no, _s, _pi in households)
    settings = vdraw.parameters.get("settings", {})
    context.update(
        {
            "settings": settings,
            "village_strata": [
                {
                    "label": VILLAGE_STRATUM_LABELS[s],
                    "frame": strata.get(s, {}).get("population", 0),
                    "drawn": strata.get(s, {}).get("sampled", 0),
                }
                for s in ("poor", "nonpoor")
            ],
            "household_strata": [
                {
                    "label": DESIGN_STRATUM_LABELS[s],
                    "frame": frame.get(s) if s in STRATA else None,
                    "per_village": settings.get(
                        {
                            "exited": "exited_per_village",
                            "poor": "poor_per_village",
                            "nonregistered": "nonregistered_per_village",
                        }.get(s, ""),
                    ),
                    "drawn": drawn.get(s, 0),
                }
                for s in DESIGN_STRATUM_LABELS
            ],
            "villages": [
                {
                    "code": i.unit_key,
                    "name": names.get(i.unit_key, i.unit_key),
                    "stratum": VILLAGE_STRATUM_LABELS.get(i.stratum, i.stratum),
                    "pi": i.inclusion_probability,
                    "households": per_village.get(i.unit_key, 0),
                }
                for i in village_items
            ],
            "households": [
                {
                    "no": no,
                    "village": names.get(village_of.get(no, ""), ""),
                    "stratum": DESIGN_STRATUM_LABELS.get(s, s),
                    "pi": pi,
                }
                for no, s, pi in households
            ],
        }
    )
    return context


@login_required
def county_draw_page(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One county's village and household draws (GET); draw or redraw them (POST)."""
    campaign = campaign_or_404(request, pk)
    county = county_or_404(request.user, campaign, code)
    can = in_working_group(request.user, campaign)
    if not (can or sees_whole_region(request.user, county)):
        raise Http404  # the county's whole sample: not for an enumerator or an expert's team
    redraw = draw_current(campaign, DrawLevel.VILLAGE, county) is not None
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        error = ""
        if redraw and not request.POST.get("confirm"):
            error = _t("请勾选确认：重抽将以新的抽样替换现行抽样（原记录保留）")
        else:
            try:
                sample = county_sample_draw(
                    campaign,
                    county,
                    user=request.user,
                    seed=request.POST.get("seed") or None,
                    reason=reason,
                )
            except AssessmentError as refused:
                error = str(refused)
        if error:
            context = county_draw_context(campaign, county)
            context.update({"error": error, "reason": reason, "can_draw": can, "redraw": redraw})
            status = 403 if not can else 409
            return render(request, "assessments/draws_county.html", context, status=status)
        messages.success(
            request,
            _t("%(county)s已抽取 %(v)s 个村、%(h)s 户（随机种子 %(seed)s）")
            % {
                "county": county.name,
                "v": len(sample.households.villages),
                "h": len(sample.households),
                "seed": sample.village_draw.seed,
            },
        )
        return redirect("assessments:county_draw", pk=campaign.pk, code=county.code[:6])
    context = county_draw_context(campaign, county)
    context.update(
        {
            "can_draw": can
            and (
                campaign.status == CampaignStatus.SAMPLING
                or (redraw and campaign.status == CampaignStatus.FIELDWORK)
            ),
            "redraw": redraw,
        }
    )
    return render(request, "assessments/draws_county.html", context)
