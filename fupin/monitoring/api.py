"""Monitoring API: objects (list, read, open, transition), reports and a region's candidates (the
years after exit are in api_after_exit). Every queryset starts from the selectors (and so from
`accounts.scoping`): an id outside the user's scope answers 404 like one that does not exist.
Refusals answer with the service's Chinese message: 400 the request, 403 the role, 409 the state.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, ID, NOT_FOUND
from fupin.monitoring import selectors as sel
from fupin.monitoring.candidates import MonitoringDataError
from fupin.monitoring.models import MonitoringObject, MonitoringReport, MonitoringStep
from fupin.monitoring.services import (
    MonitoringError,
    allowed_moves,
    monitoring_candidates_find,
    monitoring_object_open,
    monitoring_object_transition,
    monitoring_report_add,
    risk_conditions,
)
from fupin.monitoring.views import default_year
from fupin.monitoring.workflows import (
    MonitoringStatus,
    ObjectKind,
    ReportSource,
    SpendingKind,
)
from fupin.registry.models import Household


def _refused(e: MonitoringError) -> Response:
    return Response({"detail": str(e)}, status=e.status)


# --- serializers ---------------------------------------------------------------------------------


class MonitoringReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()


class MonitoringStepSerializer(serializers.ModelSerializer[MonitoringStep]):
    class Meta:
        model = MonitoringStep
        fields = [
            "action",
            "from_status",
            "to_status",
            "actor",
            "at",
            "date",
            "opinion",
            "evidence",
            "notice_start",
            "notice_end",
        ]


class MonitoringConditionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()
    met = serializers.BooleanField()
    explanation = serializers.CharField()


class MonitoringMoveSerializer(serializers.Serializer[Any]):
    to = serializers.CharField()
    label = serializers.CharField()


class MonitoringObjectSerializer(serializers.ModelSerializer[MonitoringObject]):
    household = serializers.CharField(source="household.household_no", read_only=True)
    village = serializers.CharField(source="household.village.code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    reasons = MonitoringReasonSerializer(many=True, read_only=True)

    class Meta:
        model = MonitoringObject
        fields = [
            "id",
            "household",
            "village",
            "kind",
            "kind_label",
            "source",
            "year",
            "status",
            "status_label",
            "reasons",
            "report",
            "opened_on",
        ]


class MonitoringObjectDetailSerializer(MonitoringObjectSerializer):
    steps = MonitoringStepSerializer(many=True, read_only=True)
    conditions = serializers.SerializerMethodField()
    allowed = serializers.SerializerMethodField()

    class Meta(MonitoringObjectSerializer.Meta):
        fields = [*MonitoringObjectSerializer.Meta.fields, "steps", "conditions", "allowed"]

    @extend_schema_field(MonitoringConditionSerializer(many=True))
    def get_conditions(self, obj: MonitoringObject) -> list[dict[str, Any]]:
        if obj.status != MonitoringStatus.APPROVED:
            return []
        return MonitoringConditionSerializer(risk_conditions(obj), many=True).data  # type: ignore[return-value]

    @extend_schema_field(MonitoringMoveSerializer(many=True))
    def get_allowed(self, obj: MonitoringObject) -> list[dict[str, Any]]:
        moves = allowed_moves(obj, self.context["request"].user)
        return [{"to": to, "label": m.label} for to, m in moves]


class MonitoringOpenSerializer(serializers.Serializer[Any]):
    household = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=ObjectKind.choices)
    year = serializers.IntegerField(min_value=2010, max_value=2100)
    report = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    opinion = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class MonitoringTransitionSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(choices=MonitoringStatus.choices)
    opinion = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    evidence = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, max_length=20, default=list
    )
    date = serializers.DateField(required=False, allow_null=True)
    notice_start = serializers.DateField(required=False, allow_null=True)
    notice_end = serializers.DateField(required=False, allow_null=True)


class MonitoringTransitionResultSerializer(serializers.Serializer[Any]):
    step = MonitoringStepSerializer()
    object = MonitoringObjectSerializer()


class MonitoringReportSerializer(serializers.ModelSerializer[MonitoringReport]):
    household = serializers.CharField(source="household.household_no", max_length=20)
    source = serializers.ChoiceField(choices=ReportSource.choices)
    spending_kind = serializers.ChoiceField(
        choices=[("", "—"), *SpendingKind.choices], required=False, allow_blank=True, default=""
    )
    year = serializers.IntegerField(min_value=2010, max_value=2100)
    income_per_capita = serializers.FloatField(
        min_value=0, max_value=1e8, required=False, allow_null=True
    )
    rigid_spending = serializers.FloatField(
        min_value=0, max_value=1e8, required=False, allow_null=True
    )
    date = serializers.DateField(required=False, allow_null=True)
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = MonitoringReport
        fields = [
            "id",
            "household",
            "year",
            "date",
            "source",
            "income_per_capita",
            "rigid_spending",
            "spending_kind",
            "description",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]
        extra_kwargs = {"description": {"required": False, "allow_blank": True}}


class MonitoringObjectFilterSerializer(serializers.Serializer[Any]):
    region = serializers.RegexField(r"^[0-9]{12}$", required=False)
    household = serializers.CharField(max_length=20, required=False)
    status = serializers.ChoiceField(choices=MonitoringStatus.choices, required=False)
    kind = serializers.ChoiceField(choices=ObjectKind.choices, required=False)


class MonitoringYearSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=2010, max_value=2100, required=False)


class MonitoringCandidateSerializer(serializers.Serializer[Any]):
    household = serializers.CharField(source="household_no")
    village = serializers.CharField()
    status = serializers.CharField()
    kind = serializers.ChoiceField(choices=ObjectKind.choices)
    income = serializers.FloatField(allow_null=True)
    reasons = MonitoringReasonSerializer(many=True)
    open_object = serializers.IntegerField(source="open_object_id", allow_null=True)


class MonitoringCandidatesSerializer(serializers.Serializer[Any]):
    region = serializers.CharField(source="region.code")
    year = serializers.IntegerField()
    income_limit = serializers.FloatField()
    limit_label = serializers.CharField()
    settings_note = serializers.CharField()
    households = serializers.IntegerField(help_text="可查看的农户数")
    without_income = serializers.IntegerField(help_text="没有该年度收入记录、未能按收入筛查的户数")
    candidates = MonitoringCandidateSerializer(many=True)


def _params(
    serializer_class: type[serializers.Serializer[Any]], request: Request
) -> dict[str, Any]:
    params = serializer_class(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def _household(request: Request, no: str) -> Household:
    household = (
        sel.households_for(request.user).select_related("village").filter(household_no=no).first()
    )
    if household is None:
        raise NotFound(NOT_FOUND)
    return household


# --- view sets ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="可查看的防返贫监测对象", parameters=[MonitoringObjectFilterSerializer]
    ),
    retrieve=extend_schema(summary="监测对象及其办理记录、风险消除条件"),
)
class MonitoringObjectViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[MonitoringObject]:
        qs = (
            sel.monitoring_objects_for(self.request.user)
            .select_related("household__village")
            .order_by("-year", "household__household_no", "id")
        )
        if self.action == "list":
            f = _params(MonitoringObjectFilterSerializer, self.request)
            if "household" in f:
                qs = qs.filter(household__household_no=f["household"])
            if "status" in f:
                qs = qs.filter(status=f["status"])
            if "kind" in f:
                qs = qs.filter(kind=f["kind"])
            if "region" in f:
                region = sel.regions_for(self.request.user).filter(code=f["region"]).first()
                qs = (
                    qs.filter(household__village__code__startswith=region.prefix)
                    if region is not None
                    else qs.none()
                )
        elif self.action == "retrieve":
            qs = qs.prefetch_related("steps")
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return MonitoringObjectDetailSerializer
        if self.action == "transition":
            return MonitoringTransitionSerializer
        if self.action == "create":
            return MonitoringOpenSerializer
        return MonitoringObjectSerializer

    @extend_schema(
        summary="纳入监测（发现监测对象，村、乡、县扶贫部门）",
        request=MonitoringOpenSerializer,
        responses={201: MonitoringObjectDetailSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        body = MonitoringOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        household = _household(request, d["household"])
        report = None
        if d.get("report"):
            report = (
                sel.monitoring_reports_for(request.user)
                .filter(pk=d["report"], household=household)
                .first()
            )
            if report is None:
                raise NotFound(NOT_FOUND)
        try:
            obj = monitoring_object_open(
                household=household,
                kind=d["kind"],
                year=d["year"],
                report=report,
                opinion=d["opinion"],
                user=request.user,
            )
        except MonitoringError as e:
            return _refused(e)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(
            MonitoringObjectDetailSerializer(obj, context={"request": request}).data, status=201
        )

    @extend_schema(
        summary="办理一个环节（村级评议、乡镇公示、县级审批、风险消除、不予纳入）",
        request=MonitoringTransitionSerializer,
        responses={200: MonitoringTransitionResultSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()
        body = MonitoringTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            step = monitoring_object_transition(
                obj=obj,
                to=d["to"],
                user=request.user,
                opinion=d["opinion"],
                evidence=d["evidence"],
                date=d.get("date"),
                notice_start=d.get("notice_start"),
                notice_end=d.get("notice_end"),
            )
        except MonitoringError as e:
            return _refused(e)
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(MonitoringTransitionResultSerializer({"step": step, "object": obj}).data)


@extend_schema_view(
    list=extend_schema(summary="可查看的监测上报", parameters=[MonitoringObjectFilterSerializer]),
    retrieve=extend_schema(summary="监测上报"),
    create=extend_schema(
        summary="新增监测上报（收入、刚性支出）",
        responses={201: MonitoringReportSerializer, **ERRORS},
    ),
)
class MonitoringReportViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = MonitoringReportSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[MonitoringReport]:
        qs = (
            sel.monitoring_reports_for(self.request.user)
            .select_related("household", "recorded_by")
            .order_by("household__household_no", "year", "date", "id")
        )
        if self.action == "list":
            f = _params(MonitoringObjectFilterSerializer, self.request)
            if "household" in f:
                qs = qs.filter(household__household_no=f["household"])
            if "region" in f:
                region = sel.regions_for(self.request.user).filter(code=f["region"]).first()
                qs = (
                    qs.filter(household__village__code__startswith=region.prefix)
                    if region is not None
                    else qs.none()
                )
        return qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = MonitoringReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        household = _household(request, d["household"]["household_no"])
        try:
            report = monitoring_report_add(
                household=household,
                year=d["year"],
                source=d["source"],
                user=request.user,
                income_per_capita=d.get("income_per_capita"),
                rigid_spending=d.get("rigid_spending"),
                spending_kind=d.get("spending_kind", ""),
                description=d.get("description", ""),
                date=d.get("date"),
            )
        except MonitoringError as e:
            return _refused(e)
        return Response(MonitoringReportSerializer(report).data, status=201)


class CandidatesView(APIView):
    @extend_schema(
        summary="区划内防返贫监测筛查发现（含理由）",
        parameters=[MonitoringYearSerializer],
        responses={200: MonitoringCandidatesSerializer, 400: ERRORS[400], 404: ERRORS[404]},
    )
    def get(self, request: Request, code: str) -> Response:
        region = get_object_or_404(sel.regions_for(request.user), code=code)
        year = _params(MonitoringYearSerializer, request).get("year") or default_year(region)
        try:
            found = monitoring_candidates_find(
                region=region, year=year, households=sel.households_for(request.user)
            )
        except MonitoringDataError as e:
            return Response({"detail": str(e)}, status=400)
        return Response(MonitoringCandidatesSerializer(found).data)
