"""Computing the figures (`POST /api/campaigns/{id}/results/`) and recording the county results
(`/api/campaigns/{id}/decisions/`): the working group's steps, through the same services as the
pages (`campaign_results_compute`, `results_compute`, `county_decision_record`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api import serializers as s
from fupin.assessments.api import views
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import Campaign, CountyDecision, CountyResult, Verdict
from fupin.assessments.services import (
    AssessmentError,
    ResultsRefused,
    assessed_counties,
    campaign_results_compute,
    county_decision_record,
    in_working_group,
    results_compute,
)
from fupin.regions.models import Region
from fupin.registry.selectors import regions_for

COUNTY = r"^[0-9]{6}([0-9]{6})?$"


class UnsurveyedSerializer(serializers.Serializer[Any]):
    household_no = serializers.CharField(help_text="户编号")
    village = serializers.CharField(help_text="所在村")


class OpenProblemSerializer(serializers.Serializer[Any]):
    number = serializers.IntegerField(help_text="问题编号")
    kind = serializers.CharField(help_text="问题类型（中文）")
    status = serializers.CharField(help_text="当前环节（中文）")
    household_no = serializers.CharField(help_text="户编号（县级问题为空）")


class CountyGapsSerializer(serializers.Serializer[Any]):
    county = serializers.CharField(help_text="县区划代码")
    name = serializers.CharField(help_text="县名")
    unsurveyed = UnsurveyedSerializer(many=True, help_text="尚未调查的样本户")
    open_problems = OpenProblemSerializer(many=True, help_text="尚未终核的问题")


class ResultsRefusedSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField(help_text="拒绝的原因（中文）")
    counties = CountyGapsSerializer(many=True, help_text="各县尚未调查的样本户和尚未终核的问题")


class ComputeRequestSerializer(serializers.Serializer[dict[str, Any]]):
    county = serializers.RegexField(
        COUNTY, required=False, help_text="县区划代码（6 或 12 位）；不填则计算全部抽中的县"
    )


class DecisionRequestSerializer(serializers.Serializer[dict[str, Any]]):
    county = serializers.RegexField(COUNTY, help_text="县区划代码（6 或 12 位）")
    outcome = serializers.ChoiceField(
        choices=Verdict.choices,
        help_text="县级结果：pass 通过（达标），fail 不通过（未达标）；不打分、不排队",
    )
    note = serializers.CharField(
        max_length=4000, help_text="理由（综合研判的依据）；结果与逐项判定不同时须写明"
    )

    def validate_note(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("请填写理由（综合研判的依据）")
        return value


class CountyDecisionSerializer(serializers.ModelSerializer[CountyDecision]):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)
    outcome_label = serializers.CharField(
        source="get_outcome_display", read_only=True, help_text="县级结果（中文）"
    )

    class Meta:
        model = CountyDecision
        fields = [
            "county",
            "county_name",
            "outcome",
            "outcome_label",
            "straddling_figures",
            "note",
            "actor",
            "decided_at",
        ]


_campaign = campaign_visible


def _county(campaign: Campaign, code: str) -> Region | None:
    """One of the campaign's assessed counties, by its 6- or 12-digit code."""
    full = code if len(code) == 12 else code + "000000"
    return next((c for c in assessed_counties(campaign) if c.code == full), None)


def _forbidden(text: str) -> Response:
    return Response({"detail": text}, status=status.HTTP_403_FORBIDDEN)


class CampaignResultsView(views.CampaignResultsView):
    """GET the figures in force; POST 计算结果."""

    parser_classes = (JSONParser,)

    def get_queryset(self) -> QuerySet[CountyResult]:
        return super().get_queryset().filter(current=True)

    @extend_schema(
        summary="计算三率一度（评估工作组）",
        description=(
            "由现行抽样记录、已收问卷和终核认定的问题计算各县三率一度并记录（重新计算时保留此前的结果）。"
            '{"county": "621126"} 只计算该县；不填计算全部抽中的县（全部成功或全部不计算）。'
            "尚有样本户未调查或问题未终核时拒绝（409），并列出各县的清单。"
        ),
        request=ComputeRequestSerializer,
        responses={
            201: s.CountyResultSerializer(many=True),
            400: ERRORS[400],
            403: ERRORS[403],
            404: ERRORS[404],
            409: OpenApiResponse(
                ResultsRefusedSerializer,
                description="尚有样本户未调查或问题未终核，或任务状态不允许",
            ),
        },
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        body = ComputeRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not in_working_group(request.user, campaign):
            return _forbidden("只有本任务的评估工作组成员可以计算结果")
        code = body.validated_data.get("county")
        county = _county(campaign, code) if code else None
        if code and county is None:
            return Response(
                {"county": [f"区划代码 {code} 不是本任务评估的县"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            if county is not None:
                computed = [results_compute(campaign, county, user=request.user)]
            else:
                computed = campaign_results_compute(campaign, user=request.user)
        except ResultsRefused as refused:
            return Response(
                {"detail": str(refused), "counties": [g.as_dict() for g in refused.gaps]},
                status=status.HTTP_409_CONFLICT,
            )
        except AssessmentError as refused:
            return Response(
                {"detail": str(refused), "counties": []}, status=status.HTTP_409_CONFLICT
            )
        rows = [r for c in computed for r in c.rows]
        data = s.CountyResultSerializer(rows, many=True).data
        return Response(data, status=status.HTTP_201_CREATED)


class CampaignDecisionsView(APIView):
    """The county results (县级结果) of a campaign: listed for the visible counties; recorded by
    the working group."""

    parser_classes = (JSONParser,)

    @extend_schema(
        summary="任务的县级结果（只含可查看的县）",
        responses={200: CountyDecisionSerializer(many=True), 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        decisions = (
            CountyDecision.objects.filter(
                campaign=campaign, county__in=regions_for(request.user).values("pk")
            )
            .select_related("county")
            .order_by("county__code")
        )
        return Response(CountyDecisionSerializer(decisions, many=True).data)

    @extend_schema(
        summary="作出县级结果（评估工作组）",
        description=(
            "结果只有通过或不通过，不打分、不排队。逐项判定均达标为通过，任一项未达标为不通过；"
            "与逐项判定不同的结果只能在区间跨越阈值、样本不足或认可度未达标时经综合研判作出，并须写明理由。"
            "再次提交即修改该县的结果，每次都记入操作记录。"
        ),
        request=DecisionRequestSerializer,
        responses={201: CountyDecisionSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        body = DecisionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if not in_working_group(request.user, campaign):
            return _forbidden("只有本任务的评估工作组成员可以作出县级结果")
        county = _county(campaign, d["county"])
        if county is None:
            return Response(
                {"county": [f"区划代码 {d['county']} 不是本任务评估的县"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        try:
            decision = county_decision_record(
                campaign=campaign,
                county=county,
                user=request.user,
                outcome=d["outcome"],
                note=d["note"],
            )
        except AssessmentError as refused:
            text = str(refused)
            if "理由" in text:
                return Response({"note": [text]}, status=status.HTTP_400_BAD_REQUEST)
            return Response({"detail": text}, status=status.HTTP_409_CONFLICT)
        return Response(CountyDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
