"""API of the years after exit: a county's four slackening signs and 四个不摘, the exited counties of
the user's region (by code, never ranked), and the records behind them: cadre trainings and yearly
reduction targets, written through services_after_exit. Scoped by the selectors (outside the
user's counties: 404); refusals answer with the service's Chinese message (400, 403, 409)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView, get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, ID, NOT_FOUND
from fupin.api.pagination import Pagination
from fupin.monitoring import selectors as sel
from fupin.monitoring.after_exit import AfterExit, county_after_exit
from fupin.monitoring.models import ReductionTarget, Training, TrainingLevel
from fupin.monitoring.services import MonitoringError
from fupin.monitoring.services_after_exit import (
    reduction_target_remove,
    reduction_target_set,
    training_record,
    training_withdraw,
)
from fupin.paging import search
from fupin.regions.models import Region


def _refused(e: MonitoringError) -> Response:
    return Response({"detail": str(e)}, status=e.status)


class FindingSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()
    state = serializers.CharField(
        help_text="raised 出现/未保持 · clear 未出现/保持 · no_data 无法判断"
    )
    state_label = serializers.CharField()
    explanation = serializers.CharField()
    rule = serializers.CharField()
    numbers = serializers.DictField()
    records = serializers.ListField(child=serializers.CharField())


class AfterExitSerializer(serializers.Serializer[Any]):
    county = serializers.CharField(source="county.code")
    county_name = serializers.CharField(source="county.name")
    exit_year = serializers.IntegerField(allow_null=True)
    until = serializers.IntegerField()
    transition_end = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    rows = serializers.ListField(child=serializers.DictField())
    signs = FindingSerializer(many=True)
    keeps = FindingSerializer(many=True)


class AfterExitSummarySerializer(serializers.Serializer[Any]):
    county = serializers.CharField(source="county.code")
    county_name = serializers.CharField(source="county.name")
    exit_year = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    signs_raised = serializers.SerializerMethodField()
    keeps_lapsed = serializers.SerializerMethodField()
    no_data = serializers.SerializerMethodField()

    def get_signs_raised(self, r: AfterExit) -> list[str]:
        return [s.code for s in r.raised_signs]

    def get_keeps_lapsed(self, r: AfterExit) -> list[str]:
        return [k.code for k in r.lapsed_keeps]

    def get_no_data(self, r: AfterExit) -> list[str]:
        return [f.code for f in r.not_judged]


class SearchSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="县名或代码"
    )


class CountyFilterSerializer(serializers.Serializer[Any]):
    county = serializers.RegexField(r"^[0-9]{12}$", required=False)


class TrainingSerializer(serializers.ModelSerializer[Training]):
    county = serializers.RegexField(r"^[0-9]{12}$", source="county.code")
    level = serializers.ChoiceField(choices=TrainingLevel.choices)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    participants = serializers.IntegerField(
        min_value=1, max_value=100_000, required=False, allow_null=True
    )
    participant_names = serializers.ListField(
        child=serializers.CharField(max_length=40),
        source="names",
        required=False,
        max_length=5000,
        default=list,
    )
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True
    )
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = Training
        fields = [
            "id",
            "county",
            "date",
            "level",
            "level_label",
            "organiser",
            "topic",
            "participants",
            "participant_names",
            "recorded_by",
            "recorded_at",
            "withdrawn",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = ["recorded_at", "withdrawn_at", "withdrawn_reason"]

    def get_withdrawn(self, t: Training) -> bool:
        return t.withdrawn_at is not None


class ReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=200)


class TargetSerializer(serializers.ModelSerializer[ReductionTarget]):
    county = serializers.RegexField(r"^[0-9]{12}$", source="county.code")
    year = serializers.IntegerField(min_value=2013, max_value=2100)
    people = serializers.IntegerField(min_value=0, max_value=10_000_000)
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReductionTarget
        fields = ["id", "county", "year", "people", "source", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_at"]
        extra_kwargs = {"source": {"required": False, "allow_blank": True}}


def _county(request: Request, code: str) -> Region:
    county = sel.counties_for(request.user).filter(code=code).first()
    if county is None:
        raise NotFound(NOT_FOUND)
    return county


def _filtered(qs: QuerySet[Any], request: Request) -> QuerySet[Any]:
    params = CountyFilterSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    code = params.validated_data.get("county")
    return qs.filter(county__code=code) if code else qs


class CountyAfterExitView(APIView):
    @extend_schema(
        summary="摘帽县的松劲懈怠四类问题与四个不摘",
        responses={200: AfterExitSerializer, 404: ERRORS[404]},
    )
    def get(self, request: Request, code: str) -> Response:
        county = get_object_or_404(sel.counties_for(request.user), code=code)
        return Response(AfterExitSerializer(county_after_exit(county=county)).data)


class CountyPages(Pagination):
    """Each county's signs are computed from its records: twenty counties a page by default."""

    page_size = 20
    max_page_size = 100


