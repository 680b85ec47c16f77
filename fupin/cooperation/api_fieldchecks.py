"""REST API of the cooperation field checks: the recorded draws, and the check form of a drawn household."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.cooperation import fieldchecks as fc
from fupin.cooperation.api import ID


class FieldCheckRefused(APIException):
    status_code = 400
    default_detail = "未能办理"
    default_code = "refused"

    def __init__(self, error: fc.FieldCheckError) -> None:
        super().__init__(detail=str(error))
        self.status_code = getattr(error, "status", 400)


class FieldCheckFormSerializer(serializers.ModelSerializer[fc.FieldCheckForm]):
    household = serializers.CharField(source="household.household_no", read_only=True)
    problem = serializers.IntegerField(source="problem_id", read_only=True, allow_null=True)

    class Meta:
        model = fc.FieldCheckForm
        fields = [
            "household",
            "entry",
            "money_arrived",
            "benefit_arrived",
            "amount_due",
            "amount_received",
            "remarks",
            "problem",
            "actor",
        ]


class FieldCheckItemSerializer(serializers.ModelSerializer[fc.FieldCheckItem]):
    level = serializers.ChoiceField(choices=fc.ItemLevel.choices)
    form = serializers.SerializerMethodField()

    class Meta:
        model = fc.FieldCheckItem
        fields = [
            "id",
            "level",
            "unit_key",
            "label",
            "parent_key",
            "inclusion_probability",
            "order",
            "form",
        ]

    def get_form(self, item: fc.FieldCheckItem) -> dict[str, Any] | None:
        form = getattr(item, "form", None)
        return FieldCheckFormSerializer(form).data if form is not None else None


class FieldCheckDrawSerializer(serializers.ModelSerializer[fc.FieldCheckDraw]):
    county = serializers.CharField(source="county.code", read_only=True)
    items = FieldCheckItemSerializer(many=True, read_only=True)

    class Meta:
        model = fc.FieldCheckDraw
        fields = [
            "id",
            "campaign",
            "county",
            "year",
            "seed",
            "method",
            "parameters",
            "frame_sizes",
            "frame_checksums",
            "reason",
            "supersedes",
            "actor",
            "created_at",
            "items",
        ]


class FieldCheckRecordSerializer(serializers.Serializer[dict[str, Any]]):
    item = serializers.IntegerField(help_text="抽中农户的核查项编号")
    money_arrived = serializers.BooleanField()
    benefit_arrived = serializers.BooleanField()
    amount_due = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    amount_received = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True
    )
    remarks = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class FieldCheckDrawViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[fc.FieldCheckDraw]
):
    """Draws the user may see (the working group's all; an office's those of its counties)."""

    serializer_class = FieldCheckDrawSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[fc.FieldCheckDraw]:
        return (
            fc.fieldcheck_draws_for(self.request.user)
            .prefetch_related("items__form__household")
            .order_by("-id")
        )

    @extend_schema(
        summary="填写抽中农户的核查表（资金、受益未到位即提出疑点）",
        request=FieldCheckRecordSerializer,
        responses={201: FieldCheckFormSerializer},
    )
    @action(detail=True, methods=["post"])
    def record(self, request: Request, pk: str | None = None) -> Response:
        draw = self.get_object()
        body = FieldCheckRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        item = draw.items.filter(pk=data.pop("item")).first()
        if item is None:
            raise NotFound("该抽样中没有这一项")
        try:
            form = fc.fieldcheck_record(item=item, user=request.user, **data)
        except fc.FieldCheckError as e:
            raise FieldCheckRefused(e) from e
        return Response(FieldCheckFormSerializer(form).data, status=status.HTTP_201_CREATED)
