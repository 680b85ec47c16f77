"""The assignments page (人员分派): the working group runs the solver, changes it by hand, reads
the history. Every change goes through `assignment_run` / `assignment_change`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _t

from fupin.accounts.models import Role
from fupin.assessments.engine.assignment_rules import province_name
from fupin.assessments.models import Campaign, Expert, ExpertCounty, Team, TeamHousehold
from fupin.assessments.services import (
    AssessmentError,
    assessed_counties,
    assignment_change,
    assignment_current,
    assignment_pool,
    assignment_run,
    campaign_role_end,
    campaign_role_grant,
    campaign_role_holders,
    in_working_group,
)
from fupin.assessments.services.assignment import (
    MANUAL,
    assignment_history,
    assignment_overview,
)
from fupin.assessments.services.campaign_roles import person_name
from fupin.assessments.views.common import campaign_or_404


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


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


def _role_people(campaign: Campaign, pool_experts: list[Expert]) -> list[dict[str, Any]]:
    """The registered experts with a login, each with the counties assigned and roles held."""
    held: dict[int, set[str]] = {}
    for h in campaign_role_holders(campaign):
        held.setdefault(h.user.pk, set()).add(h.role)
    run = assignment_current(campaign, "expert")
    counties: dict[int, list[str]] = {}
    if run is not None:
        for expert_id, name in (
            ExpertCounty.objects.filter(assignment=run)
            .order_by("county__code")
            .values_list("expert_id", "county__name")
        ):
            counties.setdefault(expert_id, []).append(name)
    return [
        {
            "user_pk": e.user_id,
            "name": e.name,
            "counties": counties.get(e.pk, []),
            "lead": Role.LEAD_EXPERT in held.get(e.user_id, set()),
            "group": Role.EXPERT_GROUP in held.get(e.user_id, set()),
        }
        for e in pool_experts
        if e.user_id is not None
    ]


def _person(post: Any) -> Any:
    """The user a role form names: `username` typed in, or `person`, the key of one listed."""
    users = get_user_model().objects
    if "username" in post:
        name = post.get("username", "").strip()
        if not name:
            raise AssessmentError(_t("请填写“用户名”"))
        found = users.filter(username=name).first()
        if found is None:
            raise AssessmentError(_t("用户名“%(name)s”不存在") % {"name": name})
        return found
    key = post.get("person", "").strip()
    found = users.filter(pk=int(key)).first() if key.isdigit() and len(key) < 12 else None
    if found is None:
        raise AssessmentError(_t("请选择人员"))
    return found


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
        "role_people": _role_people(campaign, list(pool.experts)),
        "role_holders": campaign_role_holders(campaign),
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
    if not in_working_group(request.user, campaign):
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
        elif action == "role_grant":
            holder = _person(post)
            campaign_role_grant(
                campaign, user=request.user, person=holder, role=post.get("role", "")
            )
            messages.success(
                request,
                _t("已将%(name)s设为%(role)s")
                % {"name": person_name(holder), "role": _role_label(post.get("role", ""))},
            )
        elif action == "role_end":
            holder = _person(post)
            if not post.get("confirm"):
                raise AssessmentError(_t("请勾选“确认撤销”"))
            campaign_role_end(campaign, user=request.user, person=holder, role=post.get("role", ""))
            messages.success(
                request,
                _t("已撤销%(name)s的%(role)s角色")
                % {"name": person_name(holder), "role": _role_label(post.get("role", ""))},
            )
        else:
            raise AssessmentError(_t("未知的操作"))
    except AssessmentError as refused:
        return _refused(request, campaign, str(refused), form)
    return redirect("assessments:assignments", pk=campaign.pk)
