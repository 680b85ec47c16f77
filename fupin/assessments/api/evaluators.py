"""The evaluators API (评估人员登记): institutions, and a campaign's experts and enumerators with
their logins — one person as JSON, or a whole XLSX roster as multipart (with a dry run).

The same services and the same rule as the evaluators page: the campaign's working group registers
institutions and anyone, an institution's admin its own institution's people. One-time passwords
appear only in the response that created them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND, ErrorSerializer
from fupin.api.params import MAX_ID
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services import (
    AssessmentError,
    Login,
    evaluator_register,
    institution_register,
    roster_import,
)
from fupin.assessments.services.roster import (
    KIND_CHOICES,
    KIND_LABELS,
    MAX_ROSTER_BYTES,
    admin_institutions,
    in_working_group,
    may_register,
    registration_campaign,
)

# --- what the API returns and accepts ------------------------------------------------------------


class InstitutionSerializer(serializers.ModelSerializer[Institution]):
    class Meta:
        model = Institution
        fields = ["id", "name", "province_code", "took_part_in"]


class InstitutionCreateSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=120, help_text="机构名称")
    province = serializers.CharField(max_length=20, help_text="所在省：省名或两位区划代码")
    took_part_in = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        default=list,
        max_length=40,
        help_text="参与过本省评估的省份：省名或区划代码",
    )


class EvaluatorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=KIND_CHOICES, help_text="expert 专家，enumerator 调查员")
    kind_label = serializers.CharField(help_text="类别（中文）")
    name = serializers.CharField()
    institution = serializers.IntegerField(allow_null=True, source="institution_id")
    institution_name = serializers.CharField(allow_null=True)
    employer_province = serializers.CharField(help_text="单位省份（两位区划代码）")
    took_part_in = serializers.ListField(child=serializers.CharField())
    experienced = serializers.BooleanField(help_text="有评估经验")
    exam_passed = serializers.BooleanField(help_text="通过考试（未通过不能分派）")
    username = serializers.CharField(allow_null=True)


class LoginSerializer(serializers.Serializer[Login]):
    evaluator = EvaluatorSerializer()
    username = serializers.CharField()
    password = serializers.CharField(help_text="一次性初始密码：只在本应答中出现，请立即转交本人")


class EvaluatorCreateSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=KIND_CHOICES, help_text="expert 或 enumerator")
    name = serializers.CharField(max_length=32)
    institution = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, help_text="所属机构的 id"
    )
    employer_province = serializers.CharField(max_length=20, help_text="单位省份：省名或两位代码")
    took_part_in = serializers.ListField(
        child=serializers.CharField(max_length=20), required=False, default=list, max_length=40
    )
    experienced = serializers.BooleanField(required=False, default=False)
    exam_passed = serializers.BooleanField(required=False, default=False)
    phone = serializers.CharField(max_length=11, required=False, default="", allow_blank=True)
    username = serializers.CharField(
        max_length=150, required=False, default="", allow_blank=True, help_text="不填则自动生成"
    )


class RosterUploadSerializer(serializers.Serializer[dict[str, Any]]):
    institution = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="所属机构的 id")
    file = serializers.FileField(
        help_text="XLSX 名单（列：姓名、类别、单位省份……，见页面上的模板）"
    )
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="为 true 时只检查、不写入"
    )


class RosterPersonSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    name = serializers.CharField()
    employer_province = serializers.CharField()
    took_part_in = serializers.ListField(child=serializers.CharField())
    experienced = serializers.BooleanField()
    exam_passed = serializers.BooleanField()
    username = serializers.CharField(help_text="空：导入时自动生成")


class RosterReportSerializer(serializers.Serializer[Any]):
    dry_run = serializers.BooleanField()
    people = RosterPersonSerializer(many=True, source="specs")
    errors = serializers.ListField(child=serializers.CharField(), help_text="按行号列出的错误")
    created = LoginSerializer(many=True, help_text="导入时创建的账号及一次性密码")


class RosterRefusedSerializer(ErrorSerializer):
    errors = serializers.ListField(child=serializers.CharField(), help_text="按行号列出的错误")


def evaluator_data(e: Expert | Enumerator) -> dict[str, Any]:
    return {
        "id": e.pk,
        "kind": "expert" if isinstance(e, Expert) else "enumerator",
        "kind_label": KIND_LABELS["expert" if isinstance(e, Expert) else "enumerator"],
        "name": e.name,
        "institution_id": e.institution_id,
        "institution_name": e.institution.name if e.institution else None,
        "employer_province": e.employer_province,
        "took_part_in": e.took_part_in,
        "experienced": e.experienced,
        "exam_passed": e.exam_passed,
        "username": e.user.get_username() if e.user else None,
    }


def login_data(login: Login) -> dict[str, Any]:
    return {
        "evaluator": evaluator_data(login.evaluator),
        "username": login.username,
        "password": login.password,
    }


def _no_store(response: Response) -> Response:
    response["Cache-Control"] = "no-store"  # one-time passwords: never from a cache
    return response


def _not_found() -> Response:
    return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)


# --- institutions ----------------------------------------------------------------------------------


class InstitutionsView(APIView):
    parser_classes = (JSONParser,)

    def _visible(self, request: Request) -> QuerySet[Institution]:
        if in_working_group(request.user):
            return Institution.objects.order_by("name", "id")
        return Institution.objects.filter(
            pk__in=[i.pk for i in admin_institutions(request.user)]
        ).order_by("name", "id")

    @extend_schema(
        summary="评估机构（工作组看全部，机构管理员看本机构）",
        responses={200: InstitutionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        return Response(InstitutionSerializer(self._visible(request), many=True).data)

    @extend_schema(
        summary="登记评估机构（评估工作组）",
        request=InstitutionCreateSerializer,
        responses={201: InstitutionSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def post(self, request: Request) -> Response:
        if not in_working_group(request.user):
            return Response(
                {"detail": "只有评估工作组可以登记评估机构"}, status=status.HTTP_403_FORBIDDEN
            )
        body = InstitutionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            inst = institution_register(
                name=d["name"],
                province=d["province"],
                took_part_in=d["took_part_in"],
                user=request.user,
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(InstitutionSerializer(inst).data, status=status.HTTP_201_CREATED)


# --- a campaign's evaluators -----------------------------------------------------------------------


class CampaignEvaluatorsView(APIView):
    parser_classes = (JSONParser, MultiPartParser, FormParser)

    def _campaign(self, request: Request, campaign_id: int) -> Campaign | None:
        return registration_campaign(request.user, campaign_id)

    @extend_schema(
        summary="评估人员：专家和调查员（工作组看全部，机构管理员看本机构）",
        responses={200: EvaluatorSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        people: list[Expert | Enumerator] = []
        for model in (Expert, Enumerator):
            rows = model.objects.select_related("institution", "user").order_by("name", "id")
            if not in_working_group(request.user, campaign):
                rows = rows.filter(institution__in=admin_institutions(request.user))
            people += list(rows)
        return Response([evaluator_data(e) for e in people])

    @extend_schema(
        summary="登记评估人员并创建登录账号：一人（JSON）或 XLSX 名单（multipart，可只检查）",
        request={
            "application/json": EvaluatorCreateSerializer,
            "multipart/form-data": RosterUploadSerializer,
        },
        responses={
            201: OpenApiResponse(
                RosterReportSerializer,
                description="已登记；created 中的一次性密码只出现这一次",
            ),
            200: OpenApiResponse(RosterReportSerializer, description="名单检查（dry_run），未写入"),
            400: OpenApiResponse(RosterRefusedSerializer, description="请求或名单有误，未写入"),
            403: ERRORS[403],
            404: ERRORS[404],
        },
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if campaign is None:
            return _not_found()
        if request.content_type.startswith("application/json"):
            return self._one(request, campaign)
        return self._roster(request, campaign)

    def _institution(self, pk: int | None) -> Institution | None:
        return Institution.objects.filter(pk=pk).first() if pk is not None else None

    def _one(self, request: Request, campaign: Campaign) -> Response:
        body = EvaluatorCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        institution = self._institution(d.get("institution"))
        if d.get("institution") is not None and institution is None:
            return Response({"detail": "“所属机构”不存在"}, status=status.HTTP_400_BAD_REQUEST)
        if not may_register(request.user, institution, campaign):
            who = institution.name if institution else "不属于评估机构的专家"
            return Response(
                {"detail": f"您无权登记{who}的人员（评估工作组可登记任何人员）"},
                status=status.HTTP_403_FORBIDDEN,
            )
        try:
            login = evaluator_register(
                d["kind"],
                name=d["name"],
                employer_province=d["employer_province"],
                institution=institution,
                took_part_in=d["took_part_in"],
                experienced=d["experienced"],
                exam_passed=d["exam_passed"],
                phone=d["phone"],
                username=d["username"],
                user=request.user,
                campaign=campaign,
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused), "errors": [str(refused)]}, status=400)
        report = {"dry_run": False, "specs": [], "errors": [], "created": [login_data(login)]}
        return _no_store(Response(self._report(report), status=status.HTTP_201_CREATED))

    def _roster(self, request: Request, campaign: Campaign) -> Response:
        body = RosterUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        institution = self._institution(d["institution"])
        if institution is None:
            return Response({"detail": "“所属机构”不存在"}, status=status.HTTP_400_BAD_REQUEST)
        if not may_register(request.user, institution, campaign):
            return Response(
                {"detail": f"您不是{institution.name}的评估机构管理员，不能登记该机构的人员"},
                status=status.HTTP_403_FORBIDDEN,
            )
        upload = d["file"]
        if upload.size > MAX_ROSTER_BYTES:
            return Response(
                {"detail": "名单文件过大", "errors": ["名单文件过大"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            report = roster_import(
                upload.read(),
                institution=institution,
                user=request.user,
                dry_run=d["dry_run"],
                campaign=campaign,
                filename=upload.name or "",
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused), "errors": [str(refused)]}, status=400)
        if report.errors:
            return Response(
                {"detail": "名单有误，未导入", "errors": report.errors},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = self._report(
            {
                "dry_run": report.dry_run,
                "specs": report.specs,
                "errors": [],
                "created": [login_data(lg) for lg in report.created],
            }
        )
        return _no_store(Response(data, status=status.HTTP_200_OK if report.dry_run else 201))

    def _report(self, report: dict[str, Any]) -> dict[str, Any]:
        return {
            "dry_run": report["dry_run"],
            "people": [
                {
                    "kind": s.kind,
                    "name": s.name,
                    "employer_province": s.employer_province,
                    "took_part_in": list(s.took_part_in),
                    "experienced": s.experienced,
                    "exam_passed": s.exam_passed,
                    "username": s.username,
                }
                for s in report["specs"]
            ],
            "errors": report["errors"],
            "created": report["created"],
        }
