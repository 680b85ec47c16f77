"""One received household questionnaire through the API
(`GET /api/campaigns/<id>/submissions/<submission id>/`): its answers as stored and rendered against
the questionnaire version it was given under, as the page shows them."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.services.surveys import answers_read
from fupin.assessments.views.submissions import submission_for


class LineSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="问题编号")
    question = serializers.CharField(help_text="问题（该版本问卷的表述）")
    answer = serializers.CharField(help_text="答案（中文）")


class SectionSerializer(serializers.Serializer[Any]):
    title = serializers.CharField()
    lines = LineSerializer(many=True)


class SubmissionReadSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    household_no = serializers.CharField()
    questionnaire_version = serializers.IntegerField(help_text="提交时所用的问卷版本")
    questionnaire_title = serializers.CharField()
    enumerator = serializers.CharField()
    finished_at = serializers.DateTimeField()
    received_at = serializers.DateTimeField()
    answers = serializers.JSONField(help_text="原始答案（问题编号 → 答案）")
    sections = SectionSerializer(many=True, help_text="按该版本问卷呈现的答案")


class SubmissionReadView(APIView):
    @extend_schema(
        summary="一份入户调查问卷（按提交时的问卷版本呈现）",
        responses={200: SubmissionReadSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, submission_id: int) -> Response:
        campaign = campaign_visible(request, campaign_id)
        s = submission_for(request.user, campaign, submission_id) if campaign else None
        if s is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        data = {
            "id": s.pk,
            "household_no": s.household.household_no,
            "questionnaire_version": s.questionnaire.version,
            "questionnaire_title": s.questionnaire.title,
            "enumerator": s.enumerator.name,
            "finished_at": s.finished_at,
            "received_at": s.received_at,
            "answers": s.answers,
            "sections": answers_read(s.questionnaire.schema, s.answers or {}),
        }
        return Response(SubmissionReadSerializer(data).data)
