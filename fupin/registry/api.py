"""The registry's API: regions and households, and the registry checks (平台8个准) of a region.

Every queryset starts from the scoped selectors (`regions_for`, `households_for`), so an id outside
the user's scope answers 404 exactly like one that does not exist. GET /api/checks/<code>/ gives
per-rule counts and one page of the flagged households with their reasons (ID numbers masked).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from fupin.api.errors import ErrorSerializer
from fupin.api.pagination import Pagination
from fupin.api.params import lookup_ok, query_filters
from fupin.checks import BY_ID
from fupin.policy.lines import DEFAULT_LINES
from fupin.regions.models import Region
from fupin.registry import serializers as s
from fupin.registry.checking import (
    ON_REQUEST_LEVELS,
    CheckError,
    flagged_households,
    household_villages,
    registry_check,
)
from fupin.registry.models import Household
from fupin.registry.selectors import households_for, regions_for

# What a lookup in a URL may look like; anything else is not found without asking the database.
REGION_CODE = re.compile(r"[0-9]{12}")
HOUSEHOLD_NO = re.compile(r"[^\x00]{1,20}")


@extend_schema_view(
    list=extend_schema(summary="可查看的区划", parameters=[s.RegionFilterSerializer]),
    retrieve=extend_schema(summary="区划及其农户统计（只计可查看的农户）"),
)
class RegionViewSet(viewsets.ReadOnlyModelViewSet[Region]):
    lookup_field = "code"

    def get_object(self) -> Region:
        lookup_ok(self.kwargs["code"], REGION_CODE)
        return super().get_object()

    def get_queryset(self) -> QuerySet[Region]:
        qs = regions_for(self.request.user).select_related("parent").order_by("code")
        if self.action == "list":
            f = query_filters(s.RegionFilterSerializer, self.request)
            if "level" in f:
                qs = qs.filter(level=f["level"])
            if "parent" in f:
                qs = qs.filter(parent__code=f["parent"])
        return qs

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return s.RegionDetailSerializer if self.action == "retrieve" else s.RegionSerializer


@extend_schema_view(
    list=extend_schema(summary="可查看的农户", parameters=[s.HouseholdFilterSerializer]),
    retrieve=extend_schema(summary="农户、家庭成员（身份证号脱敏）和脱贫状态历史"),
)
class HouseholdViewSet(viewsets.ReadOnlyModelViewSet[Household]):
    lookup_field = "household_no"

    def get_object(self) -> Household:
        lookup_ok(self.kwargs["household_no"], HOUSEHOLD_NO)
        return super().get_object()

    def get_queryset(self) -> QuerySet[Household]:
        qs = households_for(self.request.user).select_related("village").order_by("household_no")
        if self.action == "retrieve":
            return qs.prefetch_related("members", "events")
        f = query_filters(s.HouseholdFilterSerializer, self.request)
        if "village" in f:
            qs = qs.filter(village__code=f["village"])
        if "region" in f:
            code = f["region"]
            region = Region.objects.filter(code=code).first() if len(code) == 12 else None
            qs = qs.filter(village__code__startswith=region.prefix if region else code)
        if "status" in f:
            qs = qs.filter(status=f["status"])
        if "registered" in f:
            qs = qs.filter(registered=f["registered"])
        return qs

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        return s.HouseholdDetailSerializer if self.action == "retrieve" else s.HouseholdSerializer


# --- checks -----------------------------------------------------------------------------------


class ChecksQuerySerializer(serializers.Serializer[dict[str, Any]]):
    rule = serializers.ChoiceField(
        choices=sorted(BY_ID), required=False, help_text="只列出这条规则标记的问题户"
    )
    year = serializers.ChoiceField(
        choices=list(DEFAULT_LINES.years),
        required=False,
        help_text="检查年度（默认：最近的收入年度）",
    )
    page = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, default=1)
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=Pagination.max_page_size,
        required=False,
        default=Pagination.page_size,
    )


class RuleCountSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.CharField()
    title = serializers.CharField()
    flagged = serializers.IntegerField(
        allow_null=True, help_text="问题户数；无所需数据未运行时为 null"
    )


class FlagSerializer(serializers.Serializer[dict[str, Any]]):
    rule = serializers.CharField()
    title = serializers.CharField()
    reason = serializers.CharField()


class FlaggedHouseholdSerializer(serializers.Serializer[dict[str, Any]]):
    household_no = serializers.CharField()
    village = serializers.CharField(help_text="所在村区划代码")
    village_name = serializers.CharField()
    flags = FlagSerializer(many=True)


class ChecksSerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.CharField()
    year = serializers.IntegerField()
    households_checked = serializers.IntegerField()
    rules = RuleCountSerializer(many=True)
    households_flagged = serializers.IntegerField(help_text="问题户数（去重）")
    count = serializers.IntegerField(help_text="符合 rule 筛选的问题户数")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    households = FlaggedHouseholdSerializer(many=True)


class RegionChecksView(APIView):
    @extend_schema(
        summary="区划的平台8个准数据检查：各规则问题户数和一页问题户（县及以下）",
        parameters=[ChecksQuerySerializer],
        responses={
            200: ChecksSerializer,
            400: OpenApiResponse(ErrorSerializer, description="参数有误，或区划大于县"),
            404: OpenApiResponse(ErrorSerializer, description="不存在，或无权查看"),
        },
    )
    def get(self, request: Request, code: str) -> Response:
        lookup_ok(code, REGION_CODE)
        user = request.user
        region = regions_for(user).filter(code=code).first()
        if region is None:
            raise NotFound("不存在，或无权查看")
        params = ChecksQuerySerializer(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        q = params.validated_data
        if region.level not in ON_REQUEST_LEVELS:
            return Response({"detail": "市、省范围请逐县检查（县级或以下区划）"}, status=400)
        try:
            check = registry_check(
                region_code=region.code, year=q.get("year"), households=households_for(user)
            )
        except CheckError as exc:
            return Response({"detail": str(exc)}, status=400)
        result = check.result
        flagged = flagged_households(result, q.get("rule", ""))
        size, page = q["page_size"], q["page"]
        part = flagged[(page - 1) * size : page * size]
        villages = household_villages([h.household_no for h in part])
        body = {
            "region": region.code,
            "year": check.year,
            "households_checked": result.households,
            "rules": result.summary()["rules"],
            "households_flagged": result.households_flagged,
            "count": len(flagged),
            "page": page,
            "page_size": size,
            "households": [
                {
                    "household_no": h.household_no,
                    "village": villages.get(h.household_no, ("", ""))[0],
                    "village_name": villages.get(h.household_no, ("", ""))[1],
                    "flags": [{"rule": r, "title": t, "reason": why} for r, t, why in h.flags],
                }
                for h in part
            ],
        }
        return Response(ChecksSerializer(body).data)
