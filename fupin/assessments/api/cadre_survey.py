"""The cadres' and deputies' satisfaction survey of a county through the API (干部群众满意度):
`GET/POST /api/campaigns/<id>/cadre-survey/<code>/` (the shares per category and the responses;
enter one) and `POST .../<response id>/withdraw/` (withdraw a mistaken one with the reason), through
the same services as the page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.common import CountyOf, recorded
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import CadreAnswer, CadreCategory, CadreResponse, Campaign
from fupin.assessments.services.cadre_survey import (
    ENTER_FORBIDDEN,
    NOT_THIS_KIND,
    READ_FORBIDDEN,
    CadreShare,
    cadre_response_record,
    cadre_response_withdraw,
    cadre_responses_of,
    cadre_shares,
    may_enter,
    may_read,
    survey_applies,
)
from fupin.assessments.views.cadre_survey import county_of
from fupin.regions.models import Region


def _county(
    request: Request, campaign_id: int, code: str, *, enter: bool = False
) -> CountyOf | Response:
    """The county of the campaign that the URL names, if the user may read its survey (and enter
    responses, with `enter`); else the answer: 404 not visible, 403 not allowed."""
    campaign = campaign_visible(request, campaign_id)
    county = county_of(campaign, code) if campaign is not None else None
    if campaign is None or county is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if not survey_applies(campaign):
        return Response({"detail": NOT_THIS_KIND}, status=status.HTTP_403_FORBIDDEN)
    if not may_read(request.user, campaign, county):
        return Response({"detail": READ_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    if enter and not may_enter(request.user, campaign, county):
        return Response({"detail": ENTER_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    return CountyOf(campaign, county)


def _response(
    request: Request, campaign_id: int, code: str, response_id: int
) -> CadreResponse | Response:
    """The county's response that the URL names, if the user may withdraw it; else the answer:
    404 not visible or no such response, 403 not allowed."""
    found = _county(request, campaign_id, code)
    if isinstance(found, Response):
        return found
    response = CadreResponse.objects.filter(
        pk=response_id, campaign=found.campaign, county=found.county
    ).first()
    if response is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if not may_enter(request.user, *found):
        return Response({"detail": ENTER_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    return response


class ShareSerializer(serializers.Serializer[Any]):
    category = serializers.CharField(help_text="受访者类别代码")
    label = serializers.CharField(help_text="受访者类别（中文）")
    responses = serializers.IntegerField(help_text="答卷数（不含已撤回）")
    satisfied = serializers.IntegerField(help_text="满意和基本满意")
    not_satisfied = serializers.IntegerField(help_text="不满意")
    share = serializers.FloatField(allow_null=True, help_text="满意度（无答卷为空）")


class WithdrawnSerializer(serializers.Serializer[Any]):
    by = serializers.CharField(help_text="撤回人")
    at = serializers.DateTimeField(help_text="撤回时间")
    reason = serializers.CharField(help_text="撤回理由")


class ResponseSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(read_only=True)
    category = serializers.ChoiceField(
        choices=CadreCategory.choices,
        help_text="county_cadre 县级干部、township_cadre 乡镇干部、village_cadre 村干部、"
        "npc_deputy 人大代表、cppcc_member 县政协委员",
        error_messages={
            "invalid_choice": "“受访者类别”须为县级干部、乡镇干部、村干部、人大代表或县政协委员"
        },
    )
    category_label = serializers.CharField(read_only=True, source="get_category_display")
    answer = serializers.ChoiceField(
        choices=CadreAnswer.choices,
        help_text="satisfied 满意、basically 基本满意、not_satisfied 不满意、unclear 说不清",
        error_messages={"invalid_choice": "“满意程度”须为满意、基本满意、不满意或说不清"},
    )
    answer_label = serializers.CharField(read_only=True, source="get_answer_display")
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="不满意的原因（选择不满意时必填）",
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    entered_by = serializers.CharField(read_only=True, source="actor")
    entered_at = serializers.DateTimeField(read_only=True, source="at")
    withdrawn = serializers.SerializerMethodField()

    @extend_schema_field(WithdrawnSerializer(allow_null=True))
    def get_withdrawn(self, r: CadreResponse) -> dict[str, Any] | None:
        w = r.withdrawn
        if w is None:
            return None
        return {"by": w.actor, "at": w.at.isoformat(), "reason": w.reason}


class SurveySerializer(serializers.Serializer[Any]):
    shares = ShareSerializer(many=True)
    responses = ResponseSerializer(many=True)


class WithdrawSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=2000, help_text="撤回理由")


def share_data(s: CadreShare) -> dict[str, Any]:
    """One category's share as the survey and the 综合研判 answer it (ShareSerializer)."""
    return {
        "category": s.category,
        "label": s.label,
        "responses": s.responses,
        "satisfied": s.satisfied,
        "not_satisfied": s.not_satisfied,
        "share": s.share,
    }


def _survey(campaign: Campaign, county: Region) -> dict[str, Any]:
    shares = [share_data(s) for s in cadre_shares(campaign, county)]
    return SurveySerializer(
        {"shares": shares, "responses": cadre_responses_of(campaign, county)}
    ).data


class CadreSurveyView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="县的干部群众满意度：各类受访者满意度和答卷",
        responses={200: SurveySerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        return Response(_survey(*found))

    @extend_schema(
        summary="录入一份干部群众满意度答卷（分派到该县的调查员、带队专家）",
        description="只用于贫困县退出专项评估检查和中央抽查；不记姓名；不满意须写原因。",
        request=ResponseSerializer,
        responses={201: ResponseSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, enter=True),
            ResponseSerializer,
            lambda at, d: cadre_response_record(
                campaign=at.campaign, county=at.county, user=request.user, **d
            ),
            lambda _, response: ResponseSerializer(response).data,
        )


class CadreResponseWithdrawView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="撤回一份录错的干部群众满意度答卷（须写理由；原记录保留）",
        request=WithdrawSerializer,
        responses={200: ResponseSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str, response_id: int) -> Response:
        return recorded(
            request,
            _response(request, campaign_id, code, response_id),
            WithdrawSerializer,
            lambda response, d: cadre_response_withdraw(
                response=response, user=request.user, reason=d["reason"]
            ),
            lambda response, _: (
                ResponseSerializer(
                    CadreResponse.objects.select_related("withdrawal").get(pk=response.pk)
                ).data
            ),
            done=status.HTTP_200_OK,
        )
