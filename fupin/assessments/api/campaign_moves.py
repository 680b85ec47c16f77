"""Moving a campaign through its statuses (`POST /api/campaigns/{id}/transition/`): the working
group's step, through the same service as the page (`campaign_transition`), which checks the
table (`workflows.CAMPAIGN_TRANSITIONS`), the guards and records and audits the move."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND, ErrorSerializer
from fupin.assessments.models import Campaign
from fupin.assessments.selectors import campaigns_for
from fupin.assessments.services import AssessmentError, campaign_transition, in_working_group
from fupin.assessments.workflows import CAMPAIGN_TRANSITIONS, CampaignStatus


class CampaignMoveSerializer(serializers.Serializer[dict[str, Any]]):
    to = serializers.ChoiceField(
        choices=CampaignStatus.choices,
        help_text="目标状态：sampling 抽样、fieldwork 实地调查、verification 问题核实、"
        "decided 已出结果、feedback 反馈整改、closed 已结束、draft 草拟",
    )
    opinion = serializers.CharField(
        max_length=2000,
        required=False,
        default="",
        allow_blank=True,
        help_text="理由（转回前一状态时必填）",
    )


class CampaignMovedSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CampaignStatus.choices)
    status_label = serializers.CharField(help_text="任务状态（中文）")


class CampaignMoveView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="转换任务状态（本任务的评估工作组）",
        description="按任务状态表转换；不允许的转换或前提未满足时 409，并说明原因。",
        request=CampaignMoveSerializer,
        responses={
            200: CampaignMovedSerializer,
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
            409: OpenApiResponse(ErrorSerializer, description="当前状态不能转为目标状态"),
        },
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = campaigns_for(request.user).filter(pk=campaign_id).first()
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        body = CampaignMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        to = body.validated_data["to"]
        if not in_working_group(request.user, campaign):
            return Response(
                {"detail": "只有本任务的评估工作组成员可以转换任务状态"},
                status=status.HTTP_403_FORBIDDEN,
            )
        if (campaign.status, to) not in CAMPAIGN_TRANSITIONS:
            return Response(
                {
                    "detail": f"任务当前为“{CampaignStatus(campaign.status).label}”，"
                    f"不能转为“{CampaignStatus(to).label}”"
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            campaign_transition(
                campaign=campaign,
                to=to,
                user=request.user,
                opinion=body.validated_data["opinion"],
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        campaign = Campaign.objects.get(pk=campaign.pk)
        return Response(
            {
                "id": campaign.pk,
                "status": campaign.status,
                "status_label": CampaignStatus(campaign.status).label,
            }
        )
