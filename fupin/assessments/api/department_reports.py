"""部门提供情况 through the API: the campaign's department staff list and file problems (a sampled
household's problem enters 五核); its working group and leading group read them — through the
same services as the page."""

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
from fupin.assessments.models import DepartmentKind, DepartmentReport
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.department_reports import (
    department_report_file,
    department_reports_for,
    may_file,
    may_read,
)

READ_FORBIDDEN = "只有本任务的部门人员、评估工作组和领导小组可以查看部门提供情况"
FILE_FORBIDDEN = "只有本任务的部门人员可以填报部门提供情况"


class ReportSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField(
        help_text="education 义务教育、health 基本医疗、housing 住房安全、water 饮水安全"
    )
    kind_label = serializers.CharField(help_text="问题类别（中文）")
    department = serializers.CharField(help_text="提供部门")
    county_code = serializers.CharField()
    county_name = serializers.CharField()
    household_no = serializers.CharField(allow_blank=True, help_text="户编号（无具体农户时为空）")
    head_masked_id = serializers.CharField(allow_blank=True, help_text="户主身份证号（脱敏）")
    description = serializers.CharField()
    source_file = serializers.CharField(allow_blank=True)
    problems = serializers.ListField(
        child=serializers.DictField(), help_text="由此进入五核的疑点问题：编号与状态"
    )
    recorded_at = serializers.DateTimeField()


class FileSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(
        choices=DepartmentKind.choices,
        error_messages={"invalid_choice": "“问题类别”须为 education、health、housing 或 water"},
    )
    county = serializers.CharField(max_length=20, help_text="本任务评估的县：县名或区划代码")
    household_key = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="户编号或身份证号"
    )
    description = serializers.CharField(max_length=4000)
    department = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


def report_data(r: DepartmentReport) -> dict[str, Any]:
    head = r.household.members.filter(relation="head").first() if r.household_id else None
    return {
        "id": r.pk,
        "kind": r.kind,
        "kind_label": r.get_kind_display(),
        "department": r.department,
        "county_code": r.county.code,
        "county_name": r.county.name,
        "household_no": r.household.household_no if r.household else "",
        "head_masked_id": head.masked_id if head else "",
        "description": r.description,
        "source_file": r.source_file,
        "problems": [
            {"id": p.pk, "status": p.status, "status_label": p.get_status_display()}
            for p in r.problems.all()
        ],
        "recorded_at": r.recorded_at,
    }


class CampaignDepartmentReportsView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="任务的部门提供情况（本任务的部门人员、评估工作组、领导小组）",
        responses={200: ReportSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not may_read(request.user, campaign):
            return Response({"detail": READ_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        rows = department_reports_for(request.user, campaign)
        return Response(ReportSerializer([report_data(r) for r in rows], many=True).data)

    @extend_schema(
        summary="填报一条部门提供情况（本任务的部门人员）",
        description="涉及本任务抽样户的问题作为疑点问题进入五核（待初核），并与本条关联。",
        request=FileSerializer,
        responses={201: ReportSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not may_file(request.user, campaign):
            return Response({"detail": FILE_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = FileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            filed = department_report_file(campaign=campaign, user=request.user, **d)
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            ReportSerializer(report_data(filed.report)).data, status=status.HTTP_201_CREATED
        )
