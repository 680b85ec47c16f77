"""The assignments page (人员分派): the working group runs the solver, changes it by hand, reads
the history. Every change goes through `assignment_run` / `assignment_change`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t

from fupin.assessments.engine.assignment_rules import province_name
from fupin.assessments.models import Campaign, Team, TeamHousehold
from fupin.assessments.services import (
    AssessmentError,
    assessed_counties,
    assignment_allowed,
    assignment_change,
    assignment_current,
    assignment_pool,
    assignment_run,
)
from fupin.assessments.services.assignment import (
    MANUAL,
    assignment_history,
    assignment_overview,
)
from fupin.assessments.views.common import campaign_or_404


def _team_label(team: Team) -> str:
    return _t("%(code)s（%(a)s、%(b)s）") % {
        "code": team.code,
        "a": team.experienced_member.name,
        "b": team.new_member.name,
    }


def _households_by_team(campaign: Campaign) -> dict[int, list[str]]:
    run = assignment_current(campaign, "team")
    out: dict[int, list[str]] = {}
    if run is None:
        return out
    for team_id, no in (
        TeamHousehold.objects.filter(assignment=run)
        .order_by("id")
        .values_list("team_id", "household__household_no")
    ):
        out.setdefault(team_id, []).append(no)
    return out


def _context(campaign: Campaign, **extra: Any) -> dict[str, Any]:
    overview = assignment_overview(campaign)
    pool = assignment_pool(campaign)
    teams = [t for row in overview for t in row["teams"]]
    for row in overview:
        for expert in row["experts"]:
            expert.province_label = province_name(expert.employer_province)
    history = assignment_history(campaign)
    in_force = {
        kind: getattr(assignment_current(campaign, kind), "pk", None)
        for kind in ("institution", "expert", "team")
    }
    for entry in history:
        run = entry["run"]
        entry["method"] = _t("人工调整") if run.solver == MANUAL else _t("求解器自动分派")
        entry["in_force"] = run.pk in in_force.values()
    latest = next((e["run"] for e in history if e["run"].solver != MANUAL), None)
    return {
        "campaign": campaign,
        "overview": overview,
        "counties": assessed_counties(campaign),
        "experts": [
            {"pk": e.pk, "label": f"{e.name}（{province_name(e.employer_province)}）"}
            for e in pool.experts
        ],
        "teams": [
            {"pk": t["team"].pk, "label": _team_label(t["team"]), "households": t["households"]}
            for t in teams
        ],
        "history": history,
        "latest_seed": latest.seed if latest else "",
        "assigned": bool(teams),
        "error": "",
        **extra,
    }


def _refused(
    request: HttpRequest, campaign: Campaign, error: str, form: dict[str, Any]
) -> HttpResponse:
    context = _context(campaign, error=error, form=form)
    return render(request, "assessments/assignments.html", context, status=409)


@login_required
def campaign_assignments(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the assignment in force per county, the forms and the history; POST `action`:
    "run" (with an optional seed), "expert" or "team" (a manual change with its reason)."""
    campaign = campaign_or_404(request, pk)
    if not assignment_allowed(request.user, campaign):
        raise PermissionDenied(_t("只有本任务的评估工作组成员可以分派人员"))
    if request.method != "POST":
        return render(request, "assessments/assignments.html", _context(campaign, form={}))
    post = request.POST
    action = post.get("action", "")
    form = {k: post.get(k, "") for k in post if k != "csrfmiddlewaretoken"}
    try:
        if action == "run":
            result = assignment_run(campaign, user=request.user, seed=post.get("seed") or None)
            messages.success(
                request,
                _t("已完成分派：随机种子 %(seed)s，%(teams)s 个调查小组，%(households)s 户")
                % {
                    "seed": result.seed,
                    "teams": len(result.teams),
                    "households": len(result.team_of),
                },
            )
        elif action == "expert":
            assignment_change(
                campaign,
                user=request.user,
                kind="expert",
                changes=[
                    {
                        "expert": post.get("expert", ""),
                        "from_county": post.get("from_county") or None,
                        "to_county": post.get("to_county") or None,
                    }
                ],
                reason=post.get("reason", ""),
            )
            messages.success(request, _t("专家分派已调整，原分派保留在历史记录中"))
        elif action == "team":
            by_team = _households_by_team(campaign)
            team, source = post.get("team", ""), post.get("source", "")
            try:
                team_id, source_id = int(team), int(source)
            except ValueError:
                raise AssessmentError(_t("请选择“调查小组”和“调入的农户”")) from None
            if team_id == source_id:
                raise AssessmentError(_t("请选择另一个小组的农户"))
            changes = [{"team": team_id, "households": by_team.get(source_id, [])}]
            if post.get("swap"):
                changes.append({"team": source_id, "households": by_team.get(team_id, [])})
            assignment_change(
                campaign,
                user=request.user,
                kind="team",
                changes=changes,
                reason=post.get("reason", ""),
            )
            messages.success(request, _t("入户分派已调整，原分派保留在历史记录中"))
        else:
            raise AssessmentError(_t("未知的操作"))
    except AssessmentError as refused:
        return _refused(request, campaign, str(refused), form)
    return redirect("assessments:assignments", pk=campaign.pk)
