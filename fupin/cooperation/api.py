"""East-West cooperation API: pairings (with year-over-year multiples), agreements with their
reconciliation and grades, and the ledger (list, add, review).

Every queryset starts from the selectors, like the pages: an id outside the user's scope answers
404 like one that does not exist. Writes go through the services; their refusals answer with the
error's own status (400 the request, 403 the role, 409 the state) and the Chinese message.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.api.errors import ID
from fupin.cooperation import selectors as sel
from fupin.cooperation import services as svc
from fupin.cooperation.models import (
    Agreement,
    Indicator,
    LedgerEntry,
    Pairing,
    PairingLevel,
    PartnerKind,
    PartnerPairing,
)
from fupin.cooperation.workflows import EntryStatus, ReviewAction, Side
from fupin.regions.models import Level, Region


class CooperationRefused(APIException):
    status_code = 400
    default_detail = "未能办理"
    default_code = "refused"

    def __init__(self, error: svc.CooperationError) -> None:
        super().__init__(detail=str(error))
        self.status_code = error.status


def _write(call: Any) -> Any:
    try:
        return call()
    except svc.CooperationError as e:
        raise CooperationRefused(e) from e


# --- serializers ---------------------------------------------------------------------------------


class PartnerSerializer(serializers.ModelSerializer[PartnerPairing]):
    kind = serializers.ChoiceField(choices=PartnerKind.choices)
    west_region = serializers.CharField(source="west_region.code", read_only=True)

    class Meta:
        model = PartnerPairing
        fields = ["kind", "east_name", "west_region", "west_name", "start_year", "end_year"]


class PairingSerializer(serializers.ModelSerializer[Pairing]):
    level = serializers.ChoiceField(choices=PairingLevel.choices)
    east = serializers.CharField(source="east.code", read_only=True)
    east_name = serializers.CharField(source="east.name", read_only=True)
    west = serializers.CharField(source="west.code", read_only=True)
    west_name = serializers.CharField(source="west.name", read_only=True)
    partners = PartnerSerializer(many=True, read_only=True)

    class Meta:
        model = Pairing
        fields = [
            "id",
            "level",
            "east",
            "east_name",
            "west",
            "west_name",
            "parent",
            "start_year",
            "end_year",
            "partners",
        ]


class TargetSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(source="indicator.code")
    target = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = ["id", "pairing", "year", "status", "signed_on", "signed_by", "note", "targets"]


class LineSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    side = serializers.ChoiceField(choices=Side.choices)
    target = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    value = serializers.DecimalField(
        max_digits=16, decimal_places=2, coerce_to_string=True, allow_null=True
    )
    ratio = serializers.DecimalField(
        max_digits=10, decimal_places=4, coerce_to_string=True, allow_null=True
    )
    completion = serializers.CharField()
    completion_label = serializers.CharField()
    shortfall = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    counted_entries = serializers.IntegerField()
    pending_entries = serializers.IntegerField()
    disputed_entries = serializers.IntegerField()


class GradeSerializer(serializers.Serializer[Any]):
    side = serializers.ChoiceField(choices=Side.choices)
    grade = serializers.CharField()
    grade_label = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=True)
    done = serializers.IntegerField()
    partly = serializers.IntegerField()
    not_done = serializers.IntegerField()
    open_disputes = serializers.IntegerField()
    rule_id = serializers.IntegerField(allow_null=True)


class ReconciliationSerializer(serializers.Serializer[Any]):
    agreement = serializers.IntegerField()
    lines = LineSerializer(many=True)
    grades = GradeSerializer(many=True)


class MultipleSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    last = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    this = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    multiple = serializers.DecimalField(
        max_digits=10, decimal_places=1, coerce_to_string=True, allow_null=True
    )


class YearSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class AgreementFilterSerializer(serializers.Serializer[Any]):
    pairing = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)


class LedgerFilterSerializer(AgreementFilterSerializer):
    status = serializers.ChoiceField(choices=EntryStatus.choices, required=False)
    indicator = serializers.CharField(required=False, max_length=16)


class LedgerEntrySerializer(serializers.ModelSerializer[LedgerEntry]):
    pairing = serializers.PrimaryKeyRelatedField(queryset=Pairing.objects.none())
    indicator = serializers.SlugRelatedField(slug_field="code", queryset=Indicator.objects.all())
    county = serializers.SlugRelatedField(
        slug_field="code",
        allow_null=True,
        required=False,
        queryset=Region.objects.filter(level=Level.COUNTY),
    )
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    beneficiaries = serializers.IntegerField(min_value=0, max_value=10**9, default=0)
    side = serializers.ChoiceField(
        choices=Side.choices,
        required=False,
        write_only=True,
        help_text="代表哪一方；同时属于双方时必填",
    )
    entered_by = serializers.ChoiceField(choices=Side.choices, read_only=True)
    status = serializers.ChoiceField(choices=EntryStatus.choices, read_only=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "pairing",
            "year",
            "date",
            "indicator",
            "amount",
            "agreed_amount",
            "beneficiaries",
            "county",
            "title",
            "evidence",
            "entered_by",
            "status",
            "actor",
            "recorded_at",
            "side",
        ]
        read_only_fields = ["agreed_amount", "actor", "recorded_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["pairing"].queryset = sel.pairings_for(request.user)  # type: ignore[attr-defined]


class ReviewSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=ReviewAction.choices)
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, default=None
    )
    side = serializers.ChoiceField(
        choices=Side.choices, required=False, allow_null=True, default=None
    )


# --- view sets ----------------------------------------------------------------------------------


def _params(serializer: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    params = serializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


@extend_schema_view(
    list=extend_schema(summary="可查看的东西部协作结对"),
    retrieve=extend_schema(summary="东西部协作结对及携手奔小康结对"),
)
class PairingViewSet(viewsets.ReadOnlyModelViewSet[Pairing]):
    serializer_class = PairingSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Pairing]:
        return (
            sel.pairings_for(self.request.user)
            .select_related("east", "west")
            .prefetch_related("partners__west_region")
            .order_by("level", "east__code", "west__code")
        )

    @extend_schema(
        summary="同比倍数（本年已确认台账 ÷ 上年）",
        parameters=[YearSerializer],
        responses={200: MultipleSerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def multiples(self, request: Request, pk: str | None = None) -> Response:
        year = _params(YearSerializer, request)["year"]
        rows = svc.yoy_multiples(self.get_object(), year)
        return Response(MultipleSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="可查看的协作协议", parameters=[AgreementFilterSerializer]),
    retrieve=extend_schema(summary="协作协议及目标"),
)
class AgreementViewSet(viewsets.ReadOnlyModelViewSet[Agreement]):
    serializer_class = AgreementSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Agreement]:
        qs = (
            sel.agreements_for(self.request.user)
            .prefetch_related("targets__indicator")
            .order_by("-year", "pairing_id", "id")
        )
        if self.action == "list":
            f = _params(AgreementFilterSerializer, self.request)
            if "pairing" in f:
                qs = qs.filter(pairing_id=f["pairing"])
            if "year" in f:
                qs = qs.filter(year=f["year"])
        return qs

    @extend_schema(
        summary="对账：各指标目标与已确认台账、完成情况和双方等次",
        responses={200: ReconciliationSerializer},
    )
    @action(detail=True, methods=["get"])
    def reconciliation(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        recon = svc.reconciliation(agreement)
        grades = [svc.grade_compute(agreement, s, recon=recon) for s in Side if recon.for_side(s)]
        return Response(
            ReconciliationSerializer(
                {"agreement": agreement.pk, "lines": recon.lines, "grades": grades}
            ).data
        )

    @extend_schema(summary="双方等次（按等次规则）", responses={200: GradeSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def grades(self, request: Request, pk: str | None = None) -> Response:
        agreement = self.get_object()
        recon = svc.reconciliation(agreement)
        grades = [svc.grade_compute(agreement, s, recon=recon) for s in Side if recon.for_side(s)]
        return Response(GradeSerializer(grades, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="可查看的协作台账", parameters=[LedgerFilterSerializer]),
    retrieve=extend_schema(summary="协作台账"),
    create=extend_schema(summary="录入台账（本方扶贫办；等待对方确认）"),
)
class LedgerEntryViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = LedgerEntrySerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[LedgerEntry]:
        qs = (
            sel.ledger_for(self.request.user)
            .select_related("indicator", "county")
            .order_by("pairing_id", "year", "date", "id")
        )
        if self.action == "list":
            f = _params(LedgerFilterSerializer, self.request)
            if "pairing" in f:
                qs = qs.filter(pairing_id=f["pairing"])
            if "year" in f:
                qs = qs.filter(year=f["year"])
            if "status" in f:
                qs = qs.filter(status=f["status"])
            if "indicator" in f:
                qs = qs.filter(indicator__code=f["indicator"])
        return qs

    def perform_create(self, serializer: serializers.Serializer[Any]) -> None:
        d = serializer.validated_data
        serializer.instance = _write(
            lambda: svc.ledger_entry_add(
                pairing=d["pairing"],
                year=d["year"],
                date=d["date"],
                indicator=d["indicator"],
                amount=d["amount"],
                beneficiaries=d.get("beneficiaries", 0),
                county=d.get("county"),
                title=d.get("title", ""),
                evidence=d.get("evidence", ""),
                user=self.request.user,
                side=d.get("side"),
            )
        )

    @extend_schema(
        summary="审核台账：对方确认、提出异议、异议解决；录入方修改、撤回",
        request=ReviewSerializer,
        responses={200: LedgerEntrySerializer},
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        entry = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        _write(
            lambda: svc.ledger_entry_transition(
                entry=entry,
                action=d["action"],
                user=request.user,
                side=d["side"],
                opinion=d["opinion"],
                amount=d["amount"],
            )
        )
        entry.refresh_from_db()
        return Response(
            LedgerEntrySerializer(entry, context={"request": request}).data,
            status=status.HTTP_200_OK,
        )


__all__ = ["AgreementViewSet", "LedgerEntryViewSet", "PairingViewSet"]
