"""What the assessment API returns and accepts."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from fupin.api.params import MAX_ID
from fupin.assessments.models import (
    Campaign,
    CountyResult,
    Problem,
    ProblemStep,
    Submission,
)
from fupin.assessments.workflows import PROBLEM_TRANSITIONS, ProblemAction, ProblemStatus, Step
from fupin.regions.models import Region
from fupin.registry.selectors import regions_for

# Which step a problem in each status waits for (the verification table's own from-statuses).
AWAITING_STEP: dict[str, str] = {
    status: move.step for (status, _a), move in PROBLEM_TRANSITIONS.items()
}


# --- campaigns and results ---------------------------------------------------------------------


class CampaignSerializer(serializers.ModelSerializer[Campaign]):
    class Meta:
        model = Campaign
        fields = ["id", "kind", "year", "name", "status", "starts_on", "ends_on", "created_at"]


class CountyRefSerializer(serializers.Serializer[Region]):
    code = serializers.CharField()
    name = serializers.CharField()


class CampaignDetailSerializer(CampaignSerializer):
    counties = serializers.SerializerMethodField(help_text="任务范围内、当前用户有权查看的县")

    class Meta(CampaignSerializer.Meta):
        fields = [
            *CampaignSerializer.Meta.fields,
            "explain_window_hours",
            "thresholds",
            "sampling",
            "counties",
        ]

    @extend_schema_field(CountyRefSerializer(many=True))
    def get_counties(self, campaign: Campaign) -> list[dict[str, Any]]:
        visible = regions_for(self.context["request"].user)
        counties = campaign.scope_counties().filter(pk__in=visible.values("pk"))
        return [dict(CountyRefSerializer(c).data) for c in counties]


class CountyResultSerializer(serializers.ModelSerializer[CountyResult]):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)
    value = serializers.FloatField(source="estimate", read_only=True, help_text="设计估计值")

    class Meta:
        model = CountyResult
        fields = [
            "county",
            "county_name",
            "figure",
            "value",
            "se",
            "df",
            "ci_low",
            "ci_high",
            "threshold",
            "comparison",
            "verdict",
            "clarity",
            "computed_at",
        ]


# --- problems ----------------------------------------------------------------------------------


class ProblemStepSerializer(serializers.ModelSerializer[ProblemStep]):
    class Meta:
        model = ProblemStep
        fields = ["step", "action", "from_status", "to_status", "role", "at", "opinion", "disputed"]


class ProblemSerializer(serializers.ModelSerializer[Problem]):
    county = serializers.SlugRelatedField(slug_field="code", read_only=True)
    county_name = serializers.CharField(source="county.name", read_only=True)
    household_no = serializers.CharField(
        source="household.household_no", read_only=True, allow_null=True, default=None
    )
    awaiting_step = serializers.SerializerMethodField(help_text="待进行的核实环节；已办结为 null")

    class Meta:
        model = Problem
        fields = [
            "id",
            "campaign",
            "county",
            "county_name",
            "household_no",
            "kind",
            "description",
            "status",
            "awaiting_step",
            "disputed",
            "explain_until",
            "raised_at",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=Step.choices, allow_null=True))
    def get_awaiting_step(self, problem: Problem) -> str | None:
        return AWAITING_STEP.get(problem.status)


class ProblemDetailSerializer(ProblemSerializer):
    steps = ProblemStepSerializer(many=True, read_only=True, help_text="五核记录")

    class Meta(ProblemSerializer.Meta):
        fields = [*ProblemSerializer.Meta.fields, "steps"]


class ProblemFilterSerializer(serializers.Serializer[dict[str, Any]]):
    campaign = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    status = serializers.ChoiceField(choices=ProblemStatus.choices, required=False)
    step = serializers.ChoiceField(
        choices=[(s, label) for s, label in Step.choices if s in set(AWAITING_STEP.values())],
        required=False,
        help_text="只列出等待该核实环节的问题",
    )


class TransitionSerializer(serializers.Serializer[dict[str, Any]]):
    """One verification action on a problem (`problem_transition`)."""

    action = serializers.ChoiceField(
        choices=[(a, label) for a, label in ProblemAction.choices if a != ProblemAction.RAISE]
    )
    opinion = serializers.CharField(max_length=5000, help_text="本环节意见（必填）")
    disputed = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="只用于复核结论（review_conclude）：地方与核查组意见是否存在争议",
    )


class TransitionResultSerializer(serializers.Serializer[dict[str, Any]]):
    step = ProblemStepSerializer()
    problem = ProblemSerializer()


# --- submissions -------------------------------------------------------------------------------


class GpsSerializer(serializers.Serializer[dict[str, Any]]):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)
    accuracy = serializers.FloatField(
        min_value=0, required=False, allow_null=True, help_text="定位精度（米）"
    )


# The request fields that form the questionnaire payload the service checks and checksums.
PAYLOAD_FIELDS = (
    "household_no",
    "questionnaire_version",
    "answers",
    "started_at",
    "finished_at",
    "gps",
)


class SubmissionSerializer(serializers.Serializer[dict[str, Any]]):
    """One household questionnaire as a device sends it (the offline field survey page posts the same).

    The body is flat: `campaign` and `client_id`, then the payload, which is stored and
    checksummed as sent (`household_no`, `questionnaire_version`, `answers`, `started_at`,
    `finished_at`, optional `gps`; other fields are ignored). The device makes `client_id` (a
    UUID) once per questionnaire and sends the same body again until it gets 200 or 201: the
    same id with the same payload is stored once (201 the first time, 200 after); the same id
    with a different payload is refused with 409 and nothing is written (a correction is a new
    questionnaire with a new id).
    """

    campaign = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="考核评估任务编号")
    client_id = serializers.UUIDField(help_text="设备为这份问卷生成的 UUID；重复提交凭此只保存一次")
    household_no = serializers.CharField(max_length=20, trim_whitespace=False, help_text="户编号")
    questionnaire_version = serializers.IntegerField(
        min_value=1, max_value=32767, help_text="问卷版本（当前为 1）"
    )
    answers = serializers.DictField(
        help_text="问题编号到答案的对应表；类型按问卷：int 非负整数、number 数、bool 是否、"
        "choice 选项编码、text 文字；只答适用于该户的问题，必答题不能缺"
    )
    started_at = serializers.DateTimeField(help_text="开始时间，ISO 8601，须带时区")
    finished_at = serializers.DateTimeField(help_text="完成时间，ISO 8601，须带时区，不能晚于现在")
    gps = GpsSerializer(required=False, allow_null=True, help_text="完成时的定位（可缺）")

    def validate_answers(self, value: dict[str, Any]) -> dict[str, Any]:
        # PostgreSQL's jsonb cannot hold a NUL character: refuse it here rather than fail on insert.
        if _has_nul(value):
            raise serializers.ValidationError("答案中不能含有空字符（\\u0000）")
        return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class SubmissionResultSerializer(serializers.ModelSerializer[Submission]):
    household_no = serializers.CharField(source="household.household_no", read_only=True)
    questionnaire_version = serializers.IntegerField(source="questionnaire.version", read_only=True)
    team = serializers.CharField(source="team.code", read_only=True)
    created = serializers.SerializerMethodField(
        help_text="本次是否新保存（false：重复提交，原样返回）"
    )

    class Meta:
        model = Submission
        fields = [
            "id",
            "client_id",
            "campaign",
            "household_no",
            "questionnaire_version",
            "team",
            "started_at",
            "finished_at",
            "received_at",
            "created",
        ]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_created(self, submission: Submission) -> bool:
        return bool(self.context.get("created"))
