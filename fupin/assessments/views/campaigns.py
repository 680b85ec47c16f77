"""Campaign pages: the list, and one campaign's settings, draws, assignments, fieldwork and history."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role, roles_held
from fupin.assessments.models import (
    AssessedFigure,
    Campaign,
    Draw,
    DrawItem,
    DrawLevel,
    ExpertCounty,
    InstitutionCounty,
    Submission,
    TeamHousehold,
)
from fupin.assessments.report import FIGURE_ORDER, chart_data, county_rows
from fupin.assessments.services import (
    AssessmentError,
    assignment_current,
    campaign_transition,
    campaign_update_settings,
    draws_current,
)
from fupin.assessments.views.common import (
    campaign_or_404,
    campaigns_for,
    problems_for,
    visible_counties,
)
from fupin.assessments.views.draws import may_create
from fupin.assessments.views.forms import VILLAGE_METHOD_CHOICES
from fupin.assessments.views.forms import SamplingForm as SettingsForm
from fupin.assessments.views.review import STEP_ORDER, STEP_STATUSES
from fupin.assessments.workflows import CAMPAIGN_TRANSITIONS, CampaignStatus, Step
from fupin.regions.models import Level, Region, Zone
from fupin.regions.templatetags.fupin_numbers import number_text

WORKING_GROUP = Role.WORKING_GROUP.value

SAMPLING_LABELS = {
    "county_rate": _("县抽样比例"),
    "min_counties_per_province": _("每省至少抽取县数"),
    "villages_per_county": _("每县抽取村数"),
    "poor_village_share": _("贫困村占比"),
    "village_method": _("抽村方法"),
    "households_per_stratum": _("每村每层抽取户数"),
    "at_risk_in_full": _("重点户全覆盖"),
}
SHARE_KEYS = frozenset({"county_rate", "poor_village_share"})
# Threshold rows beyond the four figures: the exit rules' incidence limits (DOMAIN.md §5).
OTHER_FIGURES = {
    "village_exit_incidence": _("贫困村退出：贫困发生率"),
    "county_exit_incidence": _("贫困县退出：贫困发生率"),
}
STRATUM_LABELS = {
    "exited": _("已脱贫户"),
    "poor": _("未脱贫户"),
    "non_registered": _("非建档立卡户"),
}


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/campaign_list.html",
        {
            "campaigns": campaigns_for(request.user).order_by("-id"),
            "can_create": may_create(request.user),
        },
    )


def _settings_rows(campaign: Campaign) -> list[tuple[str, str]]:
    rows = []
    for key, label in SAMPLING_LABELS.items():
        value = campaign.sampling.get(key)
        if key == "households_per_stratum" and isinstance(value, dict):
            shown = "，".join(f"{STRATUM_LABELS.get(k, k)} {v}" for k, v in value.items())
        elif key == "village_method":
            shown = str(dict(VILLAGE_METHOD_CHOICES).get(value, value))
        elif isinstance(value, bool):
            shown = _t("是") if value else _t("否")
        elif key in SHARE_KEYS and isinstance(value, int | float):
            shown = f"{number_text(value * 100)}%"  # a share as a percentage
        elif isinstance(value, int | float):
            shown = number_text(value)
        else:
            shown = "" if value is None else str(value)
        rows.append((str(label), shown))
    return rows


def _thresholds(campaign: Campaign) -> list[dict[str, Any]]:
    out = []
    for row in campaign.thresholds:
        figure = str(row.get("figure", ""))
        label = (
            AssessedFigure(figure).label
            if figure in AssessedFigure.values
            else OTHER_FIGURES.get(figure, figure)
        )
        zone = str(row.get("zone") or "")
        out.append(
            {
                "label": label,
                "limit": row.get("limit"),
                "at_least": row.get("comparison") == "at_least",
                "zone": Zone(zone).label if zone in Zone.values else zone,
                "source": row.get("source", ""),
            }
        )
    return out


def _draws(campaign: Campaign, counties: list[Region]) -> list[Draw]:
    newer = Draw.objects.filter(supersedes=OuterRef("pk"))
    return list(
        Draw.objects.filter(campaign=campaign)
        .filter(Q(county__isnull=True) | Q(county__in=counties))
        .select_related("county")
        .annotate(size=Count("items"), superseded=Exists(newer))
        .order_by("level", "county__code", "created_at", "id")
    )


def _by_county(counties: list[Region], code: str) -> Region | None:
    for c in counties:
        if code.startswith(c.prefix):
            return c
    return None


def _assignments(campaign: Campaign, counties: list[Region]) -> list[dict[str, Any]]:
    """Per county: teams and their households, experts and institutions in the runs in force."""
    rows: dict[int, dict[str, Any]] = {
        c.pk: {"county": c, "teams": set(), "households": 0, "experts": [], "institutions": []}
        for c in counties
    }
    if run := assignment_current(campaign, "team"):
        pairs = TeamHousehold.objects.filter(assignment=run).values_list(
            "household__village__code", "team__code"
        )
        for code, team in pairs:
            if (county := _by_county(counties, code)) is not None:
                rows[county.pk]["teams"].add(team)
                rows[county.pk]["households"] += 1
    if run := assignment_current(campaign, "expert"):
        for ec in (
            ExpertCounty.objects.filter(assignment=run, county__in=counties)
            .select_related("expert")
            .order_by("expert__name")
        ):
            rows[ec.county_id]["experts"].append(ec.expert.name)
    if run := assignment_current(campaign, "institution"):
        for ic in (
            InstitutionCounty.objects.filter(assignment=run, county__in=counties)
            .select_related("institution")
            .order_by("institution__name")
        ):
            rows[ic.county_id]["institutions"].append(ic.institution.name)
    return [rows[c.pk] | {"teams": sorted(rows[c.pk]["teams"])} for c in counties]


def _progress(campaign: Campaign, counties: list[Region]) -> list[dict[str, Any]]:
    """Per county: households sampled (household draws in force) and those with a submission."""
    draws = draws_current(campaign).filter(level=DrawLevel.HOUSEHOLD, county__in=counties)
    sampled = dict(
        DrawItem.objects.filter(draw__in=draws)
        .values_list("draw__county_id")
        .annotate(n=Count("id"))
        .values_list("draw__county_id", "n")
    )
    keys = DrawItem.objects.filter(draw__in=draws).values("unit_key")
    received: dict[int, int] = defaultdict(int)
    seen = (
        Submission.objects.filter(campaign=campaign, household__household_no__in=keys)
        .values_list("household_id", "household__village__code")
        .distinct()
        .order_by()
    )
    for _pk, code in seen:
        if (county := _by_county(counties, code)) is not None:
            received[county.pk] += 1
    out = []
    for c in counties:
        n, got = sampled.get(c.pk, 0), received.get(c.pk, 0)
        out.append(
            {
                "county": c,
                "sampled": n,
                "received": got,
                "percent": round(100 * got / n) if n else 0,
            }
        )
    return out


def _moves(campaign: Campaign, user: Any) -> list[dict[str, Any]]:
    """The campaign moves the table allows from the current status and the user's roles allow."""
    held = roles_held(user)
    return [
        {"to": to, "label": CampaignStatus(to).label, "opinion_required": move.opinion_required}
        for (frm, to), move in CAMPAIGN_TRANSITIONS.items()
        if frm == campaign.status and move.roles & held
    ]