class AfterExitListView(ListAPIView):  # type: ignore[type-arg]
    """The exited counties of the user's region, by county code, with the codes of the signs
    raised, of 四个不摘 lapsed and of those that cannot be judged."""

    serializer_class = AfterExitSummarySerializer
    pagination_class = CountyPages

    def get_queryset(self) -> QuerySet[Region]:
        params = SearchSerializer(data=self.request.query_params.dict())
        params.is_valid(raise_exception=True)
        q = params.validated_data.get("q", "").strip()
        return search(sel.exited_counties_for(self.request.user), q, "name", "code")

    @extend_schema(
        summary="可查看的摘帽县：出现的问题、未保持的四个不摘（按县代码，不排名）",
        parameters=[SearchSerializer],
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        rows = [county_after_exit(county=c) for c in page or []]
        return self.get_paginated_response(AfterExitSummarySerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="可查看的干部培训记录", parameters=[CountyFilterSerializer]),
    retrieve=extend_schema(summary="干部培训记录"),
    create=extend_schema(
        summary="记录一期干部培训（县扶贫办；市、省扶贫办记录本级组织的）",
        responses={201: TrainingSerializer, **ERRORS},
    ),
)
class TrainingViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = TrainingSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Training]:
        qs = (
            sel.trainings_for(self.request.user)
            .select_related("county", "recorded_by")
            .order_by("county__code", "date", "id")
        )
        return _filtered(qs, self.request) if self.action == "list" else qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TrainingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        county = _county(request, d["county"]["code"])
        try:
            training = training_record(
                county=county,
                date=d["date"],
                level=d["level"],
                organiser=d["organiser"],
                topic=d["topic"],
                participants=d.get("participants"),
                participant_names="\n".join(d.get("names") or []),
                user=request.user,
            )
        except MonitoringError as e:
            return _refused(e)
        return Response(TrainingSerializer(training).data, status=201)

    @extend_schema(
        summary="撤销一条误录的培训记录（写明原因）",
        request=ReasonSerializer,
        responses={200: TrainingSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        training = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            training = training_withdraw(
                training=training, reason=body.validated_data["reason"], user=request.user
            )
        except MonitoringError as e:
            return _refused(e)
        return Response(TrainingSerializer(training).data)


@extend_schema_view(
    list=extend_schema(summary="可查看的年度减贫任务", parameters=[CountyFilterSerializer]),
    retrieve=extend_schema(summary="年度减贫任务"),
    create=extend_schema(
        summary="记录或更正某县某年的减贫任务（县或市扶贫办）",
        responses={201: TargetSerializer, **ERRORS},
    ),
)
class TargetViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = TargetSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[ReductionTarget]:
        qs = (
            sel.reduction_targets_for(self.request.user)
            .select_related("county", "recorded_by")
            .order_by("county__code", "year")
        )
        return _filtered(qs, self.request) if self.action == "list" else qs

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = TargetSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        county = _county(request, d["county"]["code"])
        try:
            target = reduction_target_set(
                county=county,
                year=d["year"],
                people=d["people"],
                source=d.get("source", ""),
                user=request.user,
            )
        except MonitoringError as e:
            return _refused(e)
        return Response(TargetSerializer(target).data, status=201)

    @extend_schema(
        summary="删除一条误录的年度减贫任务（写明原因）",
        request=ReasonSerializer,
        responses={204: None, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def remove(self, request: Request, pk: str | None = None) -> Response:
        target = self.get_object()
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            reduction_target_remove(
                target=target, reason=body.validated_data["reason"], user=request.user
            )
        except MonitoringError as e:
            return _refused(e)
        return Response(status=204)
