"""Creating a campaign (`POST /api/campaigns/`) and its draws (`/api/campaigns/{id}/draws/`): the
working group's first steps, through the same services as the pages (`campaign_create`,
`counties_draw`, `county_sample_draw`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.scoping import sees_whole_region
from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.api.params import MAX_ID
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import Campaign, Draw, DrawLevel, sampling_errors
from fupin.assessments.models.campaigns import VILLAGE_METHODS, default_sampling
from fupin.assessments.services import (
    AssessmentError,
    campaign_create,
    counties_draw,
    county_sample_draw,
    draws_current,
    in_working_group,
    scope_parse,
)
from fupin.assessments.services.draws import counties_sampled_elsewhere
from fupin.assessments.workflows import CampaignKind
from fupin.regions.models import Level, Region
from fupin.registry.selectors import regions_for

# --- creating a campaign --------------------------------------------------------------------------


class HouseholdsPerStratumSerializer(serializers.Serializer[dict[str, int]]):
    exited = serializers.IntegerField(min_value=0, max_value=100000, help_text="每村抽取已脱贫户数")
    poor = serializers.IntegerField(min_value=0, max_value=100000, help_text="每村抽取未脱贫户数")
    non_registered = serializers.IntegerField(
        min_value=0, max_value=100000, help_text="每村抽取非建档立卡户数"
    )


class SamplingSerializer(serializers.Serializer[dict[str, Any]]):
    """The campaign's sampling settings; what is left out takes its default."""

    county_rate = serializers.FloatField(
        required=False, help_text="县抽样比例 (0, 1]；为 1 时评估范围内的县全部评估，不抽县"
    )
    min_counties_per_province = serializers.IntegerField(
        required=False, min_value=1, max_value=10000, help_text="每省至少抽取县数"
    )
    villages_per_county = serializers.IntegerField(
        required=False, min_value=1, max_value=10000, help_text="每县抽取村数"
    )
    poor_village_share = serializers.FloatField(
        required=False, help_text="抽中的村里贫困村所占比例 [0, 1]"
    )
    village_method = serializers.ChoiceField(
        choices=list(VILLAGE_METHODS),
        required=False,
        help_text="抽村方法：pps 与规模成比例抽样（按户数），srs 简单随机抽样",
    )
    households_per_stratum = HouseholdsPerStratumSerializer(
        required=False, help_text="每个抽中村每层抽取户数"
    )
    at_risk_in_full = serializers.BooleanField(
        required=False, help_text="抽中村内的低保户、大病户、危房户全部入样"
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        settings = {**default_sampling(), **attrs}
        errors: dict[str, list[str]] = {}
        for key in attrs:  # each setting alone against the defaults: its refusal names it
            trial = {**default_sampling(), key: settings[key]}
            if key == "households_per_stratum":
                trial[key] = dict(settings[key])
            messages = sampling_errors(trial)
            if messages:
                errors[key] = messages
        if errors:
            raise serializers.ValidationError(errors)
        return settings


class CampaignCreateSerializer(serializers.Serializer[dict[str, Any]]):
    kind = serializers.ChoiceField(choices=CampaignKind.choices, help_text="评估类型")
    year = serializers.IntegerField(
        min_value=2014, max_value=2030, help_text="被评估的年度：抽查 2018 年退出的县填 2018"
    )
    name = serializers.CharField(max_length=120, help_text="任务名称")
    scope = serializers.ListField(
        child=serializers.CharField(max_length=40),
        min_length=1,
        max_length=2000,
        help_text="评估范围：省或县的名称或区划代码（如 “甘肃省”、“62”、“岷县”、“621126”）；列出省时包括其全部贫困县",
    )
    sampling = SamplingSerializer(required=False, help_text="抽样设置；未给出的取默认值")
    explain_window_hours = serializers.IntegerField(
        min_value=0, max_value=32767, default=24, help_text="地方说明期(小时)"
    )
    starts_on = serializers.DateField(required=False, allow_null=True, help_text="开始日期")
    ends_on = serializers.DateField(required=False, allow_null=True, help_text="结束日期")

    def validate_scope(self, value: list[str]) -> list[Region]:
        try:
            return scope_parse("、".join(v.replace("\x00", "") for v in value))
        except AssessmentError as e:
            raise serializers.ValidationError(str(e).removeprefix("评估范围：")) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        starts, ends = attrs.get("starts_on"), attrs.get("ends_on")
        if starts and ends and ends < starts:
            raise serializers.ValidationError({"ends_on": "结束日期早于开始日期"})
        if not attrs["scope"]:
            raise serializers.ValidationError({"scope": "请列出至少一个省或县"})
        return attrs


class CampaignCreatedSerializer(serializers.ModelSerializer[Campaign]):
    scope = serializers.SerializerMethodField(help_text="评估范围（区划代码）")

    class Meta:
        model = Campaign
        fields = [
            "id",
            "kind",
            "year",
            "name",
            "status",
            "scope",
            "sampling",
            "thresholds",
            "explain_window_hours",
            "starts_on",
            "ends_on",
            "created_at",
        ]

    def get_scope(self, campaign: Campaign) -> list[str]:
        return list(campaign.scope.order_by("code").values_list("code", flat=True))


class CampaignCreateMixin:
    """`create` for the campaigns viewset: the working group (or a province office over its own
    province) opens a campaign in draft and joins its working group."""

    @extend_schema(
        summary="创建考核评估任务（评估工作组；省扶贫办限本省）",
        description="判定标准从现行政策表复制；创建人列为该任务的评估工作组成员。",
        request=CampaignCreateSerializer,
        responses={201: CampaignCreatedSerializer, 400: ERRORS[400], 403: ERRORS[403]},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = CampaignCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            campaign = campaign_create(
                kind=d["kind"],
                year=d["year"],
                name=d["name"],
                scope=d["scope"],
                sampling=d.get("sampling") or default_sampling(),
                explain_window_hours=d["explain_window_hours"],
                starts_on=d.get("starts_on"),
                ends_on=d.get("ends_on"),
                user=request.user,
            )
        except AssessmentError as refused:
            text = str(refused)
            if text.startswith("只有"):
                return Response({"detail": text}, status=status.HTTP_403_FORBIDDEN)
            if text.startswith("评估范围："):
                return Response(
                    {"scope": [text.removeprefix("评估范围：")]}, status=status.HTTP_400_BAD_REQUEST
                )
            return Response({"detail": text}, status=status.HTTP_400_BAD_REQUEST)
        return Response(CampaignCreatedSerializer(campaign).data, status=status.HTTP_201_CREATED)


# --- draws ----------------------------------------------------------------------------------------

LEVELS = {"county": "抽县", "village_household": "在一个县内抽村和户"}


class DrawItemSerializer(serializers.Serializer[Any]):
    unit = serializers.CharField(source="unit_key", help_text="区划代码或户编号")
    stratum = serializers.CharField(help_text="层（抽县：省名；抽村：poor/nonpoor；抽户：户的层）")
    inclusion_probability = serializers.FloatField(help_text="入样概率（抽户为村内条件概率）")
    certainty = serializers.BooleanField(help_text="必选单位")
    also_sampled_by = serializers.SerializerMethodField(
        help_text="抽县：同年也抽中该县的其他考核（省际交叉考核、第三方评估、财政资金绩效评价）"
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_also_sampled_by(self, item: Any) -> list[str]:
        return list(self.context.get("elsewhere", {}).get(item.unit_key, []))


class DrawSerializer(serializers.ModelSerializer[Draw]):
    county = serializers.SerializerMethodField(help_text="所在县区划代码（抽县时为空）")
    method_label = serializers.CharField(read_only=True, help_text="抽样方法（中文）")
    size = serializers.IntegerField(read_only=True, help_text="抽中单位数")
    items = serializers.SerializerMethodField(help_text="抽中单位（按县筛选或抽县时给出）")

    class Meta:
        model = Draw
        fields = [
            "id",
            "level",
            "county",
            "parent",
            "seed",
            "method",
            "method_label",
            "parameters",
            "frame_description",
            "frame_size",
            "frame_checksum",
            "size",
            "reason",
            "supersedes",
            "actor",
            "created_at",
            "items",
        ]

    def get_county(self, draw: Draw) -> str | None:
        return draw.county.code if draw.county_id else None

    @extend_schema_field(DrawItemSerializer(many=True, allow_null=True))
    def get_items(self, draw: Draw) -> list[dict[str, Any]] | None:
        if not self.context.get("items"):
            return None
        elsewhere = (
            counties_sampled_elsewhere(draw.campaign) if draw.level == DrawLevel.COUNTY else {}
        )
        return list(
            DrawItemSerializer(
                draw.items.order_by("order"), many=True, context={"elsewhere": elsewhere}
            ).data
        )


class DrawFilterSerializer(serializers.Serializer[dict[str, Any]]):
    county = serializers.RegexField(
        r"^[0-9]{6}([0-9]{6})?$",
        required=False,
        help_text="县区划代码（6 或 12 位）：只列该县，并给出抽中单位",
    )


class DrawRequestSerializer(serializers.Serializer[dict[str, Any]]):
    level = serializers.ChoiceField(
        choices=list(LEVELS.items()), help_text="county 抽县；village_household 在一个县内抽村和户"
    )
    county = serializers.RegexField(
        r"^[0-9]{6}([0-9]{6})?$",
        required=False,
        help_text="县区划代码（6 或 12 位），抽村和户时必填",
    )
    seed = serializers.IntegerField(
        min_value=0,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="随机种子；不填则随机生成并记录",
    )
    reason = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="重抽原因（重抽时必填）"
    )
    allow_overlap = serializers.BooleanField(
        required=False,
        default=False,
        help_text="抽县：允许抽中同年其他考核（省际交叉考核、第三方评估、财政资金绩效评价）已抽中的县；"
        "默认剔除",
    )
    overlap_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="允许重叠的原因（allow_overlap 时必填，随抽样记录保存并记入审计）",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["level"] == "village_household" and not attrs.get("county"):
            raise serializers.ValidationError({"county": "抽村和户须指定县（区划代码）"})
        if attrs["level"] == "county" and attrs.get("county"):
            raise serializers.ValidationError({"county": "抽县时不应指定县"})
        return attrs


def _draws(campaign: Campaign, county: str | None) -> QuerySet[Draw]:
    qs = draws_current(campaign).select_related("county").annotate(size=Count("items"))
    if county:
        qs = qs.filter(county__code=county if len(county) == 12 else county + "000000")
    return qs.order_by("level", "county__code", "id")


# Refusals that concern one field of the request: its name in the 400 answer.
_FIELD_REFUSALS = (
    ("重抽须填写重抽原因", "reason"),
    ("不在本任务", "county"),
    ("重叠须填写原因", "overlap_reason"),
    ("须填写允许重叠的原因", "overlap_reason"),
)


class CampaignDrawsView(APIView):
    parser_classes = (JSONParser,)

    def _campaign(self, request: Request, campaign_id: int) -> Campaign | None:
        return campaign_visible(request, campaign_id)

    @extend_schema(
        summary="任务现行的抽样记录（抽县、各县抽村抽户）",
        parameters=[
            OpenApiParameter("county", str, description="县区划代码：只列该县，并给出抽中单位")
        ],
        responses={200: DrawSerializer(many=True), 400: ERRORS[400], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        f = DrawFilterSerializer(data=request.query_params.dict())
        f.is_valid(raise_exception=True)
        county = f.validated_data.get("county")
        whole = in_working_group(request.user, campaign)
        draws = _draws(campaign, county)
        if county is not None:
            region = Region.objects.filter(
                code=county if len(county) == 12 else county + "000000", level=Level.COUNTY
            ).first()
            # A county's whole sample: the working group's, or an office's over the whole county.
            if region is None or not (whole or sees_whole_region(request.user, region)):
                return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        elif not whole:
            draws = draws.filter(
                Q(county__isnull=True) | Q(county__in=regions_for(request.user).values("pk"))
            )
        if county is None:  # households only for one county at a time; counties always
            data = [
                DrawSerializer(d, context={"items": d.level == DrawLevel.COUNTY}).data
                for d in draws
            ]
        else:
            data = list(DrawSerializer(draws, many=True, context={"items": True}).data)
        return Response(data)

    @extend_schema(
        summary="抽县，或在一个县内抽村和户（评估工作组）",
        description=(
            '{"level": "county"}：按任务的县抽样比例分省抽县；'
            '{"level": "village_household", "county": "621126"}：按任务的抽样设置从登记库抽村、抽户。'
            "已有现行抽样时为重抽，须给出 reason；原记录保留。"
        ),
        request=DrawRequestSerializer,
        responses={201: DrawSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = self._campaign(request, campaign_id)
        if campaign is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        body = DrawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if not in_working_group(request.user, campaign):
            return Response(
                {"detail": "只有本任务的评估工作组成员可以抽样"}, status=status.HTTP_403_FORBIDDEN
            )
        try:
            if d["level"] == "county":
                made = [
                    counties_draw(
                        campaign,
                        user=request.user,
                        seed=d.get("seed"),
                        reason=d.get("reason", ""),
                        allow_overlap=d["allow_overlap"],
                        overlap_reason=d["overlap_reason"],
                    )
                ]
            else:
                code = d["county"] if len(d["county"]) == 12 else d["county"] + "000000"
                region = Region.objects.filter(code=code, level=Level.COUNTY).first()
                if region is None:
                    return Response(
                        {"county": [f"区划代码 {d['county']} 不是已登记的县"]},
                        status=status.HTTP_400_BAD_REQUEST,
                    )
                sample = county_sample_draw(
                    campaign,
                    region,
                    user=request.user,
                    seed=d.get("seed"),
                    reason=d.get("reason", ""),
                )
                made = [sample.village_draw, sample.household_draw]
        except AssessmentError as refused:
            text = str(refused)
            for marker, field in _FIELD_REFUSALS:
                if marker in text:
                    return Response({field: [text]}, status=status.HTTP_400_BAD_REQUEST)
            return Response({"detail": text}, status=status.HTTP_409_CONFLICT)
        draws = Draw.objects.filter(pk__in=[m.pk for m in made]).annotate(size=Count("items"))
        data = DrawSerializer(draws.order_by("id"), many=True, context={"items": True}).data
        return Response(data, status=status.HTTP_201_CREATED)
