"""The procedure check and the 座谈访谈 of a county through the API (五抽五查五看 ①⑤): the campaign's
working group and the county's lead experts record; the leading group reads — through the same
services as the page."""

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
from fupin.assessments.models import Campaign, Interview, ProcedureDocument, ProcedureFinding
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.other_checks import (
    ChecklistLine,
    ItemInput,
    interview_record,
    interviews_of,
    may_read,
    may_record,
    procedure_check_record,
    procedure_checklist,
)
from fupin.assessments.views.common import visible_counties
from fupin.regions.models import Region

READ_FORBIDDEN = "只有本任务的评估工作组、该县的带队专家和领导小组可以查看"
RECORD_FORBIDDEN = "只有本任务的评估工作组或该县的带队专家可以记录"


def _county(request: Request, campaign_id: int, code: str) -> tuple[Campaign, Region] | Response:
    campaign = campaign_visible(request, campaign_id)
    if len(code) == 6 and code.isdigit():
        code += "000000"
    county = (
        next((c for c in visible_counties(request.user, campaign) if c.code == code), None)
        if campaign is not None
        else None
    )
    if campaign is None or county is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if not may_read(request.user, campaign, county):
        return Response({"detail": READ_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    return campaign, county


class LineSerializer(serializers.Serializer[Any]):
    document = serializers.CharField(help_text="退出材料代码")
    document_label = serializers.CharField(help_text="退出材料（中文）")
    exit_record = serializers.CharField(allow_blank=True, help_text="本系统退出记录（预填依据）")
    suggested = serializers.CharField(allow_blank=True, help_text="预填或在用的检查结果代码")
    finding = serializers.CharField(allow_blank=True, help_text="在用的检查结果代码（未检查为空）")
    finding_label = serializers.CharField(allow_blank=True, help_text="检查结果（中文）")
    note = serializers.CharField(allow_blank=True)
    file_name = serializers.CharField(allow_blank=True)
    recorded_by = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField(allow_null=True)


class ItemSerializer(serializers.Serializer[dict[str, Any]]):
    document = serializers.ChoiceField(
        choices=ProcedureDocument.choices,
        error_messages={"invalid_choice": "“退出材料”无效：{input}"},
    )
    finding = serializers.ChoiceField(
        choices=ProcedureFinding.choices,
        error_messages={"invalid_choice": "“检查结果”须为 present、missing 或 irregular"},
    )
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class ChecklistSerializer(serializers.Serializer[dict[str, Any]]):
    items = ItemSerializer(many=True)


class InterviewSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    date = serializers.DateField(error_messages={"invalid": "“日期”格式须为 YYYY-MM-DD"})
    place = serializers.CharField(max_length=200)
    participants = serializers.CharField(max_length=2000)
    notes = serializers.CharField(max_length=8000)
    issues = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    recorded_by = serializers.CharField(read_only=True, source="actor")
    recorded_at = serializers.DateTimeField(read_only=True, source="at")


def line_data(line: ChecklistLine) -> dict[str, Any]:
    c = line.current
    return {
        "document": line.document,
        "document_label": line.label,
        "exit_record": line.exit_record,
        "suggested": line.suggested,
        "finding": c.finding if c else "",
        "finding_label": c.get_finding_display() if c else "",
        "note": c.note if c else "",
        "file_name": (c.original_name or "附件") if c and c.file else "",
        "recorded_by": c.actor if c else "",
        "recorded_at": c.at if c else None,
    }


class ProcedureCheckView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="县的退出程序检查清单（预填自本系统退出记录）",
        responses={200: LineSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        lines = procedure_checklist(*found)
        return Response(LineSerializer([line_data(x) for x in lines], many=True).data)

    @extend_schema(
        summary="记录退出程序检查（评估工作组、该县的带队专家）",
        description="每项再次记录即更正，原记录保留。缺失或不规范须写证据说明。附件请在页面上传。",
        request=ChecklistSerializer,
        responses={201: LineSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        campaign, county = found
        if not may_record(request.user, campaign, county):
            return Response({"detail": RECORD_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = ChecklistSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            procedure_check_record(
                campaign=campaign,
                county=county,
                user=request.user,
                items=[ItemInput(**i) for i in body.validated_data["items"]],
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        lines = procedure_checklist(campaign, county)
        return Response(
            LineSerializer([line_data(x) for x in lines], many=True).data,
            status=status.HTTP_201_CREATED,
        )


class InterviewsView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="县的座谈访谈记录",
        responses={200: InterviewSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        return Response(InterviewSerializer(interviews_of(*found), many=True).data)

    @extend_schema(
        summary="记录一次座谈访谈（评估工作组、该县的带队专家）",
        request=InterviewSerializer,
        responses={201: InterviewSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        campaign, county = found
        if not may_record(request.user, campaign, county):
            return Response({"detail": RECORD_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = InterviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            interview: Interview = interview_record(
                campaign=campaign, county=county, user=request.user, **body.validated_data
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(InterviewSerializer(interview).data, status=status.HTTP_201_CREATED)
