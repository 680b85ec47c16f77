"""POST /api/problems/: an enumerator raises a suspected problem from their team's own survey tool,
with the same rules as the field page (the household assigned to their team, idempotent by a
client id, a conflicting resend refused) and evidence by reference to the source questionnaire's
uploaded files or as files in a multipart request.

`ProblemRaiseMixin` gives `ProblemViewSet` its `create` (the router then answers POST on the list
route); everything it writes goes through `problem_raise_once` and `evidence_receive`.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.api.errors import ERRORS, ErrorSerializer
from fupin.assessments.api.permissions import enumerator_of
from fupin.assessments.models import Campaign, Evidence, EvidenceKind, Problem, Submission
from fupin.assessments.selectors import EVALUATION_STATUSES, campaigns_for
from fupin.assessments.services import (
    PROBLEM_CONFLICT_MESSAGE,
    AssessmentError,
    enumerator_team_for,
    evidence_receive,
    problem_raise_once,
)
from fupin.assessments.workflows import ProblemKind
from fupin.registry.models import Household
from fupin.registry.selectors import households_for

MAX_ID = 2**63 - 1
PHOTO_MAX_BYTES = 15 * 1024 * 1024
AUDIO_MAX_BYTES = 30 * 1024 * 1024
MAX_FILES = 20
NOT_ENUMERATOR = "只有调查员可以提出疑点问题"
CAMPAIGN_REFUSED = "该任务不存在、未分派给您，或已不在实地调查和问题核实阶段，疑点问题未保存"
# Refusals of problem_raise_once about who raises, and about the campaign's state.
_FORBIDDEN = ("不在您所在小组的调查任务中", "只有分派到该户的调查员")
_CONFLICT = (PROBLEM_CONFLICT_MESSAGE, "不能提出疑点问题")


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError("不能含有空字符（\\u0000）")
    return value


class ProblemRaiseSerializer(serializers.Serializer[dict[str, Any]]):
    """A suspected problem as a team's own survey tool sends it (the field page sends the same).

    The tool makes `client_id` (a UUID) once per problem and sends the same body until it gets 200
    or 201: the same id with the same household, kind, description and source questionnaire is
    stored once (201 the first time, 200 after); with other content it is refused with 409 and
    nothing is written. Evidence: `evidence` lists files already uploaded with the source
    questionnaire (POST /field/submissions/{client_id}/evidence/); in a multipart request,
    `files` are photos (image/*) or recordings (audio/*) attached to the problem itself.
    """

    client_id = serializers.UUIDField(
        help_text="调查工具为该问题生成的 UUID；重复提交凭此只保存一次"
    )
    campaign = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="考核评估任务编号")
    household_no = serializers.CharField(max_length=20, help_text="户编号（须分派给本人所在小组）")
    kind = serializers.ChoiceField(
        choices=ProblemKind.choices,
        help_text="问题类型：wrong_exit 错退、missed 漏评、recognition 认可度、"
        "policy_not_delivered 政策未落实、other 其他",
    )
    description = serializers.CharField(
        max_length=4000, trim_whitespace=False, help_text="问题描述（疑点的情况与依据）"
    )
    submission = serializers.UUIDField(
        required=False, allow_null=True, help_text="来源问卷的 client_id（须已提交，可缺）"
    )
    evidence = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_FILES,
        help_text="引用来源问卷已上传的证据材料编号",
    )
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=MAX_FILES,
        help_text="随问题上传的照片或录音（仅 multipart）",
    )

    def validate_household_no(self, value: str) -> str:
        return _no_nul(value)

    def validate_description(self, value: str) -> str:
        return _no_nul(value)

    def validate_files(self, value: list[UploadedFile]) -> list[UploadedFile]:
        for upload in value:
            content_type = upload.content_type or ""
            limit = (
                PHOTO_MAX_BYTES
                if content_type.startswith("image/")
                else AUDIO_MAX_BYTES
                if content_type.startswith("audio/")
                else None
            )
            if limit is None:
                raise serializers.ValidationError(
                    f"只接收照片（图像文件）或录音（音频文件）：{upload.name}"
                )
            if upload.size is not None and upload.size > limit:
                raise serializers.ValidationError(
                    f"{upload.name} 超过 {limit // (1024 * 1024)} MB，未保存"
                )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("evidence") and not attrs.get("submission"):
            raise serializers.ValidationError({"evidence": "引用证据材料须同时给出来源问卷"})
        return attrs


class RaisedEvidenceSerializer(serializers.ModelSerializer[Evidence]):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = Evidence
        fields = ("id", "kind", "kind_label", "sha256", "size")


class ProblemRaisedSerializer(serializers.ModelSerializer[Problem]):
    household_no = serializers.CharField(source="household.household_no")
    kind_label = serializers.CharField(source="get_kind_display")
    status_label = serializers.CharField(source="get_status_display")
    files = RaisedEvidenceSerializer(many=True, source="evidence_files")
    created = serializers.SerializerMethodField()

    class Meta:
        model = Problem
        fields = (
            "id",
            "client_id",
            "campaign",
            "household_no",
            "kind",
            "kind_label",
            "description",
            "status",
            "status_label",
            "raised_at",
            "files",
            "created",
        )

    def get_created(self, obj: Problem) -> bool:
        return bool(self.context.get("created"))


def _refusal_status(message: str) -> int:
    if any(m in message for m in _CONFLICT):
        return status.HTTP_409_CONFLICT
    if any(m in message for m in _FORBIDDEN):
        return status.HTTP_403_FORBIDDEN
    return status.HTTP_400_BAD_REQUEST


# `create` for ProblemViewSet: POST /api/problems/ (JSON or multipart). No docstring: the schema
# would take it for the description of the view set's every operation.
class ProblemRaiseMixin:
    request: Any
    kwargs: dict[str, Any]

    def get_parsers(self) -> list[BaseParser]:
        parsers: list[BaseParser] = super().get_parsers()  # type: ignore[misc]
        # The raw request (None while the schema is generated): multipart for create only.
        raw = getattr(self, "request", None)
        kwargs = getattr(self, "kwargs", None) or {}
        if raw is not None and raw.method == "POST" and "pk" not in kwargs:
            return [JSONParser(), MultiPartParser()]
        return parsers

    @extend_schema(
        summary="提出一条疑点问题（调查员，按 client_id 幂等；证据可引用或随附）",
        request={
            "application/json": ProblemRaiseSerializer,
            "multipart/form-data": ProblemRaiseSerializer,
        },
        responses={
            201: OpenApiResponse(ProblemRaisedSerializer, description="新提出，待初核"),
            200: OpenApiResponse(
                ProblemRaisedSerializer,
                description="同一 client_id、同一内容的重复提交：原样返回，未重复保存",
            ),
            400: ERRORS[400],
            403: ERRORS[403],
            409: OpenApiResponse(
                ErrorSerializer,
                description="client_id 已用于内容不同的问题，或任务已不接收疑点问题",
            ),
        },
    )
    def create(self, request: Request) -> Response:
        enumerator = enumerator_of(request.user)
        if enumerator is None:
            raise PermissionDenied(NOT_ENUMERATOR)
        body = ProblemRaiseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        stored = (
            Problem.objects.select_related("campaign")
            .filter(campaign_id=data["campaign"], client_id=data["client_id"])
            .first()
        )
        if stored is not None:
            # A retry: answered in any campaign status (it writes nothing), only to the user who
            # raised it; the service compares the content.
            found = Household.objects.filter(household_no=data["household_no"]).first()
            if stored.raised_by_id != request.user.pk or found is None:
                return Response(
                    {"detail": PROBLEM_CONFLICT_MESSAGE}, status=status.HTTP_409_CONFLICT
                )
            campaign, household = stored.campaign, found
        else:
            open_campaign: Campaign | None = (
                campaigns_for(request.user)
                .filter(pk=data["campaign"], status__in=EVALUATION_STATUSES)
                .first()
            )
            if open_campaign is None:
                raise PermissionDenied(CAMPAIGN_REFUSED)
            campaign = open_campaign
            scoped = households_for(request.user).filter(household_no=data["household_no"]).first()
            if scoped is None or enumerator_team_for(campaign, enumerator, scoped) is None:
                raise PermissionDenied(
                    f"户编号 {data['household_no']} 不在您所在调查小组的分派中，"
                    "不能对该户提出疑点问题"
                )
            household = scoped
        submission = None
        if data.get("submission"):
            submission = Submission.objects.filter(
                client_id=data["submission"], campaign=campaign, enumerator=enumerator
            ).first()
            if submission is None:
                return _refused("来源问卷尚未提交，或不是您提交的，疑点问题未保存")
        cited: list[Evidence] = []
        if data.get("evidence"):
            ids = sorted(set(data["evidence"]))
            cited = list(Evidence.objects.filter(pk__in=ids, submission=submission))
            missing = sorted(set(ids) - {e.pk for e in cited})
            if missing:
                return _refused(f"证据材料 {missing[0]} 不存在，或不属于来源问卷")
        try:
            with transaction.atomic():
                problem, created = problem_raise_once(
                    campaign=campaign,
                    client_id=data["client_id"],
                    household=household,
                    kind=data["kind"],
                    description=data["description"],
                    user=request.user,
                    enumerator=enumerator,
                    submission=submission,
                    evidence=cited,
                )
                for upload in data.get("files", []):
                    content = upload.read()
                    evidence_receive(
                        owner=problem,
                        kind=(
                            EvidenceKind.AUDIO
                            if (upload.content_type or "").startswith("audio/")
                            else EvidenceKind.PHOTO
                        ),
                        content=content,
                        sha256=hashlib.sha256(content).hexdigest(),
                        filename=upload.name or "",
                        user=request.user,
                    )
        except AssessmentError as refused:
            message = str(refused)
            return Response({"detail": message}, status=_refusal_status(message))
        problem.evidence_files = list(problem.evidence.order_by("id"))  # type: ignore[attr-defined]
        result = ProblemRaisedSerializer(problem, context={"created": created}).data
        return Response(result, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _refused(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)
