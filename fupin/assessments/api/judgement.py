"""综合研判 and 审定 through the API: the working group reads every county's sources and records
its judgement (pass or fail with reasons, a new version each time) and submits the campaign's
judgements; the leading group's members approve or send back — through the same services as the
pages. Pass or fail only: no score, no rank."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.other_checks import other_checks_data
from fupin.assessments.api.permissions import campaign_visible
from fupin.assessments.models import ApprovalAction, Campaign, Judgement, Verdict
from fupin.assessments.services import AssessmentError, assessed_counties, in_working_group
from fupin.assessments.services.judgement import (
    Dossier,
    approval_decide,
    approval_submit,
    campaign_judgements,
    county_dossier,
    in_leading_group,
    judgement_record,
)
from fupin.assessments.services.other_checks import other_checks_of
from fupin.regions.models import Region

READ_FORBIDDEN = "只有本任务的评估工作组和领导小组可以查看综合研判"
JUDGE_FORBIDDEN = "只有本任务的评估工作组成员可以作出综合研判"
SUBMIT_FORBIDDEN = "只有本任务的评估工作组成员可以报送审定"
DECIDE_FORBIDDEN = "只有本任务的领导小组成员可以审定"


def _campaign(request: Request, campaign_id: int) -> Campaign | Response:
    campaign = campaign_visible(request, campaign_id)
    if campaign is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if not (in_working_group(request.user, campaign) or in_leading_group(request.user, campaign)):
        return Response({"detail": READ_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
    return campaign


def _county(campaign: Campaign, code: str) -> Region | None:
    if len(code) == 6 and code.isdigit():
        code += "000000"
    return next((c for c in assessed_counties(campaign) if c.code == code), None)


def judgement_data(j: Judgement | None) -> dict[str, Any] | None:
    if j is None:
        return None
    return {
        "version": j.version,
        "outcome": j.outcome,
        "outcome_label": j.get_outcome_display(),
        "by_figures": j.by_figures,
        "by_figures_label": j.get_by_figures_display(),
        "recognition_short": j.recognition_short,
        "reasons": j.reasons,
        "actor": j.actor,
        "at": j.at.isoformat(),
    }


def dossier_data(d: Dossier) -> dict[str, Any]:
    return {
        "county_code": d.county.code,
        "county_name": d.county.name,
        "figures": [
            {
                "figure": f.figure,
                "label": f.label,
                "estimate": f.estimate,
                "ci": [f.ci_low, f.ci_high],
                "threshold": f.threshold,
                "verdict": f.verdict,
                "verdict_label": f.verdict_label,
                "straddles": f.straddles,
                "in_principle": f.in_principle,
            }
            for f in d.figures
        ],
        "by_figures": d.by_figures,
        "recognition_short": d.recognition_short,
        "problems": d.problems,
        "department_reports": [
            {
                "id": r.pk,
                "kind_label": r.get_kind_display(),
                "department": r.department,
                "household_no": r.household.household_no if r.household else "",
                "description": r.description,
            }
            for r in d.reports
        ],
        "unannounced_findings": [
            {
                "id": f.pk,
                "household_no": f.household.household_no if f.household else "",
                "finding": f.finding,
            }
            for f in d.findings
        ],
        "other_checks": other_checks_data(other_checks_of(d.campaign, d.county)),
        "judgement": judgement_data(d.current),
        "versions": [judgement_data(j) for j in d.judgements],
        "approval_status": d.approval.status if d.approval else "",
        "approval_status_label": d.approval.get_status_display() if d.approval else "未研判",
        "approval_steps": [
            {
                "action": s.action,
                "action_label": s.get_action_display(),
                "actor": s.actor,
                "opinion": s.opinion,
                "judgement_version": s.judgement.version,
                "at": s.at.isoformat(),
            }
            for s in d.steps
        ],
    }


class JudgementSerializer(serializers.Serializer[dict[str, Any]]):
    outcome = serializers.ChoiceField(
        choices=Verdict.choices,
        error_messages={"invalid_choice": "“研判结果”只能是 pass（达标）或 fail（未达标）"},
    )
    reasons = serializers.CharField(
        max_length=4000,
        error_messages={"blank": "请填写“研判理由”", "required": "请填写“研判理由”"},
    )


class DecideSerializer(serializers.Serializer[dict[str, Any]]):
    action = serializers.ChoiceField(
        choices=[(ApprovalAction.APPROVE, "审定通过"), (ApprovalAction.SEND_BACK, "退回")],
        error_messages={"invalid_choice": "“action”只能是 approve（审定通过）或 send_back（退回）"},
    )
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CampaignJudgementsView(APIView):
    @extend_schema(
        summary="任务各县的综合研判与审定状态（评估工作组、领导小组）",
        responses={200: serializers.DictField(), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        return Response(
            [
                {
                    "county_code": line.county.code,
                    "county_name": line.county.name,
                    "judgement": judgement_data(line.judgement),
                    "approval_status": line.approval.status if line.approval else "",
                    "approval_status_label": line.approval.get_status_display()
                    if line.approval
                    else "未研判",
                }
                for line in campaign_judgements(campaign)
            ]
        )


class CountyJudgementView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="一县的综合研判：四项指标及区间、核实结果、部门提供情况、暗访发现、研判版本与审定记录",
        responses={200: serializers.DictField(), 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        campaign = _campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        county = _county(campaign, code)
        if county is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        return Response(dossier_data(county_dossier(campaign, county)))

    @extend_schema(
        summary="记录一县的综合研判（评估工作组；每次记录为新版本）",
        description="群众认可度低于 90% 为“原则上”的标准，须在理由中权衡，不自动判为未达标。",
        request=JudgementSerializer,
        responses={201: serializers.DictField(), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        campaign = _campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        county = _county(campaign, code)
        if county is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not in_working_group(request.user, campaign):
            return Response({"detail": JUDGE_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = JudgementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            judgement_record(
                campaign=campaign, county=county, user=request.user, **body.validated_data
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(
            dossier_data(county_dossier(campaign, county)), status=status.HTTP_201_CREATED
        )


class CampaignApprovalView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="报送领导小组审定（评估工作组）：全部已研判、未报送的县作为一次报送",
        request=None,
        responses={201: serializers.DictField(), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int) -> Response:
        campaign = _campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        if not in_working_group(request.user, campaign):
            return Response({"detail": SUBMIT_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        try:
            steps = approval_submit(campaign=campaign, user=request.user)
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"submitted": [s.approval.county.code for s in steps]}, status=status.HTTP_201_CREATED
        )


class CountyApprovalView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="领导小组成员审定一县的综合研判：approve 审定通过，send_back 退回（须填理由）",
        request=DecideSerializer,
        responses={201: serializers.DictField(), **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        campaign = _campaign(request, campaign_id)
        if isinstance(campaign, Response):
            return campaign
        county = _county(campaign, code)
        if county is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        if not in_leading_group(request.user, campaign):
            return Response({"detail": DECIDE_FORBIDDEN}, status=status.HTTP_403_FORBIDDEN)
        body = DecideSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            approval_decide(
                campaign=campaign, county=county, user=request.user, **body.validated_data
            )
        except AssessmentError as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        return Response(
            dossier_data(county_dossier(campaign, county)), status=status.HTTP_201_CREATED
        )
