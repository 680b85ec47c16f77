"""The enumerator's field work through the API (`GET /api/field/assignments/`,
`GET /api/field/questionnaire/`): the team's households and the questionnaire exactly as the phone
app's bootstrap.json builds them (`field.field_campaigns`, `questionnaire_current`), so that a
team using its own survey tools can fetch them and send `POST /api/submissions/` and
`POST /api/problems/`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS
from fupin.assessments.api.permissions import IsEnumerator, enumerator_of
from fupin.assessments.field import NOT_ENUMERATOR, field_campaigns
from fupin.assessments.models import Questionnaire
from fupin.assessments.services import AssessmentError, questionnaire_current


class FieldHouseholdSerializer(serializers.Serializer[Any]):
    household_no = serializers.CharField(help_text="户编号（提交问卷和问题时填写）")
    head = serializers.CharField(help_text="户主姓名")
    masked_id = serializers.CharField(help_text="户主身份证号（脱敏）")
    village = serializers.CharField(help_text="所在乡镇和村")
    registered = serializers.BooleanField(help_text="是否建档立卡户")
    sections = serializers.ListField(
        child=serializers.CharField(), help_text="该户适用的问卷部分（问卷中 sections 的 code）"
    )
    proposes = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text="答案未达标时提出的疑点问题类型：label 该户类别，income 收入未达标时，"
        "guarantees 保障未达标时（空为不提出）",
    )


class FieldCampaignSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="任务编号（提交问卷和问题时填写）")
    name = serializers.CharField(help_text="任务名称")
    status = serializers.CharField(help_text="fieldwork 实地调查、verification 问题核实")
    status_label = serializers.CharField(help_text="任务状态（中文）")
    questionnaire_version = serializers.IntegerField(
        help_text="本任务所用的问卷版本（开始实地调查时的最新版本；提交问卷时填写）"
    )
    cadre_survey = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="本人可录入干部群众满意度的县：county 县名、url 录入页面（贫困县退出评估检查和中央抽查）",
    )
    proposals = serializers.JSONField(
        help_text="提出疑点问题的标准：该年度收入标准线（line）、“两不愁三保障”各项（guarantees）、"
        "问题类型的中文名（kinds）和可手工提出的问题类型（manual_kinds）"
    )
    households = FieldHouseholdSerializer(many=True, help_text="本小组分派的调查户")


class QuestionnaireSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="问卷版本（提交问卷时填写 questionnaire_version）")
    title = serializers.CharField(help_text="问卷标题")
    sections = serializers.JSONField(
        help_text="问卷各部分：code、title、applies_to（适用的户）和问题 questions"
        "（code、text、type：int/number/bool/choice/text，choice 的 choices；required 必答；"
        "required_if {question, equals}：该题答案为 equals 时必答，如“不满意”后的不满意原因）"
    )


class IsFieldEnumerator(IsEnumerator):
    message = "只有调查员可以查看分派给本小组的调查户"


class FieldAssignmentsView(APIView):
    permission_classes = (IsAuthenticated, IsFieldEnumerator)

    @extend_schema(
        summary="本人所在调查小组分派的调查户（调查员）",
        description=(
            "实地调查或问题核实阶段的任务中，本人所在调查小组分派的调查户，与手机调查页面所列相同："
            "户主姓名、所在村、脱敏身份证号、适用的问卷部分和提出疑点问题的标准。"
            "只列本小组的户；不是调查员的账号答 403。"
        ),
        responses={
            200: FieldCampaignSerializer(many=True),
            403: ERRORS[403],
            409: ERRORS[409],
        },
    )
    def get(self, request: Request) -> Response:
        enumerator = enumerator_of(request.user)
        if enumerator is None:  # the permission said yes a moment ago; the record may have gone
            return Response({"detail": NOT_ENUMERATOR}, status=status.HTTP_403_FORBIDDEN)
        try:
            questionnaire_current()
        except AssessmentError as missing:
            return Response({"detail": str(missing)}, status=status.HTTP_409_CONFLICT)
        campaigns = field_campaigns(request.user, enumerator)
        return Response(FieldCampaignSerializer(campaigns, many=True).data)


class FieldQuestionnaireView(APIView):
    @extend_schema(
        summary="入户调查问卷（默认最新版本）",
        description="手机调查页面所用的问卷：版本、标题和各部分的问题。"
        "?version=1 取指定版本（已在实地调查中的任务沿用开始时的版本，见分派调查户的 "
        "questionnaire_version）。",
        parameters=[
            OpenApiParameter("version", int, required=False, description="问卷版本，默认最新")
        ],
        responses={200: QuestionnaireSerializer, 404: ERRORS[404], 409: ERRORS[409]},
    )
    def get(self, request: Request) -> Response:
        wanted = request.query_params.get("version")
        if wanted:
            found = (
                Questionnaire.objects.filter(version=int(wanted)).first()
                if wanted.isascii() and wanted.isdigit() and len(wanted) < 6
                else None
            )
            if found is None:
                return Response(
                    {"detail": f"问卷版本 {wanted} 不存在"}, status=status.HTTP_404_NOT_FOUND
                )
            questionnaire = found
        else:
            try:
                questionnaire = questionnaire_current()
            except AssessmentError as missing:
                return Response({"detail": str(missing)}, status=status.HTTP_409_CONFLICT)
        data = {
            "version": questionnaire.version,
            "title": questionnaire.title,
            "sections": questionnaire.schema["sections"],
        }
        return Response(QuestionnaireSerializer(data).data)
