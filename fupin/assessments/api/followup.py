"""What follows the decision, through the API (反馈整改): the feedback list
(`/api/campaigns/{id}/feedback/`: read by the county office for its own counties, built by the
working group), ordering a fed-back problem's rectification (working group), submitting, accepting
or reopening it (`…/rectifications/{id}/transition/`: county officer, then working group), its
proof files (`…/rectifications/{id}/files/`: uploaded by the county officer, listed and downloaded
by whoever sees the rectification, each download audited), and the report and lists as files (`…/report.docx`, `…/samples.xlsx`, `…/problems.xlsx`: working group).

Each endpoint scopes with the pages' own selectors (`campaigns_for`, the feedback page's
`problems_for`) and writes through the same services (`feedback_list_build`, `rectification_open`,
`rectification_transition`, `rectification_proof_attach`); the files come from the same builders
as the page downloads."""

from __future__ import annotations

import io
import json
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, JsonResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.models import Role
from fupin.accounts.roles import has_role, has_role_in, roles_held
from fupin.api.errors import ERRORS, NOT_FOUND, ErrorSerializer
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import Campaign, Evidence, FeedbackItem, Rectification
from fupin.assessments.report import problems_workbook, samples_workbook
from fupin.assessments.report_docx import report_docx
from fupin.assessments.services import (
    AssessmentError,
    feedback_list_build,
    in_working_group,
    rectification_open,
    rectification_transition,
)
from fupin.assessments.services.evidence_access import evidence_open
from fupin.assessments.services.followup import (
    PROOF_MAX_BYTES,
    PROOF_MAX_FILES,
    PROOF_OPEN,
    PROOF_TYPES_LABEL,
    rectification_proof_attach,
    rectification_proof_files,
)
from fupin.assessments.views.common import problems_for, refusal_status
from fupin.assessments.views.evidence import evidence_response
from fupin.assessments.views.results import DOCX, XLSX
from fupin.assessments.workflows import (
    RECTIFICATION_TRANSITIONS,
    RectificationAction,
    RectificationStatus,
)
from fupin.regions.models import Level, Region

REPORT_FORBIDDEN = "评估报告和名单只提供给本任务的评估工作组"
BUILD_FORBIDDEN = "只有评估工作组成员可以制作问题反馈清单"
ORDER_FORBIDDEN = "只有评估工作组成员可以下达整改事项"
PROVINCE = r"^[0-9]{2}([0-9]{10})?$"


# --- what the endpoints answer -------------------------------------------------------------------


class PlaceSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="区划代码")
    name = serializers.CharField(help_text="名称")


class FedBackProblemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="问题编号")
    kind = serializers.CharField(help_text="问题类型代码")
    kind_label = serializers.CharField(help_text="问题类型（中文）")
    household_no = serializers.CharField(help_text="户编号（县级问题为空）")


class RectificationStepSerializer(serializers.Serializer[Any]):
    action = serializers.CharField(help_text="submit 提交整改情况、accept 验收通过、reopen 退回")
    action_label = serializers.CharField(help_text="操作（中文）")
    from_status_label = serializers.CharField(help_text="原状态（中文）")
    to_status_label = serializers.CharField(help_text="新状态（中文）")
    actor = serializers.CharField(help_text="经办人")
    at = serializers.DateTimeField(help_text="时间")
    opinion = serializers.CharField(allow_blank=True, help_text="意见")


class RectificationActionSerializer(serializers.Serializer[Any]):
    action = serializers.CharField(help_text="操作代码（transition 的 action）")
    label = serializers.CharField(help_text="操作（中文）")
    proof = serializers.BooleanField(help_text="是否须附整改情况（proof_text）")
    opinion_required = serializers.BooleanField(help_text="是否须说明理由（opinion）")


class ProofFileSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="证明材料编号")
    name = serializers.CharField(help_text="原文件名")
    kind = serializers.CharField(help_text="类型代码：photo 照片、document 文件")
    kind_label = serializers.CharField(help_text="类型（中文）")
    size = serializers.IntegerField(help_text="大小（字节）")
    sha256 = serializers.CharField(help_text="SHA-256 校验值")
    received_at = serializers.DateTimeField(help_text="上传时间")
    download = serializers.CharField(help_text="下载地址（API）")


class RectificationSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="整改事项编号")
    owner = serializers.CharField(help_text="责任单位/责任人")
    deadline = serializers.DateField(help_text="整改时限")
    status = serializers.ChoiceField(choices=RectificationStatus.choices)
    status_label = serializers.CharField(help_text="整改状态（中文）")
    proof_text = serializers.CharField(allow_blank=True, help_text="整改情况")
    steps = RectificationStepSerializer(many=True, help_text="整改记录（提交、验收、退回）")
    files = ProofFileSerializer(many=True, help_text="整改证明材料（照片、PDF、Word、Excel）")
    actions = RectificationActionSerializer(many=True, help_text="当前用户现在可进行的操作")


class FeedbackItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="反馈问题编号")
    province = PlaceSerializer(help_text="反馈清单所属的省")
    county = PlaceSerializer(help_text="问题所在县")
    problem = FedBackProblemSerializer(help_text="终核认定的问题")
    text = serializers.CharField(help_text="反馈内容")
    rectification = RectificationSerializer(
        allow_null=True, help_text="整改事项（尚未下达整改时为 null）"
    )


def _actions(rect: Rectification, held: set[str]) -> list[dict[str, Any]]:
    """The moves of the table the user's roles allow from the rectification's status (as the page
    offers its buttons); the service still checks each one."""
    return [
        {
            "action": action,
            "label": str(RectificationAction(action).label),
            "proof": action == RectificationAction.SUBMIT,
            "opinion_required": move.opinion_required,
        }
        for (frm, action), move in RECTIFICATION_TRANSITIONS.items()
        if frm == rect.status and move.role in held
    ]


def _file_data(rect: Rectification, e: Evidence) -> dict[str, Any]:
    return {
        "id": e.pk,
        "name": e.original_name,
        "kind": e.kind,
        "kind_label": e.get_kind_display(),
        "size": e.size,
        "sha256": e.sha256,
        "received_at": e.received_at,
        "download": reverse(
            "assessments-api:rectification-file",
            args=[rect.item.feedback_list.campaign_id, rect.pk, e.pk],
        ),
    }


def _rectification_data(rect: Rectification, held: set[str]) -> dict[str, Any]:
    steps = rect.steps.select_related("user").order_by("at", "id")
    return {
        "id": rect.pk,
        "owner": rect.owner,
        "deadline": rect.deadline,
        "status": rect.status,
        "status_label": rect.get_status_display(),
        "proof_text": rect.proof_text,
        "steps": [
            {
                "action": st.action,
                "action_label": st.get_action_display(),
                "from_status_label": st.get_from_status_display(),
                "to_status_label": st.get_to_status_display(),
                "actor": st.actor,
                "at": st.at,
                "opinion": st.opinion,
            }
            for st in steps
        ],
        "files": [_file_data(rect, e) for e in rectification_proof_files(rect)],
        "actions": _actions(rect, held),
    }


def _item_data(item: FeedbackItem, held: set[str]) -> dict[str, Any]:
    problem = item.problem
    rect = getattr(item, "rectification", None)
    return {
        "id": item.pk,
        "province": item.feedback_list.province,
        "county": problem.county,
        "problem": {
            "id": problem.pk,
            "kind": problem.kind,
            "kind_label": problem.get_kind_display(),
            "household_no": problem.household.household_no if problem.household else "",
        },
        "text": item.text,
        "rectification": _rectification_data(rect, held) if rect is not None else None,
    }


# --- lookups: the feedback page's scoping --------------------------------------------------------


_campaign = campaign_visible


def _items(request: Request, campaign: Campaign) -> QuerySet[FeedbackItem]:
    """The campaign's fed-back problems the user may see: the page's `problems_for` (a county
    office its own counties' problems, the working group all)."""
    return (
        FeedbackItem.objects.filter(
            feedback_list__campaign=campaign, problem__in=problems_for(request.user, campaign)
        )
        .select_related(
            "problem__county", "problem__household", "rectification", "feedback_list__province"
        )
        .order_by("problem__county__code", "id")
    )


def _not_found() -> Response:
    return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)


