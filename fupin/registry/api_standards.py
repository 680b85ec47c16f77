"""The provinces' relative standards in the API, under /api/registry/standards/: read by every
office of the province, recorded, changed (a new version) and withdrawn by its province office.
Refusals are a Chinese `detail` with 400 (bad input) or 403 (not this office's duty); a standard
outside the user's provinces answers 404 like one that does not exist."""

from __future__ import annotations

import re
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.api.params import lookup_ok
from fupin.regions.models import Level, Region
from fupin.registry.models import RelativeStandard
from fupin.registry.services import RegistryError
from fupin.registry.standards import (
    amounts_text,
    in_force,
    relative_standard_change,
    relative_standard_record,
    relative_standard_withdraw,
    standards_for,
    versions_of,
)

CODE = re.compile(r"[0-9]{2}-[0-9]{1,6}")


class StandardVersionSerializer(serializers.ModelSerializer[RelativeStandard]):
    province = serializers.CharField(source="province.name", read_only=True)
    province_code = serializers.CharField(source="province.code", read_only=True)
    amounts = serializers.SerializerMethodField(
        help_text="比例换算的收入线（元），如“33% × 9372 元 = 3093 元”"
    )
    household_line = serializers.SerializerMethodField(help_text="贫困户收入线（元）")
    village_line = serializers.SerializerMethodField(
        help_text="重点帮扶村收入线（元），未设为 null"
    )
    withdrawn = serializers.BooleanField(read_only=True)
    recorded_by = serializers.StringRelatedField()

    class Meta:
        model = RelativeStandard
        fields = [
            "code",
            "version",
            "province",
            "province_code",
            "name",
            "household_share",
            "village_share",
            "household_line",
            "village_line",
            "amounts",
            "reference_year",
            "reference_yuan",
            "reference_source",
            "first_year",
            "last_year",
            "requires_labour_ability",
            "requires_poor_village",
            "reason",
            "recorded_by",
            "recorded_at",
            "withdrawn",
            "withdrawn_at",
            "withdrawn_reason",
        ]

    def get_amounts(self, v: RelativeStandard) -> dict[str, str]:
        return amounts_text(v)

    def get_household_line(self, v: RelativeStandard) -> float:
        return v.as_standard().household_rule.limit  # type: ignore[union-attr]

    def get_village_line(self, v: RelativeStandard) -> float | None:
        village = v.as_standard().village_rule
        return None if village is None else village.limit


class StandardInSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField(max_length=100)
    household_share = serializers.FloatField(
        help_text="贫困户：低于全省农民人均纯收入的比例（0 到 1，如 0.33）"
    )
    village_share = serializers.FloatField(
        required=False,
        allow_null=True,
        default=None,
        help_text="重点帮扶村的比例（如 0.6），可为空",
    )
    reference_year = serializers.IntegerField(help_text="全省农民人均纯收入的年度")
    reference_yuan = serializers.FloatField(help_text="全省农民人均纯收入（元），按统计公报填写")
    reference_source = serializers.CharField(max_length=300, help_text="收入的出处")
    first_year = serializers.IntegerField()
    last_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    requires_labour_ability = serializers.BooleanField(required=False, default=False)
    requires_poor_village = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(max_length=300, help_text="制定或修改理由（文件依据）")


class StandardRecordSerializer(StandardInSerializer):
    province = serializers.RegexField(r"^[0-9]{12}$", help_text="省份的 12 位区划代码")


class WithdrawSerializer(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=300, help_text="撤回理由")


def _refused(e: RegistryError) -> Response:
    return Response({"detail": str(e)}, status=e.status)


def _versions(request: Request, code: str) -> list[RelativeStandard]:
    lookup_ok(code, CODE)
    versions = versions_of(request.user, code)
    if not versions:
        raise NotFound(NOT_FOUND)
    return versions


def _split(d: dict[str, Any]) -> tuple[dict[str, Any], str]:
    d = dict(d)
    d.pop("province", None)
    return d, d.pop("reason")


class StandardsView(APIView):
    @extend_schema(
        summary="可查看的各省相对贫困标准（每项的现行版本；各版本都已撤回的不列）",
        responses={200: StandardVersionSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        by_code: dict[str, list[RelativeStandard]] = {}
        for v in standards_for(request.user).order_by("province__code", "code"):
            by_code.setdefault(v.code, []).append(v)
        live = [x for x in (in_force(vs) for vs in by_code.values()) if x is not None]
        return Response(StandardVersionSerializer(live, many=True).data)

    @extend_schema(
        summary="录入相对贫困标准（省扶贫办；收入线按比例计算）",
        request=StandardRecordSerializer,
        responses={201: StandardVersionSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        body = StandardRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        province = Region.objects.filter(
            code=body.validated_data["province"], level=Level.PROVINCE
        ).first()
        if province is None:
            return Response({"detail": "省份：没有这个省级区划代码"}, status=400)
        data, reason = _split(body.validated_data)
        try:
            row = relative_standard_record(
                province=province, data=data, reason=reason, user=request.user
            )
        except RegistryError as e:
            return _refused(e)
        return Response(StandardVersionSerializer(row).data, status=201)


class StandardView(APIView):
    @extend_schema(
        summary="一项相对贫困标准的各版本（新的在前）",
        responses={200: StandardVersionSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(StandardVersionSerializer(_versions(request, code), many=True).data)


class StandardVersionsView(APIView):
    @extend_schema(
        summary="修改相对贫困标准：记录新版本（省扶贫办；原版本保留）",
        request=StandardInSerializer,
        responses={201: StandardVersionSerializer, **ERRORS},
    )
    def post(self, request: Request, code: str) -> Response:
        live = in_force(_versions(request, code))
        if live is None:
            return Response({"detail": "该标准的各版本都已撤回"}, status=409)
        body = StandardInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data, reason = _split(body.validated_data)
        try:
            row = relative_standard_change(
                current=live, data=data, reason=reason, user=request.user
            )
        except RegistryError as e:
            return _refused(e)
        return Response(StandardVersionSerializer(row).data, status=201)


class StandardWithdrawView(APIView):
    @extend_schema(
        summary="撤回现行版本（省扶贫办；须写明理由；如有上一版本则恢复执行）",
        request=WithdrawSerializer,
        responses={200: StandardVersionSerializer, **ERRORS},
    )
    def post(self, request: Request, code: str) -> Response:
        live = in_force(_versions(request, code))
        if live is None:
            return Response({"detail": "该标准的各版本都已撤回"}, status=409)
        body = WithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            row = relative_standard_withdraw(
                version=live, reason=body.validated_data["reason"], user=request.user
            )
        except RegistryError as e:
            return _refused(e)
        return Response(StandardVersionSerializer(row).data)