def _queues(campaign: Campaign, user: Any) -> list[dict[str, Any]]:
    counts = dict(
        problems_for(user, campaign)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        {
            "step": s,
            "label": Step(s).label,
            "count": sum(counts.get(st, 0) for st in STEP_STATUSES[s]),
        }
        for s in STEP_ORDER
    ]


def detail_context(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    user = request.user
    counties = visible_counties(user, campaign)
    ids = {c.pk for c in counties}
    rows = [r for r in county_rows(campaign) if r["county"].pk in ids]
    problems = problems_for(user, campaign)
    progress = _progress(campaign, counties)
    can_edit = campaign.status == CampaignStatus.DRAFT and has_role(user, WORKING_GROUP)
    return {
        "campaign": campaign,
        "counties": counties,
        # Listed counties only as far as the user may see them; provinces as they are.
        "scope": [
            r
            for r in campaign.scope.all().order_by("code")
            if r.level != Level.COUNTY or r.pk in ids
        ],
        "rows": rows,
        "charts_json": json.dumps(chart_data(rows), ensure_ascii=False),
        "chart_names": [f for f in FIGURE_ORDER if rows and f in rows[0]["figures"]],
        "straddling": [(r["county"], f) for r in rows for f in r["ordered"] if f["straddles"]],
        "settings_rows": _settings_rows(campaign),
        "thresholds": _thresholds(campaign),
        "settings_form": SettingsForm.for_campaign(campaign) if can_edit else None,
        "draws": _draws(campaign, counties),
        "assignments": _assignments(campaign, counties),
        "progress": progress,
        "transitions": campaign.transitions.select_related("user").order_by("at", "id"),
        "moves": _moves(campaign, user),
        "queues": _queues(campaign, user),
        "sampled": sum(p["sampled"] for p in progress),
        "problems": problems.count(),
        "confirmed": problems.filter(status="confirmed").count(),
        "has_feedback": campaign.status
        in (CampaignStatus.DECIDED, CampaignStatus.FEEDBACK, CampaignStatus.CLOSED),
    }


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = campaign_or_404(request, pk)
    return render(request, "assessments/campaign_detail.html", detail_context(request, campaign))


@login_required
@require_POST
def campaign_settings(request: HttpRequest, pk: int) -> HttpResponse:
    """Change the sampling settings through `campaign_update_settings` (draft only, working group)."""
    campaign = campaign_or_404(request, pk)
    form = SettingsForm(request.POST)
    error, status = "", 200
    if not form.is_valid():
        error, status = _t("设置有误，请检查各项数值"), 400
    else:
        try:
            campaign_update_settings(
                campaign=campaign,
                sampling=form.sampling(),
                explain_window_hours=form.cleaned_data["explain_window_hours"],
                user=request.user,
            )
        except AssessmentError as refused:
            error = str(refused)
            status = 403 if not has_role(request.user, WORKING_GROUP) else 409
    if error:
        context = detail_context(request, campaign)
        context.update(
            {"error": error, "settings_form": form if context["settings_form"] else None}
        )
        return render(request, "assessments/campaign_detail.html", context, status=status)
    messages.success(request, _t("抽样设置已保存"))
    return redirect("assessments:detail", pk=campaign.pk)


@login_required
def campaign_move(request: HttpRequest, pk: int, to: str) -> HttpResponse:
    """Confirm (GET) and make (POST) one campaign move through `campaign_transition`."""
    campaign = campaign_or_404(request, pk)
    move = CAMPAIGN_TRANSITIONS.get((campaign.status, to))
    if to not in CampaignStatus.values:
        raise Http404
    context: dict[str, Any] = {
        "campaign": campaign,
        "to": to,
        "to_label": CampaignStatus(to).label,
        "opinion_required": bool(move and move.opinion_required),
        "allowed": move is not None,
    }
    if request.method != "POST":
        return render(request, "assessments/campaign_move.html", context)
    opinion = request.POST.get("opinion", "")
    try:
        campaign_transition(campaign=campaign, to=to, user=request.user, opinion=opinion)
    except AssessmentError as refused:
        held = roles_held(request.user)
        status = 403 if move is not None and not (move.roles & held) else 409
        context.update({"error": str(refused), "opinion": opinion})
        return render(request, "assessments/campaign_move.html", context, status=status)
    messages.success(request, _t("任务已转为“%(status)s”") % {"status": CampaignStatus(to).label})
    return redirect("assessments:detail", pk=campaign.pk)