# --- the feedback list ---------------------------------------------------------------------------


class BuildRequestSerializer(serializers.Serializer[dict[str, Any]]):
    province = serializers.RegexField(
        PROVINCE,
        help_text="省的区划代码（2 或 12 位，如 62 或 620000000000）",
        error_messages={"invalid": "请填写省的区划代码（2 位或 12 位数字）"},
    )


class CampaignFeedbackView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="问题反馈清单（县扶贫办只见本县，评估工作组见全部）",
        description=(
            "出结果后反馈给各省的终核认定问题，每项附整改事项（下达后）、整改记录和当前用户可进行的操作。"
            "只列当前用户有权查看的县的问题。"
        ),
        responses={200: FeedbackItemSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        held = roles_held(request.user)
        data = [_item_data(item, held) for item in _items(request, campaign)]
        return Response(FeedbackItemSerializer(data, many=True).data)

    @extend_schema(
        summary="制作（或补全）一个省的问题反馈清单（评估工作组）",
        description=(
            "出结果后，把该省终核认定的问题列入清单（已列入的不重复）。返回该任务当前用户可见的全部反馈问题。"
        ),
        request=BuildRequestSerializer,
        responses={201: FeedbackItemSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        body = BuildRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not has_role(request.user, Role.WORKING_GROUP):
            return Response({"detail": BUILD_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        given = body.validated_data["province"]
        code = given if len(given) == 12 else given + "0000000000"
        province = Region.objects.filter(code=code, level=Level.PROVINCE).first()
        if province is None:
            return Response(
                {"province": [f"区划代码 {given} 不是省"]}, status=status.HTTP_400_BAD_REQUEST
            )
        try:
            feedback_list_build(campaign=campaign, province=province, user=request.user)
        except AssessmentError as refused:
            refusal = refusal_status(request.user, Role.WORKING_GROUP.value)
            return Response({"detail": str(refused)}, status=refusal)
        held = roles_held(request.user)
        data = [_item_data(item, held) for item in _items(request, campaign)]
        return Response(FeedbackItemSerializer(data, many=True).data, status=201)


# --- rectification -------------------------------------------------------------------------------


class OrderRequestSerializer(serializers.Serializer[dict[str, Any]]):
    owner = serializers.CharField(max_length=120, help_text="整改责任单位或责任人")
    deadline = serializers.DateField(help_text="整改时限（YYYY-MM-DD）")


class FeedbackItemRectificationView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="下达整改（评估工作组）",
        description="为一个反馈问题下达整改：责任单位或责任人和整改时限；每个问题只下达一次。",
        request=OrderRequestSerializer,
        responses={201: FeedbackItemSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, item_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        item = _items(request, campaign).filter(pk=item_id).first()
        if item is None:
            return _not_found()
        body = OrderRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if not has_role(request.user, Role.WORKING_GROUP):
            return Response({"detail": ORDER_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        try:
            rectification_open(
                item=item, owner=d["owner"], deadline=d["deadline"], user=request.user
            )
        except AssessmentError as refused:
            code = refusal_status(request.user, Role.WORKING_GROUP.value)
            return Response({"detail": str(refused)}, status=code)
        item = _items(request, campaign).get(pk=item.pk)
        data = _item_data(item, roles_held(request.user))
        return Response(FeedbackItemSerializer(data).data, status=status.HTTP_201_CREATED)


class RectificationMoveSerializer(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(
        choices=RectificationAction.choices,
        help_text="submit 提交整改情况（县级干部）、accept 验收通过、reopen 退回（评估工作组）",
    )
    proof_text = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text="整改情况说明（submit 时填写；不填则沿用此前提交的）",
    )
    opinion = serializers.CharField(
        max_length=2000,
        required=False,
        default="",
        allow_blank=True,
        help_text="意见（reopen 退回时必填）",
    )


def _move_refusal_status(rect: Rectification, user: Any, action: str, opinion: str) -> int:
    """The status of a refused `rectification_transition`, from the same table and role rule the
    service applied: 403 the user may not take the move, 400 a reason or the proof is missing,
    409 the state does not allow it."""
    move = RECTIFICATION_TRANSITIONS.get((rect.status, action))
    if move is None:
        return 409
    if not has_role(user, move.role):
        return 403
    county = rect.item.problem.county
    if move.role == Role.COUNTY_OFFICER and not has_role_in(user, Role.COUNTY_OFFICER, county.pk):
        return 403
    if move.opinion_required and not opinion.strip():
        return 400
    if action == RectificationAction.SUBMIT:
        return 400  # no proof text and no proof files
    return 409


def _rectification(request: Request, campaign: Campaign, pk: int) -> Rectification | None:
    """A rectification of the campaign the user may see (the feedback page's scoping)."""
    return (
        Rectification.objects.filter(
            item__feedback_list__campaign=campaign,
            item__problem__in=problems_for(request.user, campaign),
        )
        .select_related("item__problem__county", "item__problem__household", "item__feedback_list")
        .filter(pk=pk)
        .first()
    )


class RectificationTransitionView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="整改操作：提交整改情况（县级干部）、验收通过或退回（评估工作组）",
        description=(
            "按整改状态表：待整改或被退回的，由问题所在县的县级干部提交整改情况（须有说明或证明材料）；"
            "已提交的，由评估工作组验收通过或退回（退回须说明理由）。每次操作都记入整改记录和操作记录。"
        ),
        request=RectificationMoveSerializer,
        responses={200: RectificationSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, rectification_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        rect = _rectification(request, campaign, rectification_id)
        if rect is None:
            return _not_found()
        body = RectificationMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        action = d["action"]
        proof = d.get("proof_text") if action == RectificationAction.SUBMIT else None
        try:
            rectification_transition(
                rectification=rect,
                action=action,
                user=request.user,
                opinion=d["opinion"],
                proof_text=proof,
            )
        except AssessmentError as refused:
            code = _move_refusal_status(rect, request.user, action, d["opinion"])
            return Response({"detail": str(refused)}, status=code)
        rect.refresh_from_db()
        data = _rectification_data(rect, roles_held(request.user))
        return Response(RectificationSerializer(data).data)


class ProofUploadSerializer(serializers.Serializer[dict[str, Any]]):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        allow_empty=False,
        max_length=PROOF_MAX_FILES,
        help_text=(
            f"证明材料文件（multipart，可多个，最多 {PROOF_MAX_FILES} 个）：{PROOF_TYPES_LABEL}，"
            f"每个不超过 {PROOF_MAX_BYTES // (1024 * 1024)} MB"
        ),
        error_messages={"empty": "请选择要提交的证明材料文件"},
    )


class _FileRenderer(BaseRenderer):
    """Lets a client ask for the file's type (Accept); a refusal is still JSON."""

    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class RectificationFilesView(APIView):
    parser_classes = (MultiPartParser,)

    @extend_schema(
        summary="整改证明材料：列出（有权查看该整改事项者）",
        responses={200: ProofFileSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, rectification_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        rect = _rectification(request, campaign, rectification_id) if campaign else None
        if rect is None:
            return _not_found()
        data = [_file_data(rect, e) for e in rectification_proof_files(rect)]
        return Response(ProofFileSerializer(data, many=True).data)

    @extend_schema(
        summary="上传整改证明材料（问题所在县的县级干部）",
        description=(
            "待整改或被退回的整改事项，由问题所在县的县级干部上传证明材料（照片、PDF、Word、Excel），"
            "上传后再提交整改情况。一个文件不合格则全部不保存，并说明是哪个文件、什么原因；"
            "同一文件重复上传只保存一次。每个文件都记入操作记录。返回整改事项。"
        ),
        request={"multipart/form-data": ProofUploadSerializer},
        responses={201: RectificationSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, rectification_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        rect = _rectification(request, campaign, rectification_id) if campaign else None
        if rect is None:
            return _not_found()
        body = ProofUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            rectification_proof_attach(
                rectification=rect, user=request.user, files=body.validated_data["files"]
            )
        except AssessmentError as refused:
            if not has_role_in(request.user, Role.COUNTY_OFFICER, rect.item.problem.county_id):
                code = 403
            else:
                code = 409 if rect.status not in PROOF_OPEN else 400
            return Response({"detail": str(refused)}, status=code)
        rect.refresh_from_db()
        data = _rectification_data(rect, roles_held(request.user))
        return Response(RectificationSerializer(data).data, status=status.HTTP_201_CREATED)


class AnyFileRenderer(_FileRenderer):
    media_type = "*/*"
    format = "file"


class RectificationFileView(APIView):
    renderer_classes = (JSONRenderer, AnyFileRenderer)

    @extend_schema(
        summary="下载一个整改证明材料（有权查看该整改事项者；每次下载记入操作记录）",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="文件"
            ),
            404: ERRORS[404],
        },
    )
    def get(
        self, request: Request, campaign_id: int, rectification_id: int, file_id: int
    ) -> HttpResponse:
        campaign = _campaign(request, campaign_id)
        rect = _rectification(request, campaign, rectification_id) if campaign else None
        evidence = Evidence.objects.filter(pk=file_id, rectification=rect).first() if rect else None
        if rect is None or evidence is None:
            return _json_refusal(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        try:
            handle = evidence_open(evidence=evidence, problem=rect.item.problem, user=request.user)
        except FileNotFoundError:
            return _json_refusal(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        response: FileResponse = evidence_response(evidence, handle)
        return response


# --- the report and the lists as files -----------------------------------------------------------


class DocxRenderer(_FileRenderer):
    media_type = DOCX
    format = "docx"


class XlsxRenderer(_FileRenderer):
    media_type = XLSX
    format = "xlsx"


def _json_refusal(text: str, code: int) -> JsonResponse:
    return JsonResponse({"detail": text}, status=code, json_dumps_params={"ensure_ascii": False})


def _download(content: bytes, kind: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _file_schema(operation_id: str, summary: str, kind: str) -> Any:
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description="与页面下载相同的文件；只提供给本任务的评估工作组。",
        responses={
            (200, kind): OpenApiResponse(OpenApiTypes.BINARY, description="文件"),
            403: OpenApiResponse(ErrorSerializer, description=REPORT_FORBIDDEN),
            404: ERRORS[404],
        },
    )


class _CampaignFileView(APIView):
    def _campaign_or_refusal(self, request: Request, campaign_id: int) -> Campaign | JsonResponse:
        """The campaign, or the refusal as JSON whatever file type the client asked for."""
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return _json_refusal(NOT_FOUND, status.HTTP_404_NOT_FOUND)
        if not in_working_group(request.user, campaign):
            return _json_refusal(REPORT_FORBIDDEN, status.HTTP_403_FORBIDDEN)
        return campaign


class CampaignReportDocxView(_CampaignFileView):
    renderer_classes = (JSONRenderer, DocxRenderer)

    @_file_schema("campaigns_report_docx", "评估报告（Word 文档，评估工作组）", DOCX)
    def get(self, request: Request, campaign_id: int) -> HttpResponse:
        campaign = self._campaign_or_refusal(request, campaign_id)
        if isinstance(campaign, JsonResponse):
            return campaign
        return _download(report_docx(campaign), DOCX, f"report-{campaign.pk}.docx")


class CampaignSamplesXlsxView(_CampaignFileView):
    renderer_classes = (JSONRenderer, XlsxRenderer)

    @_file_schema("campaigns_samples_xlsx", "抽样名单（XLSX，评估工作组）", XLSX)
    def get(self, request: Request, campaign_id: int) -> HttpResponse:
        campaign = self._campaign_or_refusal(request, campaign_id)
        if isinstance(campaign, JsonResponse):
            return campaign
        out = io.BytesIO()
        samples_workbook(campaign, out)
        return _download(out.getvalue(), XLSX, f"samples-{campaign.pk}.xlsx")


class CampaignProblemsXlsxView(_CampaignFileView):
    renderer_classes = (JSONRenderer, XlsxRenderer)

    @_file_schema("campaigns_problems_xlsx", "问题清单（XLSX，评估工作组）", XLSX)
    def get(self, request: Request, campaign_id: int) -> HttpResponse:
        campaign = self._campaign_or_refusal(request, campaign_id)
        if isinstance(campaign, JsonResponse):
            return campaign
        out = io.BytesIO()
        problems_workbook(campaign, out)
        return _download(out.getvalue(), XLSX, f"problems-{campaign.pk}.xlsx")
