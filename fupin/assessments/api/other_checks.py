"""The other checks of a county through the API (五抽五查五看 ①②③⑤: procedure, standard, re-check of
the province's questionnaires, 座谈访谈): the campaign's working group and the county's lead experts
record; the leading group reads — through the same services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.common import CountyOf, recorded
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import (
    Campaign,
    ProcedureDocument,
    ProcedureFinding,
    RecheckGroup,
    StandardFinding,
    StandardItem,
)
from fupin.assessments.services.other_checks import (
    ChecklistLine,
    ItemInput,
    OtherChecks,
    StandardInput,
    StandardLine,
    interview_record,
    interviews_of,
    may_read,
    may_record,
    procedure_check_record,
    procedure_checklist,
    standard_check_record,
    standard_checklist,
)
from fupin.assessments.services.questionnaire_recheck import (
    DEFAULT_RECHECK_SIZE,
    MAX_FRAME,
    Recheck,
    RecheckInput,
    recheck_draw,
    recheck_of,
    recheck_replay,
    recheck_results_record,
)
from fupin.assessments.views.common import visible_counties
from fupin.regions.models import Region

READ_FORBIDDEN = "只有本任务的评估工作组、该县的带队专家和领导小组可以查看"
RECORD_FORBIDDEN = "只有本任务的评估工作组或该县的带队专家可以记录"


def _county(
    request: Request, campaign_id: int, code: str, *, record: bool = False
) -> CountyOf | Response:
    """The county of the campaign that the URL names, if the user may read its checks (and record
    them, with `record`); else the answer: 404 not visible, 403 not allowed."""
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
    if record and not may_record(request.user, campaign, county):
        return Response({"detail": RECORD_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    return CountyOf(campaign, county)


class ProcedureLineSerializer(serializers.Serializer[Any]):
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


def _procedure_lines(campaign: Campaign, county: Region) -> Any:
    lines = procedure_checklist(campaign, county)
    return ProcedureLineSerializer([line_data(x) for x in lines], many=True).data


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
        "file_name": c.file_name if c else "",
        "recorded_by": c.actor if c else "",
        "recorded_at": c.at if c else None,
    }


class ProcedureCheckView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="县的退出程序检查清单（预填自本系统退出记录）",
        responses={200: ProcedureLineSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        return Response(_procedure_lines(*found))

    @extend_schema(
        summary="记录退出程序检查（评估工作组、该县的带队专家）",
        description="每项再次记录即更正，原记录保留。缺失或不规范须写证据说明。附件请在页面上传。",
        request=ChecklistSerializer,
        responses={201: ProcedureLineSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, record=True),
            ChecklistSerializer,
            lambda at, d: procedure_check_record(
                campaign=at.campaign,
                county=at.county,
                user=request.user,
                items=[ItemInput(**i) for i in d["items"]],
            ),
            lambda at, _: _procedure_lines(*at),
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
        return recorded(
            request,
            _county(request, campaign_id, code, record=True),
            InterviewSerializer,
            lambda at, d: interview_record(
                campaign=at.campaign, county=at.county, user=request.user, **d
            ),
            lambda _, interview: InterviewSerializer(interview).data,
        )


# ---------------------------------------------------------------------------------------------
# (2) 标准的准确性


class StandardLineSerializer(serializers.Serializer[Any]):
    item = serializers.CharField(help_text="检查项代码")
    item_label = serializers.CharField(help_text="检查项（中文）")
    reference = serializers.CharField(allow_blank=True, help_text="本系统政策表给出的标准（预填）")
    finding = serializers.CharField(allow_blank=True, help_text="在用的检查结果代码（未检查为空）")
    finding_label = serializers.CharField(allow_blank=True, help_text="检查结果（中文）")
    plan_says = serializers.CharField(allow_blank=True, help_text="省级方案的表述")
    standard = serializers.CharField(allow_blank=True, help_text="应执行的标准")
    note = serializers.CharField(allow_blank=True)
    file_name = serializers.CharField(allow_blank=True)
    recorded_by = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField(allow_null=True)


class StandardItemSerializer(serializers.Serializer[dict[str, Any]]):
    item = serializers.ChoiceField(
        choices=StandardItem.choices,
        error_messages={"invalid_choice": "“检查项”无效：{input}"},
    )
    finding = serializers.ChoiceField(
        choices=StandardFinding.choices,
        error_messages={
            "invalid_choice": "“检查结果”须为 conforms（符合）、raised（拔高）、lowered（降低）"
            "或 undetermined（无法判断）"
        },
    )
    plan_says = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    standard = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class StandardChecklistSerializer(serializers.Serializer[dict[str, Any]]):
    items = StandardItemSerializer(many=True)


def _standard_lines(campaign: Campaign, county: Region) -> Any:
    lines = standard_checklist(campaign, county)
    return StandardLineSerializer([standard_line_data(x) for x in lines], many=True).data


def standard_line_data(line: StandardLine) -> dict[str, Any]:
    c = line.current
    return {
        "item": line.item,
        "item_label": line.label,
        "reference": line.reference,
        "finding": c.finding if c else "",
        "finding_label": c.get_finding_display() if c else "",
        "plan_says": c.plan_says if c else "",
        "standard": line.standard,
        "note": c.note if c else "",
        "file_name": c.file_name if c else "",
        "recorded_by": c.actor if c else "",
        "recorded_at": c.at if c else None,
    }


class StandardCheckView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="县的标准准确性检查（省级方案逐项，收入标准和贫困发生率标准预填自政策表）",
        responses={
            200: StandardLineSerializer(many=True),
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        return Response(_standard_lines(*found))

    @extend_schema(
        summary="记录标准准确性检查（评估工作组、该县的带队专家）",
        description="每项再次记录即更正，原记录保留。拔高或降低须写省级方案的表述；不符合或无法"
        "判断须写说明。“应执行的标准”留空时取政策参考。附件请在页面上传。",
        request=StandardChecklistSerializer,
        responses={201: StandardLineSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, record=True),
            StandardChecklistSerializer,
            lambda at, d: standard_check_record(
                campaign=at.campaign,
                county=at.county,
                user=request.user,
                items=[StandardInput(**i) for i in d["items"]],
            ),
            lambda at, _: _standard_lines(*at),
        )


# ---------------------------------------------------------------------------------------------
# (3) 抽查省级评估数据和问卷


class RecheckAgreementSerializer(serializers.Serializer[Any]):
    group = serializers.CharField(allow_blank=True, help_text="字段组代码；合计为空")
    label = serializers.CharField(help_text="字段组（中文）")
    agreed = serializers.IntegerField(help_text="一致数")
    checked = serializers.IntegerField(help_text="已复查数")
    rate = serializers.FloatField(allow_null=True, help_text="一致率（0–1），未复查为空")
    percent = serializers.CharField(help_text="一致率（百分数）")


class RecheckResultSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField(help_text="问卷序号（从 1 起）")
    group = serializers.CharField(help_text="字段组代码")
    group_label = serializers.CharField(help_text="字段组（中文）")
    agree = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    recorded_by = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class RecheckSerializer(serializers.Serializer[Any]):
    frame_size = serializers.IntegerField(help_text="省级问卷份数（抽样框）")
    size = serializers.IntegerField(help_text="抽查份数")
    seed = serializers.CharField(help_text="随机种子")
    method = serializers.CharField(help_text="抽样方法（srs 简单随机）")
    frame_description = serializers.CharField()
    positions = serializers.ListField(child=serializers.IntegerField(), help_text="抽中的问卷序号")
    replays = serializers.BooleanField(help_text="按种子复现是否得到同样的序号")
    reason = serializers.CharField(allow_blank=True, help_text="重抽原因")
    drawn_by = serializers.CharField()
    drawn_at = serializers.DateTimeField()
    agreements = RecheckAgreementSerializer(many=True, help_text="各字段组与合计的一致率")
    results = RecheckResultSerializer(many=True, help_text="在用的复查结果")


def recheck_data(r: Recheck | None) -> dict[str, Any] | None:
    if r is None:
        return None
    d = r.draw
    return {
        "frame_size": d.frame_size,
        "size": d.size,
        "seed": d.seed,
        "method": d.method,
        "frame_description": d.frame_description,
        "positions": list(d.numbers),
        "replays": recheck_replay(d),
        "reason": d.reason,
        "drawn_by": d.actor,
        "drawn_at": d.at,
        "agreements": [
            {
                "group": a.group,
                "label": a.label,
                "agreed": a.agreed,
                "checked": a.checked,
                "rate": a.rate,
                "percent": a.percent,
            }
            for a in r.agreements
        ],
        "results": [
            {
                "position": x.number,
                "group": x.group,
                "group_label": x.get_group_display(),
                "agree": x.agree,
                "note": x.note,
                "recorded_by": x.actor,
                "recorded_at": x.at,
            }
            for x in r.results.values()
        ],
    }


def _recheck(campaign: Campaign, county: Region) -> Any:
    return RecheckSerializer(recheck_data(recheck_of(campaign, county))).data


class RecheckDrawSerializer(serializers.Serializer[dict[str, Any]]):
    frame_size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_FRAME,
        help_text="省级评估检查在该县完成的问卷总数",
        error_messages={
            "invalid": "“省级问卷份数”须为整数",
            "min_value": "“省级问卷份数”须为正整数",
        },
    )
    size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_FRAME,
        default=DEFAULT_RECHECK_SIZE,
        error_messages={"invalid": "“抽查份数”须为整数", "min_value": "“抽查份数”须为正整数"},
    )
    seed = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="留空则系统生成"
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="重抽时必填"
    )


class RecheckInputSerializer(serializers.Serializer[dict[str, Any]]):
    position = serializers.IntegerField(min_value=1)
    group = serializers.ChoiceField(
        choices=RecheckGroup.choices,
        error_messages={
            "invalid_choice": "“字段组”须为 income、guarantees、recognition 或 identity"
        },
    )
    agree = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class RecheckResultsSerializer(serializers.Serializer[dict[str, Any]]):
    results = RecheckInputSerializer(many=True)


class RecheckView(APIView):
    @extend_schema(
        summary="县的省级评估问卷复查：在用的抽样（种子、抽样框、抽中序号）、复查结果和一致率",
        responses={200: RecheckSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        data = recheck_data(recheck_of(*found))
        if data is None:
            return Response({"detail": "尚未抽取省级问卷"}, status=status.HTTP_404_NOT_FOUND)
        return Response(RecheckSerializer(data).data)


class RecheckDrawView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="抽取省级评估问卷（评估工作组、该县的带队专家）：简单随机抽样，记录种子",
        description="已抽过时为重抽，须填重抽原因；原抽样及其复查结果保留。",
        request=RecheckDrawSerializer,
        responses={201: RecheckSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, record=True),
            RecheckDrawSerializer,
            lambda at, d: recheck_draw(
                campaign=at.campaign, county=at.county, user=request.user, **d
            ),
            lambda at, _: _recheck(*at),
        )


class RecheckResultsView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="记录省级问卷复查结果（评估工作组、该县的带队专家）：逐份逐字段组一致或不一致",
        description="不一致须写说明；再次记录即更正，原记录保留。",
        request=RecheckResultsSerializer,
        responses={201: RecheckSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, record=True),
            RecheckResultsSerializer,
            lambda at, d: recheck_results_record(
                campaign=at.campaign,
                county=at.county,
                user=request.user,
                results=[RecheckInput(**r) for r in d["results"]],
            ),
            lambda at, _: _recheck(*at),
        )


def other_checks_data(checks: OtherChecks) -> dict[str, Any]:
    """The other checks as the 综合研判 API shows them."""
    return {
        "procedure": [line_data(x) for x in checks.checklist],
        "standard": [standard_line_data(x) for x in checks.standard],
        "recheck": recheck_data(checks.recheck),
        "interviews": InterviewSerializer(checks.interviews, many=True).data,
    }
