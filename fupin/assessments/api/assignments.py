"""The assignments API (人员分派): the campaign's working group reads the assignment in force,
runs the CP-SAT solver (`{"seed": …}`) or changes it by hand (`{"changes": […], "reason": …}`),
through the same services as the assignments page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS
from fupin.api.params import MAX_ID
from fupin.assessments.api.permissions import working_group_campaign
from fupin.assessments.models import Campaign, TeamHousehold
from fupin.assessments.services import (
    AssessmentError,
    assignment_change,
    assignment_current,
    assignment_run,
)
from fupin.assessments.services.assignment import (
    CHANGE_KINDS,
    MANUAL,
    assignment_history,
    assignment_overview,
)

FORBIDDEN = "只有本任务的评估工作组成员可以查看和分派人员"

# --- what the API returns and accepts -------------------------------------------------------------


class AssignedPersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssignedExpertSerializer(AssignedPersonSerializer):
    experienced = serializers.BooleanField(help_text="有评估经验")
    employer_province = serializers.CharField(help_text="工作单位所在省（两位区划代码）")


class AssignedTeamSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField(help_text="调查小组编号")
    experienced_member = AssignedPersonSerializer(help_text="老队员")
    new_member = AssignedPersonSerializer(help_text="新队员")
    households = serializers.ListField(child=serializers.CharField(), help_text="分派的户编号")


class AssignedCountySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    institution = AssignedPersonSerializer(allow_null=True, help_text="评估机构")
    experts = AssignedExpertSerializer(many=True, help_text="评估专家，有经验者在前")
    teams = AssignedTeamSerializer(many=True)


class AssignmentRunSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    actor = serializers.CharField()
    method = serializers.CharField(help_text="求解器自动分派 或 人工调整")
    seed = serializers.CharField(help_text="随机种子")
    parts = serializers.ListField(child=serializers.CharField(), help_text="机构、专家、入户")
    note = serializers.CharField(help_text="说明（人工调整含理由）")
    in_force = serializers.BooleanField(help_text="是否现行")


class AssignmentSerializer(serializers.Serializer[Any]):
    counties = AssignedCountySerializer(many=True)
    runs = AssignmentRunSerializer(many=True, help_text="全部分派记录，新者在前")


class AssignmentChangeSerializer(serializers.Serializer[dict[str, Any]]):
    expert = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="专家 id（调整专家）"
    )
    from_county = serializers.CharField(
        max_length=12, required=False, allow_null=True, allow_blank=True, help_text="调出县代码"
    )
    to_county = serializers.CharField(
        max_length=12, required=False, allow_null=True, allow_blank=True, help_text="调入县代码"
    )
    team = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="调查小组 id（调整入户）"
    )
    households = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        max_length=5000,
        help_text="由该小组接手的户编号",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("expert" in attrs) == ("team" in attrs):
            raise serializers.ValidationError(
                "每项调整须指定“expert”（专家）或“team”（调查小组）之一"
            )
        return attrs


class AssignmentRequestSerializer(serializers.Serializer[dict[str, Any]]):
    seed = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="运行分派的随机种子；不填则随机生成",
    )
    kind = serializers.ChoiceField(
        choices=list(CHANGE_KINDS.items()),
        required=False,
        help_text="人工调整的类别；不填则由各项调整推断",
    )
    changes = AssignmentChangeSerializer(
        many=True, required=False, help_text="人工调整（给出时不运行求解器）"
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="人工调整的理由"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        changes = attrs.get("changes")
        if changes is None:
            if "kind" in attrs or "reason" in attrs:
                raise serializers.ValidationError("人工调整须给出“changes”")
            return attrs
        if "seed" in attrs:
            raise serializers.ValidationError("“seed”与“changes”不能同时给出")
        if not changes:
            raise serializers.ValidationError({"changes": "请至少填写一项调整"})
        kinds = {"expert" if "expert" in c else "team" for c in changes}
        if len(kinds) > 1 or ("kind" in attrs and attrs["kind"] not in kinds):
            raise serializers.ValidationError({"kind": "一次调整只能是同一类别"})
        attrs["kind"] = kinds.pop()
        return attrs


# --- the view --------------------------------------------------------------------------------------


def assignment_data(campaign: Campaign) -> dict[str, Any]:
    """The assignment in force per county and every run: what GET answers and POST returns."""
    households: dict[int, list[str]] = {}
    if run := assignment_current(campaign, "team"):
        for team_id, no in (
            TeamHousehold.objects.filter(assignment=run)
            .order_by("id")
            .values_list("team_id", "household__household_no")
        ):
            households.setdefault(team_id, []).append(no)
    in_force = {
        getattr(assignment_current(campaign, kind), "pk", None)
        for kind in ("institution", "expert", "team")
    }
    counties = []
    for row in assignment_overview(campaign):
        inst = row["institution"]
        counties.append(
            {
                "code": row["county"].code,
                "name": row["county"].name,
                "institution": {"id": inst.pk, "name": inst.name} if inst else None,
                "experts": [
                    {
                        "id": e.pk,
                        "name": e.name,
                        "experienced": e.experienced,
                        "employer_province": e.employer_province,
                    }
                    for e in row["experts"]
                ],
                "teams": [
                    {
                        "id": t["team"].pk,
                        "code": t["team"].code,
                        "experienced_member": {
                            "id": t["team"].experienced_member.pk,
                            "name": t["team"].experienced_member.name,
                        },
                        "new_member": {
                            "id": t["team"].new_member.pk,
                            "name": t["team"].new_member.name,
                        },
                        "households": households.get(t["team"].pk, []),
                    }
                    for t in row["teams"]
                ],
            }
        )
    runs = [
        {
            "id": h["run"].pk,
            "created_at": h["run"].created_at,
            "actor": h["run"].actor,
            "method": "人工调整" if h["run"].solver == MANUAL else "求解器自动分派",
            "seed": h["run"].seed,
            "parts": h["parts"],
            "note": h["run"].note,
            "in_force": h["run"].pk in in_force,
        }
        for h in assignment_history(campaign)
    ]
    return AssignmentSerializer({"counties": counties, "runs": runs}).data


class CampaignAssignmentsView(APIView):
    parser_classes = (JSONParser,)

    def _campaign(self, request: Request, campaign_id: int) -> Campaign | Response:
        return working_group_campaign(request, campaign_id, FORBIDDEN)

    @extend_schema(
        summary="任务的现行人员分派及分派记录（评估工作组）",
        responses={200: AssignmentSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        return Response(assignment_data(campaign))

    @extend_schema(
        summary="运行分派（seed）或人工调整（changes、reason）（评估工作组）",
        description=(
            "不带 changes：按三回避、以老带新用 CP-SAT 求解并记录为新的一次分派；"
            "带 changes：人工调整，按同样规则检查，记录为新的一次分派并保留原分派。"
            "专家调整每项为 {expert, from_county, to_county}；入户调整每项为 {team, households}。"
        ),
        request=AssignmentRequestSerializer,
        responses={201: AssignmentSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        body = AssignmentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            if "changes" in d:
                assignment_change(
                    campaign,
                    user=request.user,
                    kind=d["kind"],
                    changes=d["changes"],
                    reason=d.get("reason", ""),
                )
            else:
                assignment_run(campaign, user=request.user, seed=d.get("seed"))
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(assignment_data(campaign), status=status.HTTP_201_CREATED)
