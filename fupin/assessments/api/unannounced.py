"""暗访 through the API: the working group draws the unannounced-visit counties (recorded; a redraw
with a reason); the campaign's department staff enter findings (a sampled household's finding
enters 五核); the working group and leading group read all findings, department staff their own —
through the same services as the page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import Draw, UnannouncedFinding
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.unannounced import (
    MAX_PER_PROVINCE,
    may_draw,
    may_enter,
    may_see,
    unannounced_counties,
    unannounced_counties_draw,
    unannounced_draw_current,
    unannounced_finding_enter,
    unannounced_findings_for,
)

READ_FORBIDDEN = "只有本任务的评估工作组、领导小组和部门人员可以查看暗访"
ENTER_FORBIDDEN = "只有本任务的部门人员可以录入暗访发现"
DRAW_FORBIDDEN = "只有本任务的评估工作组成员可以抽取暗访县"


class FindingOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    county_code = serializers.CharField()
    county_name = serializers.CharField()
    household_no = serializers.CharField(allow_blank=True, help_text="户编号（县级问题时为空）")
    head_masked_id = serializers.CharField(allow_blank=True, help_text="户主身份证号（脱敏）")
    finding = serializers.CharField(help_text="发现问题")
    visited_on = serializers.DateField(allow_null=True, help_text="暗访日期")
    problems = serializers.ListField(
        child=serializers.DictField(), help_text="由此进入五核的疑点问题：编号与状态"
    )
    recorded_at = serializers.DateTimeField()


class DrawOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    seed = serializers.CharField(help_text="随机种子")
    method = serializers.CharField()
    frame_size = serializers.IntegerField()
    frame_checksum = serializers.CharField()
    per_province = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True, help_text="重抽原因")
    supersedes = serializers.IntegerField(allow_null=True)
    counties = serializers.ListField(
        child=serializers.DictField(), help_text="抽中的县：代码、名称、省、入样概率"
    )
    created_at = serializers.DateTimeField()


class OverviewSerializer(serializers.Serializer[Any]):
    draw = DrawOutSerializer(allow_null=True, help_text="现行的暗访抽样（未抽时为空）")
    findings = FindingOutSerializer(many=True)


class EnterSerializer(serializers.Serializer[dict[str, Any]]):
    county = serializers.CharField(max_length=20, help_text="抽中的暗访县：县名或区划代码")
    visited_on = serializers.DateField(
        help_text="暗访日期", error_messages={"invalid": "“暗访日期”须为日期，如 2020-06-01"}
    )
    household_key = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="户编号或身份证号"
    )
    finding = serializers.CharField(max_length=4000, help_text="发现问题")


class DrawInSerializer(serializers.Serializer[dict[str, Any]]):
    per_province = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PER_PROVINCE,
        default=1,
        error_messages={
            "min_value": "“每省暗访县数”须为 1 或 2",
            "max_value": "“每省暗访县数”须为 1 或 2",
        },
    )
    seed = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def finding_data(f: UnannouncedFinding) -> dict[str, Any]:
    head = f.household.members.filter(relation="head").first() if f.household_id else None
    return {
        "id": f.pk,
        "county_code": f.county.code,
        "county_name": f.county.name,
        "household_no": f.household.household_no if f.household else "",
        "head_masked_id": head.masked_id if head else "",
        "finding": f.finding,
        "visited_on": f.visited_on,
        "problems": [
            {"id": p.pk, "status": p.status, "status_label": p.get_status_display()}
            for p in f.problems.all()
        ],
        "recorded_at": f.recorded_at,
    }


def draw_data(d: Draw, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": d.pk,
        "seed": d.seed,
        "method": d.method_label,
        "frame_size": d.frame_size,
        "frame_checksum": d.frame_checksum,
        "per_province": d.parameters.get("per_province", 1),
        "reason": d.reason,
        "supersedes": d.supersedes_id,
        "counties": [
            {
                "code": i.unit_key,
                "name": names.get(i.unit_key, ""),
                "province": i.stratum,
                "inclusion_probability": i.inclusion_probability,
            }
            for i in d.items.order_by("order")
        ],
        "created_at": d.created_at,
    }


def _overview(request: Request, campaign: Any) -> dict[str, Any]:
    current = unannounced_draw_current(campaign)
    names = {c.code: c.name for c in unannounced_counties(campaign)}
    return {
        "draw": draw_data(current, names) if current else None,
        "findings": [finding_data(f) for f in unannounced_findings_for(request.user, campaign)],
    }


class CampaignUnannouncedView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="任务的暗访：现行暗访抽样与暗访发现（评估工作组、领导小组、部门人员）",
        description="评估工作组和领导小组看到全部暗访发现，部门人员只看到本人录入的。",
        responses={200: OverviewSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not may_see(request.user, campaign):
            return Response({"detail": READ_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        return Response(OverviewSerializer(_overview(request, campaign)).data)

    @extend_schema(
        summary="录入一条暗访发现（本任务的部门人员）",
        description="县须为抽中的暗访县；涉及本任务抽样户的发现作为疑点问题进入五核（待初核）。",
        request=EnterSerializer,
        responses={201: FindingOutSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not may_enter(request.user, campaign):
            return Response({"detail": ENTER_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = EnterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            entered = unannounced_finding_enter(
                campaign=campaign, user=request.user, **body.validated_data
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            FindingOutSerializer(finding_data(entered.finding)).data,
            status=status.HTTP_201_CREATED,
        )


class CampaignUnannouncedDrawView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="抽取暗访县（本任务的评估工作组）",
        description="每省从评估范围内已摘帽的县中简单随机抽取 1 或 2 个，记录随机种子、抽样框和入样概率；"
        "已有暗访抽样时为重抽，须填写 reason，原记录保留。",
        request=DrawInSerializer,
        responses={201: DrawOutSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not may_draw(request.user, campaign):
            return Response({"detail": DRAW_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = DrawInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            draw = unannounced_counties_draw(
                campaign=campaign, user=request.user, **body.validated_data
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        names = {c.code: c.name for c in unannounced_counties(campaign)}
        return Response(
            DrawOutSerializer(draw_data(draw, names)).data, status=status.HTTP_201_CREATED
        )
