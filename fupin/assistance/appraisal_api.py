"""The help appraisal's API, under /api/assistance/appraisals/: yearly appraisals (list, read,
open, refresh, judge an item, conclude, void), settlements of a round and follow-up actions.

Reads start from appraisal's scoped selectors (an id outside the scope answers 404 like one that
does not exist); writes go through its services, whose refusals answer 403 (may not act) or 400
(with the Chinese reason)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from fupin.accounts import scoping
from fupin.assistance import appraisal as ap
from fupin.assistance import appraisal_selectors as sel
from fupin.assistance.models import (
    AppraisalSide,
    FollowUpKind,
    HelpAppraisal,
    HelpAppraisalItem,
    HelpFollowUp,
    HelpingUnit,
    HelpSettlement,
    HelpSettlementItem,
    VillagePairing,
)
from fupin.regions.models import Level, Region

NOT_FOUND = "不存在，或无权查看"
ID = r"[0-9]{1,18}"


def _write(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ap.AppraisalDenied as e:
        raise PermissionDenied(str(e)) from e
    except ap.AppraisalError as e:
        raise ValidationError({"detail": str(e)}) from e


def _valid(serializer: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    """The request's body checked by `serializer` (400 naming the field when it is not)."""
    s = serializer(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


class _Acts:
    """The one shape of an action on one record: load it (scoped, 404 outside), check the body,
    call the service (refusals: 403 or 400 with the reason), answer with the record as it is now."""

    if TYPE_CHECKING:  # provided by the viewset and by each subclass

        def get_object(self) -> Any: ...

        def _detail(self, obj: Any, code: int = status.HTTP_200_OK) -> Response: ...

    def _act(
        self,
        request: Request,
        serializer: type[serializers.Serializer[Any]],
        write: Callable[[Any, dict[str, Any]], Any],
    ) -> Response:
        obj = self.get_object()
        d = _valid(serializer, request)
        _write(lambda: write(obj, d))
        return self._detail(obj)


class AppraisalItemSerializer(serializers.ModelSerializer[HelpAppraisalItem]):
    basis_label = serializers.CharField(source="get_basis_display", read_only=True)
    result_label = serializers.CharField(read_only=True)
    judged_by = serializers.CharField(source="judged_by.username", read_only=True, default=None)

    class Meta:
        model = HelpAppraisalItem
        fields = [
            "code",
            "label",
            "duty",
            "basis",
            "basis_label",
            "passed",
            "result_label",
            "reason",
            "evidence",
            "judged_by",
            "judged_at",
        ]


class AppraisalSerializer(serializers.ModelSerializer[HelpAppraisal]):
    side_label = serializers.CharField(source="get_side_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True, default=None)
    village = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_label = serializers.CharField(read_only=True)

    class Meta:
        model = HelpAppraisal
        fields = [
            "id",
            "side",
            "side_label",
            "unit",
            "unit_name",
            "village",
            "village_name",
            "year",
            "status",
            "status_label",
            "passed",
            "result_label",
            "opinion",
            "computed_at",
        ]


class AppraisalDetailSerializer(AppraisalSerializer):
    items = AppraisalItemSerializer(many=True, read_only=True)

    class Meta(AppraisalSerializer.Meta):
        fields = [*AppraisalSerializer.Meta.fields, "items"]


class AppraisalCreateSerializer(serializers.Serializer[Any]):
    side = serializers.ChoiceField(choices=AppraisalSide.choices, label="考核对象")
    village = serializers.RegexField(r"^[0-9]{12}$", label="帮扶村区划代码")
    unit = serializers.IntegerField(required=False, allow_null=True, label="帮扶单位")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="考核年度")


class AppraisalJudgeSerializer(serializers.Serializer[Any]):
    item = serializers.SlugField(label="考核项代码")
    passed = serializers.BooleanField(label="是否合格")
    reason = serializers.CharField(label="理由", max_length=2000)


class AppraisalOpinionSerializer(serializers.Serializer[Any]):
    opinion = serializers.CharField(label="意见", required=False, allow_blank=True, default="")


class AppraisalReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(label="理由", max_length=2000)


class HelpFollowUpSerializer(serializers.ModelSerializer[HelpFollowUp]):
    kind = serializers.ChoiceField(choices=FollowUpKind.choices, label="问责方式")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    voided = serializers.SerializerMethodField()

    class Meta:
        model = HelpFollowUp
        fields = [
            "id",
            "appraisal",
            "settlement",
            "kind",
            "kind_label",
            "date",
            "target",
            "note",
            "actor",
            "recorded_at",
            "voided",
            "voided_by",
            "void_reason",
        ]
        read_only_fields = [
            "appraisal",
            "settlement",
            "actor",
            "recorded_at",
            "voided_by",
            "void_reason",
        ]

    def get_voided(self, obj: HelpFollowUp) -> bool:
        return obj.voided_at is not None


class HelpSettlementItemSerializer(serializers.ModelSerializer[HelpSettlementItem]):
    result_label = serializers.CharField(read_only=True)

    class Meta:
        model = HelpSettlementItem
        fields = ["code", "label", "passed", "result_label", "reason", "evidence"]


class HelpSettlementSerializer(serializers.ModelSerializer[HelpSettlement]):
    unit_name = serializers.CharField(source="pairing.unit.name", read_only=True)
    village = serializers.CharField(source="pairing.village.code", read_only=True)
    village_name = serializers.CharField(source="pairing.village.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    result_label = serializers.CharField(read_only=True)
    items = HelpSettlementItemSerializer(many=True, read_only=True)

    class Meta:
        model = HelpSettlement
        fields = [
            "id",
            "pairing",
            "unit_name",
            "village",
            "village_name",
            "first_year",
            "last_year",
            "status",
            "status_label",
            "passed",
            "result_label",
            "opinion",
            "items",
        ]
        read_only_fields = ["first_year", "last_year", "status", "passed", "opinion"]


class _FollowUps(_Acts):
    """The follow-up action shared by appraisals and settlements."""

    def _follow_up(self, request: Request, **subject: Any) -> Response:
        d = _valid(HelpFollowUpSerializer, request)
        row = _write(
            lambda: ap.followup_record(
                kind=d["kind"],
                date=d["date"],
                target=d["target"],
                note=d.get("note", ""),
                user=request.user,
                **subject,
            )
        )
        return Response(HelpFollowUpSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="可查看的双到年度考核（按村代码、年度）"),
    retrieve=extend_schema(summary="双到年度考核及各考核项的佐证与结果"),
)
class AppraisalViewSet(_FollowUps, viewsets.ReadOnlyModelViewSet[HelpAppraisal]):
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[HelpAppraisal]:
        qs = (
            sel.appraisals_for(self.request.user)
            .select_related("village", "unit")
            .prefetch_related("items__judged_by")
            .order_by("village__code", "side", "unit__name", "-year", "id")
        )
        p = self.request.query_params
        if self.action == "list":
            if "region" in p:
                region = Region.objects.filter(code=p["region"]).first()
                qs = qs.filter(village__code__startswith=region.prefix) if region else qs.none()
            if p.get("year", "").isdigit():
                qs = qs.filter(year=int(p["year"]))
            if p.get("unit", "").isdigit():
                qs = qs.filter(unit_id=int(p["unit"]))
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return AppraisalSerializer if self.action == "list" else AppraisalDetailSerializer

    def _detail(self, obj: HelpAppraisal, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(AppraisalDetailSerializer(fresh).data, status=code)

    @extend_schema(summary="发起年度考核（县、市、省扶贫办）", request=AppraisalCreateSerializer)
    def create(self, request: Request) -> Response:
        d = _valid(AppraisalCreateSerializer, request)
        village = Region.objects.filter(code=d["village"], level=Level.VILLAGE).first()
        if village is None or not scoping.sees_whole_region(request.user, village):
            raise NotFound(NOT_FOUND)
        unit = None
        if d.get("unit"):
            unit = HelpingUnit.objects.filter(pk=d["unit"]).first()
            if unit is None:
                raise ValidationError({"unit": "没有这个帮扶单位"})
        a = _write(
            lambda: ap.appraisal_create(
                side=d["side"], village=village, year=d["year"], unit=unit, user=request.user
            )
        )
        return self._detail(a, status.HTTP_201_CREATED)

    @extend_schema(summary="按台账重新核算佐证", request=None)
    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, pk: str) -> Response:
        a = self.get_object()
        _write(lambda: ap.appraisal_refresh(appraisal=a, user=request.user))
        return self._detail(a)

    @extend_schema(summary="评定一个由考核人评定的考核项", request=AppraisalJudgeSerializer)
    @action(detail=True, methods=["post"])
    def judge(self, request: Request, pk: str) -> Response:
        def write(a: HelpAppraisal, d: dict[str, Any]) -> Any:
            item = a.items.filter(code=d["item"]).first()
            if item is None:
                raise ValidationError({"item": "没有这个考核项"})
            return ap.appraisal_item_judge(
                item=item, passed=d["passed"], reason=d["reason"], user=request.user
            )

        return self._act(request, AppraisalJudgeSerializer, write)

    @extend_schema(summary="确定考核结论（合格/不合格）", request=AppraisalOpinionSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            AppraisalOpinionSerializer,
            lambda a, d: ap.appraisal_conclude(
                appraisal=a, opinion=d["opinion"], user=request.user
            ),
        )

    @extend_schema(summary="作废（留有记录）", request=AppraisalReasonSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            AppraisalReasonSerializer,
            lambda a, d: ap.appraisal_void(appraisal=a, reason=d["reason"], user=request.user),
        )

    @extend_schema(
        summary="对不合格的考核记录问责（通报、点名、约谈）",
        request=HelpFollowUpSerializer,
        responses=HelpFollowUpSerializer,
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request: Request, pk: str) -> Response:
        return self._follow_up(request, appraisal=self.get_object())


class SettlementPairingSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(label="单位结对帮扶村")


@extend_schema_view(
    list=extend_schema(summary="可查看的三年结帐"),
    retrieve=extend_schema(summary="三年结帐及各结帐项"),
)
class SettlementViewSet(_FollowUps, viewsets.ReadOnlyModelViewSet[HelpSettlement]):
    lookup_value_regex = ID
    serializer_class = HelpSettlementSerializer

    def get_queryset(self) -> QuerySet[HelpSettlement]:
        return (
            sel.settlements_for(self.request.user)
            .select_related("pairing__village", "pairing__unit")
            .prefetch_related("items")
            .order_by("pairing__village__code", "pairing__unit__name", "-first_year", "id")
        )

    def _detail(self, obj: HelpSettlement, code: int = status.HTTP_200_OK) -> Response:
        return Response(
            HelpSettlementSerializer(self.get_queryset().get(pk=obj.pk)).data, status=code
        )

    @extend_schema(
        summary="发起一轮结对的三年结帐（市、省扶贫办）", request=SettlementPairingSerializer
    )
    def create(self, request: Request) -> Response:
        d = _valid(SettlementPairingSerializer, request)
        pairing = (
            sel.scoped(
                VillagePairing.objects.select_related("village", "unit"), request.user, "village"
            )
            .filter(pk=d["pairing"])
            .first()
        )
        if pairing is None:
            raise NotFound(NOT_FOUND)
        return self._detail(
            _write(lambda: ap.settlement_create(pairing=pairing, user=request.user)),
            status.HTTP_201_CREATED,
        )

    @extend_schema(summary="确定结帐结论", request=AppraisalOpinionSerializer)
    @action(detail=True, methods=["post"])
    def conclude(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            AppraisalOpinionSerializer,
            lambda obj, d: ap.settlement_conclude(
                settlement=obj, opinion=d["opinion"], user=request.user
            ),
        )

    @extend_schema(summary="作废结帐（留有记录）", request=AppraisalReasonSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        return self._act(
            request,
            AppraisalReasonSerializer,
            lambda obj, d: ap.settlement_void(
                settlement=obj, reason=d["reason"], user=request.user
            ),
        )

    @extend_schema(
        summary="对不合格的结帐记录问责",
        request=HelpFollowUpSerializer,
        responses=HelpFollowUpSerializer,
    )
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request: Request, pk: str) -> Response:
        return self._follow_up(request, settlement=self.get_object())


@extend_schema_view(
    list=extend_schema(summary="可查看的问责记录"), retrieve=extend_schema(summary="问责记录")
)
class FollowUpViewSet(viewsets.ReadOnlyModelViewSet[HelpFollowUp]):
    lookup_value_regex = ID
    serializer_class = HelpFollowUpSerializer

    def get_queryset(self) -> QuerySet[HelpFollowUp]:
        return sel.follow_ups_for(self.request.user).order_by("date", "id")

    @extend_schema(summary="撤销问责记录（留有记录）", request=AppraisalReasonSerializer)
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str) -> Response:
        row = self.get_object()
        d = _valid(AppraisalReasonSerializer, request)
        row = _write(lambda: ap.followup_void(follow_up=row, reason=d["reason"], user=request.user))
        return Response(HelpFollowUpSerializer(row).data)


router = SimpleRouter()
router.register("settlements", SettlementViewSet, basename="appraisal-settlement")
router.register("follow-ups", FollowUpViewSet, basename="appraisal-follow-up")
router.register("", AppraisalViewSet, basename="appraisal")
urlpatterns = router.urls
