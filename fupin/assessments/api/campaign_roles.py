"""The verification roles of a campaign (五核) through the API: its working group lists who holds
them, gives the lead expert (复核, an expert assigned to a county of the campaign), the expert
group (专家组核) and the department checkers (部门核), and ends them (`{"end": true}`) — through
the same services as the assignments page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.models import Role
from fupin.api.errors import ERRORS
from fupin.assessments.api.permissions import working_group_campaign
from fupin.assessments.models import Campaign
from fupin.assessments.services import (
    CAMPAIGN_GRANTABLE,
    AssessmentError,
    campaign_role_end,
    campaign_role_grant,
    campaign_role_holders,
)

FORBIDDEN = "只有本任务的评估工作组成员可以查看和设定核查人员"


class HolderCountySerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class RoleHolderSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(help_text="用户名")
    name = serializers.CharField(help_text="姓名")
    role = serializers.CharField(
        help_text="lead_expert 带队专家、expert_group 专家组成员、department 部门核查人员"
    )
    role_label = serializers.CharField(help_text="角色（中文）")
    counties = HolderCountySerializer(many=True, help_text="带队专家负责的县（本任务的现行分派）")


class RoleRequestSerializer(serializers.Serializer[dict[str, Any]]):
    username = serializers.CharField(max_length=150, help_text="被设定人员的用户名")
    role = serializers.ChoiceField(
        choices=[(r, str(Role(r).label)) for r in CAMPAIGN_GRANTABLE],
        help_text="lead_expert 带队专家、expert_group 专家组成员、department 部门核查人员",
    )
    end = serializers.BooleanField(
        required=False, default=False, help_text="true：撤销该角色（默认 false：设定）"
    )


def holders_data(campaign: Campaign) -> Any:
    return RoleHolderSerializer(
        [
            {
                "username": h.user.get_username(),
                "name": h.name,
                "role": h.role,
                "role_label": h.role_label,
                "counties": [{"code": c.code, "name": c.name} for c in h.counties],
            }
            for h in campaign_role_holders(campaign)
        ],
        many=True,
    ).data


class CampaignRolesView(APIView):
    parser_classes = (JSONParser,)

    def _campaign(self, request: Request, campaign_id: int) -> Campaign | Response:
        return working_group_campaign(request, campaign_id, FORBIDDEN)

    @extend_schema(
        summary="任务的核查人员：带队专家、专家组成员、部门核查人员（评估工作组）",
        responses={200: RoleHolderSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        return Response(holders_data(campaign))

    @extend_schema(
        summary="设定或撤销任务的核查人员（评估工作组）",
        description=(
            "带队专家须为通过考试、分派到本任务某县的评估专家（复核只及其分派的县）；"
            "专家组成员须为通过考试的评估专家，且不是本任务的带队专家（专家组核须由复核以外的专家进行）；"
            "部门核查人员可为任一在用账号。end 为 true 时撤销。返回全部现任核查人员。"
        ),
        request=RoleRequestSerializer,
        responses={
            201: RoleHolderSerializer(many=True),
            200: RoleHolderSerializer(many=True),
            **ERRORS,
        },
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        body = RoleRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        person = get_user_model().objects.filter(username=d["username"]).first()
        if person is None:
            return Response(
                {"username": [f"用户名“{d['username']}”不存在"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            if d["end"]:
                campaign_role_end(campaign, user=request.user, person=person, role=d["role"])
            else:
                campaign_role_grant(campaign, user=request.user, person=person, role=d["role"])
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        code = status.HTTP_200_OK if d["end"] else status.HTTP_201_CREATED
        return Response(holders_data(campaign), status=code)
