"""The write side of the assistance API: helping units, and the inputs and actions by which the
offices create, change and end pairings, work teams and projects (mixed into `api`'s view sets).

Reads stay scoped (an object outside the user's scope is 404); every write goes through the
services, whose refusals become 403 (not the user's to manage) or 400 (a Chinese reason).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.models import Membership, Role
from fupin.assistance import importing
from fupin.assistance import selectors as sel
from fupin.assistance.models import (
    FundSource,
    HelpingUnit,
    HelpingUnitMember,
    MeasureKind,
    ReturnVisit,
    TeamRole,
    UnitKind,
)
from fupin.assistance.services import AssistanceError, HelpDenied, LedgerDenied
from fupin.assistance.services_manage import (
    unit_create,
    unit_deactivate,
    unit_member_add,
    unit_member_remove,
    unit_reactivate,
    unit_update,
)
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

T = TypeVar("T")
ID = r"[0-9]{1,18}"


def write(call: Callable[[], T]) -> T:
    """Run a service; its refusals as API errors (403 for rights, 400 with the reason)."""
    try:
        return call()
    except (HelpDenied, LedgerDenied) as e:
        raise PermissionDenied(str(e)) from e
    except AssistanceError as e:
        raise ValidationError({"detail": str(e)}) from e


def actor(request: Request) -> dict[str, Any]:
    return {"actor": request.user.get_username(), "user": request.user}


# --- lookups within the user's scope (400 naming the field when not found) ----------------------


def region_of(user: Any, code: str, field: str, level: str | None = None) -> Region:
    qs = sel.regions_for(user).filter(code=code)
    if level is not None:
        qs = qs.filter(level=level)
    region = qs.first()
    if region is None:
        raise ValidationError({field: [f"区划 {code} 不存在，或无权查看"]})
    return region


def household_of(user: Any, no: str, field: str = "household") -> Household:
    household = sel.households_for(user).select_related("village").filter(household_no=no).first()
    if household is None:
        raise ValidationError({field: [f"户 {no} 不存在，或无权查看"]})
    return household


def unit_of(user: Any, pk: int | None, field: str = "unit") -> HelpingUnit | None:
    if pk is None:
        return None
    unit = sel.units_for(user).filter(pk=pk).first()
    if unit is None:
        raise ValidationError({field: ["帮扶单位不存在，或无权查看"]})
    return unit


def cadre_of(username: str, field: str = "cadre") -> AbstractBaseUser:
    user = (
        get_user_model()
        .objects.filter(
            username=username,
            is_active=True,
            pk__in=Membership.objects.filter(role=Role.HELPING_CADRE).values("user_id"),
        )
        .first()
    )
    if user is None:
        raise ValidationError({field: [f"{username} 不是帮扶责任人"]})
    return user


def user_of(username: str, field: str = "username") -> AbstractBaseUser:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({field: [f"没有用户 {username}"]})
    return user


# --- inputs -------------------------------------------------------------------------------------


class HouseholdPairingInput(serializers.Serializer[Any]):
    household = serializers.CharField(max_length=20, label="户编号")
    cadre = serializers.CharField(max_length=150, label="帮扶责任人（用户名）")
    start = serializers.DateField(label="开始日期")
    unit = serializers.IntegerField(required=False, allow_null=True, label="所在帮扶单位")


class EndInput(serializers.Serializer[Any]):
    end = serializers.DateField(label="解除日期")
    reason = serializers.CharField(max_length=200, label="解除原因")


class HandoverInput(serializers.Serializer[Any]):
    cadre = serializers.CharField(max_length=150, label="新帮扶责任人（用户名）")
    on = serializers.DateField(label="移交日期")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VillagePairingInput(serializers.Serializer[Any]):
    unit = serializers.IntegerField(label="帮扶单位")
    village = serializers.RegexField(r"^[0-9]{12}$", label="帮扶村（区划代码）")
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(required=False, allow_null=True, label="解除日期")


class VillagePairingChange(serializers.Serializer[Any]):
    start = serializers.DateField(label="开始日期")
    end = serializers.DateField(required=False, allow_null=True, label="解除日期")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ReturnVisitSerializer(serializers.ModelSerializer[ReturnVisit]):
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = ReturnVisit
        fields = ["id", "date", "visitors", "findings", "recorded_by", "recorded_at"]
        read_only_fields = ["recorded_at"]


class MemberInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=32, label="姓名")
    role = serializers.ChoiceField(choices=TeamRole.choices, label="职务")


class WorkTeamInput(serializers.Serializer[Any]):
    village = serializers.RegexField(r"^[0-9]{12}$", label="驻村（区划代码）")
    unit = serializers.IntegerField(required=False, allow_null=True, label="派出单位")
    start = serializers.DateField(label="进驻日期")
    members = MemberInput(many=True, label="队员")


class JoinInput(MemberInput):
    start = serializers.DateField(label="到岗日期")


class LeaveInput(serializers.Serializer[Any]):
    member = serializers.IntegerField(label="队员")
    end = serializers.DateField(label="离队日期")
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ProjectInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, label="项目名称")
    kind = serializers.ChoiceField(choices=MeasureKind.choices, label="项目类别")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="项目年度")
    unit = serializers.IntegerField(required=False, allow_null=True, label="帮扶单位")
    start_date = serializers.DateField(required=False, allow_null=True, label="开工日期")
    description = serializers.CharField(required=False, allow_blank=True, label="建设内容")


class ProjectCreateInput(ProjectInput):
    region = serializers.RegexField(r"^[0-9]{12}$", label="实施区划（代码）")
    funds = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0),
        required=False,
        label="资金（来源: 金额）",
    )

    def validate_funds(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = [k for k in value if k not in FundSource.values]
        if unknown:
            raise serializers.ValidationError(f"未知的资金来源：{'、'.join(unknown)}")
        return value


class FundInput(serializers.Serializer[Any]):
    source = serializers.ChoiceField(choices=FundSource.choices, label="资金来源")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, label="金额")


class BeneficiaryInput(serializers.Serializer[Any]):
    household = serializers.CharField(max_length=20, label="户编号")
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, default=0
    )
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BeneficiaryRemoveInput(serializers.Serializer[Any]):
    household = serializers.CharField(max_length=20, label="户编号")
    reason = serializers.CharField(max_length=200, label="移除原因")


class ProgressInput(serializers.Serializer[Any]):
    progress = serializers.IntegerField(min_value=0, max_value=100, label="进度(%)")
    completed_on = serializers.DateField(required=False, allow_null=True, label="竣工日期")


def valid(serializer_class: type[serializers.Serializer[Any]], request: Request) -> dict[str, Any]:
    s = serializer_class(data=request.data)
    s.is_valid(raise_exception=True)
    return dict(s.validated_data)


# --- helping units ------------------------------------------------------------------------------


class HelpingUnitSerializer(serializers.ModelSerializer[HelpingUnit]):
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    region = serializers.CharField(source="region.code", allow_null=True, required=False)
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    members = serializers.SerializerMethodField()

    class Meta:
        model = HelpingUnit
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "region",
            "region_name",
            "active",
            "deactivated_on",
            "deactivation_reason",
            "members",
        ]
        read_only_fields = ["active", "deactivated_on", "deactivation_reason"]

    def get_members(self, obj: HelpingUnit) -> list[str]:
        return [m.user.get_username() for m in obj.members.select_related("user")]


class DeactivateInput(serializers.Serializer[Any]):
    on = serializers.DateField(label="停用日期")
    reason = serializers.CharField(max_length=200, label="停用原因")


class UsernameInput(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150, label="用户名")


@extend_schema_view(
    list=extend_schema(summary="可查看的帮扶单位"),
    retrieve=extend_schema(summary="帮扶单位"),
    create=extend_schema(summary="登记帮扶单位（所在县及以上扶贫部门）"),
    partial_update=extend_schema(summary="修改帮扶单位"),
)
class HelpingUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = HelpingUnitSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[HelpingUnit]:
        return sel.units_for(self.request.user).select_related("region").order_by("name")

    def _region(self, d: dict[str, Any], default: Region | None) -> Region | None:
        if "region" not in d:
            return default
        code = (d["region"] or {}).get("code")
        return region_of(self.request.user, code, "region") if code else None

    def perform_create(self, serializer: serializers.Serializer[Any]) -> None:
        d = serializer.validated_data
        serializer.instance = write(
            lambda: unit_create(
                name=d["name"],
                kind=d["kind"],
                region=self._region(d, None),
                **actor(self.request),
            )
        )

    def perform_update(self, serializer: serializers.Serializer[Any]) -> None:
        unit = serializer.instance
        d = serializer.validated_data
        serializer.instance = write(
            lambda: unit_update(
                unit=unit,
                name=d.get("name", unit.name),
                kind=d.get("kind", unit.kind),
                region=self._region(d, unit.region),
                **actor(self.request),
            )
        )

    def _done(self, unit: HelpingUnit) -> Response:
        unit.refresh_from_db()
        return Response(HelpingUnitSerializer(unit).data)

    @extend_schema(summary="停用帮扶单位", request=DeactivateInput)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        unit, d = self.get_object(), valid(DeactivateInput, request)
        write(lambda: unit_deactivate(unit=unit, on=d["on"], reason=d["reason"], **actor(request)))
        return self._done(unit)

    @extend_schema(summary="恢复停用的帮扶单位", request=None)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str) -> Response:
        unit = self.get_object()
        write(lambda: unit_reactivate(unit=unit, **actor(request)))
        return self._done(unit)

    @extend_schema(summary="增加帮扶单位联络人", request=UsernameInput)
    @action(detail=True, methods=["post"], url_path="members")
    def member_add(self, request: Request, pk: str) -> Response:
        unit, d = self.get_object(), valid(UsernameInput, request)
        member = user_of(d["username"])
        write(lambda: unit_member_add(unit=unit, member=member, **actor(request)))
        return self._done(unit)

    @extend_schema(summary="移除帮扶单位联络人", request=UsernameInput)
    @action(detail=True, methods=["post"], url_path="members/remove")
    def member_remove(self, request: Request, pk: str) -> Response:
        unit, d = self.get_object(), valid(UsernameInput, request)
        row = HelpingUnitMember.objects.filter(unit=unit, user__username=d["username"]).first()
        if row is None:
            raise ValidationError({"username": [f"{d['username']} 不是该单位的联络人"]})
        write(lambda: unit_member_remove(member=row, **actor(request)))
        return self._done(unit)


class ImportInput(serializers.Serializer[Any]):
    file = serializers.FileField(label="导入文件（XLSX）")
    confirm = serializers.BooleanField(
        required=False, default=False, label="确认导入（否则只预检，不写入）"
    )


class HelpImportView(APIView):
    """预检 (dry run, nothing written) or, with confirm, import pairings and projects from an XLSX
    in one transaction: all rows or none, every problem with its sheet, row and column."""

    parser_classes = [MultiPartParser]

    @extend_schema(summary="从 XLSX 导入结对和项目（先预检）", request=ImportInput)
    def post(self, request: Request) -> Response:
        if not (sel.managed_regions(request.user) or request.user.is_superuser):
            raise PermissionDenied("只有县（市、省）扶贫部门可以导入帮扶数据")
        d = valid(ImportInput, request)
        upload = d["file"]
        if upload.size > importing.MAX_UPLOAD:
            raise ValidationError({"file": [f"超过 {importing.MAX_UPLOAD // 1048576} MB 上限"]})
        try:
            sheets = importing.read_sheets(upload.read())
        except importing.ImportRefused as e:
            raise ValidationError({"file": [str(e)]}) from e
        report = importing.help_import(sheets=sheets, dry_run=not d["confirm"], **actor(request))
        code = 400 if d["confirm"] and not report.ok else 200
        return Response(report.as_dict(), status=code)


CREATED = status.HTTP_201_CREATED
VILLAGE = Level.VILLAGE
