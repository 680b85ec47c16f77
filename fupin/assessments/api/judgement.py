"""综合研判 and 审定 through the API: the working group reads every county's sources (with the
cadres' and deputies' satisfaction beside the households' recognition) and records its judgement
(pass or fail with reasons, a new version each time) and submits the campaign's judgements; the
leading group's members approve or send back — through the same services as the pages. Pass or
fail only: no score, no rank."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.assessments.api.cadre_survey import ShareSerializer, share_data
from fupin.assessments.api.common import CountyOf, recorded
from fupin.assessments.api.other_checks import (
    InterviewSerializer,
    ProcedureLineSerializer,
    RecheckSerializer,
    StandardLineSerializer,
    other_checks_data,
)
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


def _county(
    request: Request,
    campaign_id: int,
    code: str,
    may: Callable[[Any, Campaign], bool] | None = None,
    forbidden: str = "",
) -> CountyOf | Response:
    """The assessed county the URL names, if the user may read the campaign's judgements (and
    write, when `may` says so); else the answer: 404 not visible, 403 not allowed (`forbidden`)."""
    campaign = _campaign(request, campaign_id)
    if isinstance(campaign, Response):
        return campaign
    if len(code) == 6 and code.isdigit():
        code += "000000"
    county = next((c for c in assessed_counties(campaign) if c.code == code), None)
    if county is None:
        return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
    if may is not None and not may(request.user, campaign):
        return Response({"detail": forbidden}, status=status.HTTP_403_FORBIDDEN)
    return CountyOf(campaign, county)


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
        "cadre_survey": [share_data(s) for s in d.cadres],
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


# ---------------------------------------------------------------------------------------------
# The answers as OpenAPI documents them (the views answer the dicts above; a test keeps the keys
# of the two the same).


class JudgementVersionSerializer(serializers.Serializer[Any]):
    version = serializers.IntegerField(help_text="版本（从 1 起）")
    outcome = serializers.CharField(help_text="研判结果代码：pass 达标、fail 未达标")
    outcome_label = serializers.CharField(help_text="研判结果（中文）")
    by_figures = serializers.CharField(help_text="三项否决指标逐项判定的结果代码")
    by_figures_label = serializers.CharField(help_text="三项否决指标逐项判定（中文）")
    recognition_short = serializers.BooleanField(help_text="群众认可度是否低于阈值（原则上）")
    reasons = serializers.CharField(help_text="研判理由")
    actor = serializers.CharField(help_text="研判人")
    at = serializers.DateTimeField(help_text="研判时间")


class FigureLineSerializer(serializers.Serializer[Any]):
    figure = serializers.CharField(help_text="指标代码")
    label = serializers.CharField(help_text="指标（中文）")
    estimate = serializers.FloatField(help_text="估计值（0–1）")
    ci = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, help_text="95% 置信区间"
    )
    threshold = serializers.FloatField(help_text="阈值")
    verdict = serializers.CharField(help_text="判定代码")
    verdict_label = serializers.CharField(help_text="判定（中文）")
    straddles = serializers.BooleanField(help_text="区间跨越阈值或样本不足，交综合研判")
    in_principle = serializers.BooleanField(help_text="原则上的标准（群众认可度），权衡而非否决")


class DepartmentReportLineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind_label = serializers.CharField(allow_blank=True, help_text="问题类别（中文，未分类为空）")
    department = serializers.CharField(help_text="提供部门")
    household_no = serializers.CharField(allow_blank=True, help_text="户编号（未涉及具体户为空）")
    description = serializers.CharField(help_text="情况说明")


class FindingLineSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    household_no = serializers.CharField(allow_blank=True, help_text="户编号（未涉及具体户为空）")
    finding = serializers.CharField(help_text="暗访发现")


class OtherChecksSerializer(serializers.Serializer[Any]):
    procedure = ProcedureLineSerializer(many=True, help_text="退出程序检查")
    standard = StandardLineSerializer(many=True, help_text="标准准确性检查")
    recheck = RecheckSerializer(allow_null=True, help_text="省级评估问卷复查（未抽取为空）")
    interviews = InterviewSerializer(many=True, help_text="座谈访谈")


class ApprovalStepLineSerializer(serializers.Serializer[Any]):
    action = serializers.CharField(help_text="审定动作代码")
    action_label = serializers.CharField(help_text="审定动作（中文）")
    actor = serializers.CharField(help_text="操作人")
    opinion = serializers.CharField(allow_blank=True, help_text="意见")
    judgement_version = serializers.IntegerField(help_text="所审定的研判版本")
    at = serializers.DateTimeField(help_text="时间")


class DossierSerializer(serializers.Serializer[Any]):
    county_code = serializers.CharField(help_text="县区划代码（12 位）")
    county_name = serializers.CharField(help_text="县名")
    figures = FigureLineSerializer(many=True, help_text="三率一度及其区间")
    by_figures = serializers.CharField(help_text="三项否决指标逐项判定的结果代码")
    recognition_short = serializers.BooleanField(help_text="群众认可度是否低于阈值（原则上）")
    problems = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="疑点问题数：total 共计、confirmed 终核认定、rejected 不予认定、open 核实中、"
        "from_departments 来自部门提供情况、from_unannounced 来自暗访",
    )
    department_reports = DepartmentReportLineSerializer(many=True, help_text="部门提供情况")
    unannounced_findings = FindingLineSerializer(many=True, help_text="暗访发现")
    other_checks = OtherChecksSerializer(help_text="其他检查（程序、标准、问卷复查、座谈访谈）")
    cadre_survey = ShareSerializer(
        many=True,
        help_text="县乡村干部、人大代表和县政协委员满意度，各类受访者逐类列出，与群众认可度并看"
        "（只有贫困县退出专项评估检查和中央抽查有，其他任务为空）",
    )
    judgement = JudgementVersionSerializer(allow_null=True, help_text="在用的研判（未研判为空）")
    versions = JudgementVersionSerializer(many=True, help_text="全部研判版本，新的在前")
    approval_status = serializers.CharField(allow_blank=True, help_text="审定状态代码")
    approval_status_label = serializers.CharField(help_text="审定状态（中文）")
    approval_steps = ApprovalStepLineSerializer(many=True, help_text="报送与审定记录")


class CampaignJudgementLineSerializer(serializers.Serializer[Any]):
    county_code = serializers.CharField(help_text="县区划代码（12 位）")
    county_name = serializers.CharField(help_text="县名")
    judgement = JudgementVersionSerializer(allow_null=True, help_text="在用的研判（未研判为空）")
    approval_status = serializers.CharField(allow_blank=True, help_text="审定状态代码")
    approval_status_label = serializers.CharField(help_text="审定状态（中文）")


class SubmittedSerializer(serializers.Serializer[Any]):
    submitted = serializers.ListField(
        child=serializers.CharField(), help_text="本次报送审定的县区划代码"
    )


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
        responses={
            200: CampaignJudgementLineSerializer(many=True),
            403: ERRORS[403],
            404: ERRORS[404],
        },
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
        summary="一县的综合研判：四项指标及区间、核实结果、部门提供情况、暗访发现、其他检查、"
        "干部群众满意度、研判版本与审定记录",
        responses={200: DossierSerializer, 403: ERRORS[403], 404: ERRORS[404]},
    )
    def get(self, request: Request, campaign_id: int, code: str) -> Response:
        found = _county(request, campaign_id, code)
        if isinstance(found, Response):
            return found
        return Response(dossier_data(county_dossier(*found)))

    @extend_schema(
        summary="记录一县的综合研判（评估工作组；每次记录为新版本）",
        description="群众认可度低于 90% 为“原则上”的标准，须在理由中权衡，不自动判为未达标。",
        request=JudgementSerializer,
        responses={201: DossierSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, in_working_group, JUDGE_FORBIDDEN),
            JudgementSerializer,
            lambda at, d: judgement_record(
                campaign=at.campaign, county=at.county, user=request.user, **d
            ),
            lambda at, _: dossier_data(county_dossier(*at)),
            refused=status.HTTP_409_CONFLICT,
        )


class CampaignApprovalView(APIView):
    parser_classes = (JSONParser,)

    @extend_schema(
        summary="报送领导小组审定（评估工作组）：全部已研判、未报送的县作为一次报送",
        request=None,
        responses={201: SubmittedSerializer, **ERRORS},
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
        responses={201: DossierSerializer, **ERRORS},
    )
    def post(self, request: Request, campaign_id: int, code: str) -> Response:
        return recorded(
            request,
            _county(request, campaign_id, code, in_leading_group, DECIDE_FORBIDDEN),
            DecideSerializer,
            lambda at, d: approval_decide(
                campaign=at.campaign, county=at.county, user=request.user, **d
            ),
            lambda at, _: dossier_data(county_dossier(*at)),
            refused=status.HTTP_409_CONFLICT,
        )
