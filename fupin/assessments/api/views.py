"""The assessment API: campaigns and their results, problems and their verification steps,
questionnaire submissions. Every queryset starts from the scoped selectors, so an id outside the
user's scope answers 404 exactly like one that does not exist; writes go through the assessment
services."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, ErrorSerializer
from fupin.api.params import query_filters
from fupin.assessments.api import serializers as s
from fupin.assessments.api.draws import CampaignCreateMixin
from fupin.assessments.api.errors import submission_refusal_status, transition_refusal_status
from fupin.assessments.api.permissions import IsEnumerator, enumerator_of
from fupin.assessments.api.problems_raise import ProblemRaiseMixin
from fupin.assessments.models import Campaign, CountyResult, Problem, Submission
from fupin.assessments.selectors import campaigns_for
from fupin.assessments.services import (
    CONFLICT_MESSAGE,
    AssessmentError,
    enumerator_team_for,
    problem_transition,
    submission_receive,
)
from fupin.registry.selectors import households_for, regions_for

# --- campaigns and their results ---------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="可查看的考核评估任务"),
    retrieve=extend_schema(summary="考核评估任务"),
)
class CampaignViewSet(CampaignCreateMixin, viewsets.ReadOnlyModelViewSet[Campaign]):
    def get_queryset(self) -> QuerySet[Campaign]:
        return campaigns_for(self.request.user).order_by("-year", "-id")

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return s.CampaignDetailSerializer if self.action == "retrieve" else s.CampaignSerializer


@extend_schema(
    summary="任务的县级指标结果（只含可查看的县）",
    responses={200: s.CountyResultSerializer(many=True), 404: ERRORS[404]},
)
class CampaignResultsView(generics.ListAPIView[CountyResult]):
    serializer_class = s.CountyResultSerializer

    def get_queryset(self) -> QuerySet[CountyResult]:
        user = self.request.user
        campaign = generics.get_object_or_404(campaigns_for(user), pk=self.kwargs["campaign_id"])
        return (
            CountyResult.objects.filter(
                campaign=campaign, county__in=regions_for(user).values("pk")
            )
            .select_related("county")
            .order_by("county__code", "figure")
        )


# --- problems ----------------------------------------------------------------------------------


def problems_for(user: Any) -> QuerySet[Problem]:
    """Problems of the campaigns the user sees, in a county they may open or on a household they see."""
    return Problem.objects.filter(campaign__in=campaigns_for(user).values("pk")).filter(
        Q(county__in=regions_for(user).values("pk"))
        | Q(household__in=households_for(user).values("pk"))
    )


@extend_schema_view(
    list=extend_schema(summary="可查看的疑点问题", parameters=[s.ProblemFilterSerializer]),
    retrieve=extend_schema(summary="疑点问题及其五核记录"),
)
class ProblemViewSet(ProblemRaiseMixin, viewsets.ReadOnlyModelViewSet[Problem]):
    def get_queryset(self) -> QuerySet[Problem]:
        qs = problems_for(self.request.user).select_related("county", "household").order_by("id")
        if self.action == "retrieve":
            return qs.prefetch_related("steps")
        if self.action != "list":
            return qs
        f = query_filters(s.ProblemFilterSerializer, self.request)
        if "campaign" in f:
            qs = qs.filter(campaign_id=f["campaign"])
        if "status" in f:
            qs = qs.filter(status=f["status"])
        if "step" in f:
            qs = qs.filter(
                status__in=[st for st, step in s.AWAITING_STEP.items() if step == f["step"]]
            )
        return qs

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return s.ProblemDetailSerializer
        if self.action == "transition":
            return s.TransitionSerializer
        return s.ProblemSerializer

    @extend_schema(
        summary="核实操作（初核、复核、部门核、专家组核、终核）",
        request=s.TransitionSerializer,
        responses={200: s.TransitionResultSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        problem = self.get_object()
        body = s.TransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        act, disputed = body.validated_data["action"], body.validated_data.get("disputed")
        try:
            step = problem_transition(
                problem=problem,
                action=act,
                user=request.user,
                opinion=body.validated_data["opinion"],
                disputed=disputed,
            )
        except AssessmentError as refused:
            code = transition_refusal_status(problem, request.user, act, disputed)
            return Response({"detail": str(refused)}, status=code)
        problem = self.get_queryset().get(pk=problem.pk)
        return Response(s.TransitionResultSerializer({"step": step, "problem": problem}).data)


# --- submissions -------------------------------------------------------------------------------


class SubmissionView(APIView):
    permission_classes = (IsAuthenticated, IsEnumerator)

    @extend_schema(
        summary="提交一份入户调查问卷（按 client_id 幂等）",
        request=s.SubmissionSerializer,
        responses={
            201: OpenApiResponse(s.SubmissionResultSerializer, description="新保存"),
            200: OpenApiResponse(
                s.SubmissionResultSerializer,
                description="同一 client_id、同一内容的重复提交：原样返回，未写入",
            ),
            400: ERRORS[400],
            403: ERRORS[403],
            409: OpenApiResponse(
                ErrorSerializer, description="client_id 已用于内容不同的问卷，或任务已不接收问卷"
            ),
        },
    )
    def post(self, request: Request) -> Response:
        enumerator = enumerator_of(request.user)
        if enumerator is None:  # IsEnumerator said yes a moment ago; the role may just have gone
            raise PermissionDenied(IsEnumerator.message)
        body = s.SubmissionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        # The payload exactly as sent: its checksum must match the device's retries.
        payload = {k: request.data[k] for k in s.PAYLOAD_FIELDS if k in request.data}
        if Submission.objects.filter(client_id=data["client_id"]).exists():
            # A retry (or a reused id): the service answers it in any campaign status.
            campaign = Campaign.objects.filter(pk=data["campaign"]).first()
            if campaign is None:
                return Response({"detail": CONFLICT_MESSAGE}, status=status.HTTP_409_CONFLICT)
        else:
            campaign = campaigns_for(request.user).filter(pk=data["campaign"]).first()
            if campaign is None:
                raise PermissionDenied("该任务不存在或未分派给您，不能提交问卷")
            # Outside the assignment and nonexistent read the same: a guess tells nothing.
            household = (
                households_for(request.user).filter(household_no=data["household_no"]).first()
            )
            if household is None or enumerator_team_for(campaign, enumerator, household) is None:
                raise PermissionDenied(
                    f"户编号 {data['household_no']} 不在您所在调查小组的分派中，不能提交该户问卷"
                )
        try:
            submission, created = submission_receive(
                campaign=campaign,
                client_id=data["client_id"],
                payload=payload,
                enumerator=enumerator,
                user=request.user,
            )
        except AssessmentError as refused:
            return Response(
                {"detail": str(refused)}, status=submission_refusal_status(str(refused))
            )
        submission = Submission.objects.select_related("household", "questionnaire", "team").get(
            pk=submission.pk
        )
        result = s.SubmissionResultSerializer(submission, context={"created": created}).data
        return Response(result, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
