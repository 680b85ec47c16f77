"""Assistance API: pairings, measures, visit logs, projects, warnings and a household's benefits.

Every queryset starts from the selectors (and so from `accounts.scoping`), exactly like the
pages: an id outside the user's scope answers 404 like one that does not exist. Measures and visit
logs can be created, through the same services (and rights) as the ledger forms.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.assistance import selectors as sel
from fupin.assistance import services_manage as manage
from fupin.assistance.api_manage import (
    CREATED,
    VILLAGE,
    BeneficiaryInput,
    BeneficiaryRemoveInput,
    EndInput,
    FundInput,
    HandoverInput,
    HouseholdPairingInput,
    JoinInput,
    LeaveInput,
    ProgressInput,
    ProjectCreateInput,
    ProjectInput,
    ReturnVisitSerializer,
    VillagePairingChange,
    VillagePairingInput,
    WorkTeamInput,
    actor,
    cadre_of,
    household_of,
    region_of,
    unit_of,
    valid,
    write,
)
from fupin.assistance.models import (
    AssistanceMeasure,
    FundAllocation,
    HouseholdPairing,
    MeasureKind,
    Project,
    ProjectBeneficiary,
    VillagePairing,
    VisitLog,
    WorkTeam,
    WorkTeamMember,
)
from fupin.assistance.services import (
    AssistanceError,
    LedgerDenied,
    TeamMemberInput,
    assistance_warnings,
    display_name,
    ledger_measure_add,
    ledger_visit_add,
    pairing_household_create,
    pairing_household_end,
    pairing_household_handover,
    pairing_village_create,
    pairing_work_team_create,
    project_beneficiary_add,
    project_create,
    project_fund_set,
    project_progress_update,
)
from fupin.registry.models import Household

NOT_FOUND = "不存在，或无权查看"
ID = r"[0-9]{1,18}"


# --- serializers ---------------------------------------------------------------------------------


class HouseholdPairingSerializer(serializers.ModelSerializer[HouseholdPairing]):
    household = serializers.CharField(source="household.household_no", read_only=True)
    village = serializers.CharField(source="household.village.code", read_only=True)
    cadre = serializers.CharField(source="cadre.username", read_only=True)
    cadre_name = serializers.SerializerMethodField()
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True)
    active = serializers.SerializerMethodField()

    class Meta:
        model = HouseholdPairing
        fields = [
            "id",
            "household",
            "village",
            "cadre",
            "cadre_name",
            "unit",
            "start",
            "end",
            "end_reason",
            "active",
        ]

    def get_cadre_name(self, obj: HouseholdPairing) -> str:
        return display_name(obj.cadre)

    def get_active(self, obj: HouseholdPairing) -> bool:
        return obj.is_active()


class VillagePairingSerializer(serializers.ModelSerializer[VillagePairing]):
    unit = serializers.CharField(source="unit.name", read_only=True)
    unit_id = serializers.IntegerField(read_only=True)
    village = serializers.CharField(source="village.code", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    tracking = serializers.SerializerMethodField()

    class Meta:
        model = VillagePairing
        fields = [
            "id",
            "unit",
            "unit_id",
            "village",
            "village_name",
            "start",
            "end",
            "end_reason",
            "tracking",
        ]

    def get_tracking(self, obj: VillagePairing) -> list[dict[str, Any]]:
        """跟踪联系: the tracking years after the round, their return visits and flags."""
        return [
            {
                "year": y["n"],
                "start": y["start"].isoformat(),
                "end": y["end"].isoformat(),
                "visits": len(y["visits"]),
                "flagged": y["flagged"],
                "reason": y["reason"],
            }
            for y in sel.tracking_years(obj)
        ]


class WorkTeamMemberSerializer(serializers.ModelSerializer[WorkTeamMember]):
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = WorkTeamMember
        fields = ["id", "name", "role", "role_label", "start", "end"]


class WorkTeamSerializer(serializers.ModelSerializer[WorkTeam]):
    village = serializers.CharField(source="village.code", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True)
    members = WorkTeamMemberSerializer(many=True, read_only=True)

    class Meta:
        model = WorkTeam
        fields = ["id", "village", "unit", "start", "end", "members"]


class MeasureSerializer(serializers.ModelSerializer[AssistanceMeasure]):
    household = serializers.CharField(source="household.household_no", max_length=20)
    kind = serializers.ChoiceField(choices=MeasureKind.choices)
    project = serializers.PrimaryKeyRelatedField(
        queryset=Project.objects.none(), allow_null=True, required=False
    )
    recorded_by = serializers.CharField(
        source="recorded_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = AssistanceMeasure
        fields = [
            "id",
            "household",
            "kind",
            "description",
            "amount",
            "start_date",
            "end_date",
            "project",
            "recorded_by",
            "recorded_at",
        ]
        read_only_fields = ["recorded_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = sel.projects_for(request.user)  # type: ignore[attr-defined]


class VisitSerializer(serializers.ModelSerializer[VisitLog]):
    household = serializers.CharField(source="household.household_no", max_length=20)
    visitor = serializers.CharField(source="visitor.username", read_only=True, allow_null=True)
    visitor_name = serializers.CharField(max_length=32, required=False, allow_blank=True)

    class Meta:
        model = VisitLog
        fields = ["id", "household", "date", "content", "visitor", "visitor_name", "recorded_at"]
        read_only_fields = ["recorded_at"]


class FundSerializer(serializers.ModelSerializer[FundAllocation]):
    class Meta:
        model = FundAllocation
        fields = ["source", "amount"]


class ProjectSerializer(serializers.ModelSerializer[Project]):
    region = serializers.CharField(source="region.code", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True, allow_null=True)
    funds = FundSerializer(many=True, read_only=True)
    total = serializers.DecimalField(
        source="total_amount", max_digits=16, decimal_places=2, read_only=True
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "region",
            "kind",
            "year",
            "unit",
            "start_date",
            "progress",
            "completed_on",
            "funds",
            "total",
        ]


class BeneficiarySerializer(serializers.ModelSerializer[ProjectBeneficiary]):
    household = serializers.CharField(source="household.household_no", read_only=True)

    class Meta:
        model = ProjectBeneficiary
        fields = ["household", "amount", "note"]


class ProjectDetailSerializer(ProjectSerializer):
    beneficiaries = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "description", "beneficiaries"]

    def get_beneficiaries(self, obj: Project) -> list[dict[str, Any]]:
        """Only the households the user may see (a cadre sees their own among them)."""
        rows = sel.beneficiaries_for(self.context["request"].user, obj)
        return BeneficiarySerializer(rows, many=True).data  # type: ignore[return-value]


class WarningSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    message = serializers.CharField()
    household = serializers.CharField(
        source="household.household_no", allow_null=True, default=None
    )
    village = serializers.CharField(source="village.code", allow_null=True, default=None)
    cadre = serializers.CharField(source="cadre.username", allow_null=True, default=None)
    count = serializers.IntegerField(allow_null=True)
    limit = serializers.IntegerField(allow_null=True)


class BenefitRowSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True)
    note = serializers.CharField()
    measures = serializers.ListField(child=serializers.IntegerField(), help_text="关联的帮扶措施")


class BenefitsSerializer(serializers.Serializer[Any]):
    household = serializers.CharField()
    total = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    projects = BenefitRowSerializer(many=True)


class RegionFilterSerializer(serializers.Serializer[Any]):
    region = serializers.RegexField(r"^[0-9]{12}$", required=False)
    household = serializers.CharField(max_length=20, required=False)
    active = serializers.BooleanField(required=False)


def _filters(request: Request) -> dict[str, Any]:
    params = RegionFilterSerializer(data=request.query_params.dict())
    params.is_valid(raise_exception=True)
    return dict(params.validated_data)


def _region_filter(qs: QuerySet[Any], user: Any, code: str, field: str) -> QuerySet[Any]:
    region = sel.regions_for(user).filter(code=code).first()
    if region is None:
        return qs.none()
    return qs.filter(**{f"{field}__code__startswith": region.prefix})


# --- view sets ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="可查看的帮扶责任人结对", parameters=[RegionFilterSerializer]),
    retrieve=extend_schema(summary="帮扶责任人结对"),
)
class HouseholdPairingViewSet(viewsets.ReadOnlyModelViewSet[HouseholdPairing]):
    serializer_class = HouseholdPairingSerializer
    lookup_value_regex = ID

    def _out(self, pairing: HouseholdPairing, code: int = 200) -> Response:
        pairing.refresh_from_db()
        return Response(HouseholdPairingSerializer(pairing).data, status=code)

    @extend_schema(
        summary="结对帮扶责任人（县及以上扶贫部门）",
        request=HouseholdPairingInput,
        responses={201: HouseholdPairingSerializer},
    )
    def create(self, request: Request) -> Response:
        d = valid(HouseholdPairingInput, request)
        household = household_of(request.user, d["household"])
        cadre = cadre_of(d["cadre"])
        unit = unit_of(request.user, d.get("unit"))
        pairing = write(
            lambda: pairing_household_create(
                household=household, cadre=cadre, start=d["start"], unit=unit, **actor(request)
            )
        )
        return self._out(pairing, CREATED)

    @extend_schema(
        summary="解除结对", request=EndInput, responses={200: HouseholdPairingSerializer}
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        pairing, d = self.get_object(), valid(EndInput, request)
        write(
            lambda: pairing_household_end(
                pairing=pairing, end=d["end"], reason=d["reason"], **actor(request)
            )
        )
        return self._out(pairing)

    @extend_schema(
        summary="移交给另一名帮扶责任人（返回新结对）",
        request=HandoverInput,
        responses={201: HouseholdPairingSerializer},
    )
    @action(detail=True, methods=["post"])
    def handover(self, request: Request, pk: str) -> Response:
        pairing, d = self.get_object(), valid(HandoverInput, request)
        cadre = cadre_of(d["cadre"])
        new = write(
            lambda: pairing_household_handover(
                pairing=pairing,
                cadre=cadre,
                on=d["on"],
                reason=d.get("reason", ""),
                **actor(request),
            )
        )
        return self._out(new, CREATED)

    def get_queryset(self) -> QuerySet[HouseholdPairing]:
        qs = (
            sel.pairings_for(self.request.user)
            .select_related("household__village", "cadre", "unit")
            .order_by("household__household_no", "start")
        )
        if self.action == "list":
            f = _filters(self.request)
            if "household" in f:
                qs = qs.filter(household__household_no=f["household"])
            if "region" in f:
                qs = _region_filter(qs, self.request.user, f["region"], "household__village")
            if f.get("active"):
                qs = qs.active()
        return qs


@extend_schema_view(
    list=extend_schema(summary="可查看的单位结对帮扶村"),
    retrieve=extend_schema(summary="单位结对帮扶村"),
)
class VillagePairingViewSet(viewsets.ReadOnlyModelViewSet[VillagePairing]):
    serializer_class = VillagePairingSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[VillagePairing]:
        return (
            sel.village_pairings_for(self.request.user)
            .select_related("unit", "village")
            .order_by("village__code", "start")
        )

    def _out(self, pairing: VillagePairing, code: int = 200) -> Response:
        pairing.refresh_from_db()
        return Response(VillagePairingSerializer(pairing).data, status=code)

    @extend_schema(
        summary="单位结对帮扶村（县及以上扶贫部门）",
        request=VillagePairingInput,
        responses={201: VillagePairingSerializer},
    )
    def create(self, request: Request) -> Response:
        d = valid(VillagePairingInput, request)
        village = region_of(request.user, d["village"], "village", VILLAGE)
        unit = unit_of(request.user, d["unit"])
        assert unit is not None
        pairing = write(
            lambda: pairing_village_create(
                unit=unit, village=village, start=d["start"], end=d.get("end"), **actor(request)
            )
        )
        return self._out(pairing, CREATED)

    @extend_schema(
        summary="更正结对日期（清空解除日期即恢复）",
        request=VillagePairingChange,
        responses={200: VillagePairingSerializer},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        pairing, d = self.get_object(), valid(VillagePairingChange, request)
        write(
            lambda: manage.pairing_village_update(
                pairing=pairing,
                start=d["start"],
                end=d.get("end"),
                reason=d.get("reason", ""),
                **actor(request),
            )
        )
        return self._out(pairing)

    @extend_schema(
        summary="解除单位结对", request=EndInput, responses={200: VillagePairingSerializer}
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        pairing, d = self.get_object(), valid(EndInput, request)
        write(
            lambda: manage.pairing_village_end(
                pairing=pairing, end=d["end"], reason=d["reason"], **actor(request)
            )
        )
        return self._out(pairing)

    @extend_schema(
        summary="回头看记录（GET 列出，POST 新增：帮扶单位联络人、县及以上扶贫部门）",
        request=ReturnVisitSerializer,
        responses={200: ReturnVisitSerializer(many=True), 201: ReturnVisitSerializer},
    )
    @action(detail=True, methods=["get", "post"], url_path="return-visits")
    def return_visits(self, request: Request, pk: str) -> Response:
        pairing = self.get_object()
        if request.method == "GET":
            rows = pairing.return_visits.select_related("recorded_by").order_by("date", "id")
            return Response(ReturnVisitSerializer(rows, many=True).data)
        d = valid(ReturnVisitSerializer, request)
        visit = write(
            lambda: manage.return_visit_add(
                pairing=pairing,
                date=d["date"],
                visitors=d["visitors"],
                findings=d["findings"],
                **actor(request),
            )
        )
        return Response(ReturnVisitSerializer(visit).data, status=CREATED)


@extend_schema_view(
    list=extend_schema(summary="可查看的驻村工作队"),
    retrieve=extend_schema(summary="驻村工作队及队员"),
)
class WorkTeamViewSet(viewsets.ReadOnlyModelViewSet[WorkTeam]):
    serializer_class = WorkTeamSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[WorkTeam]:
        return (
            sel.work_teams_for(self.request.user)
            .select_related("village", "unit")
            .prefetch_related("members")
            .order_by("village__code", "start")
        )

    def _out(self, team: WorkTeam, code: int = 200) -> Response:
        team = WorkTeam.objects.select_related("village", "unit").get(pk=team.pk)
        return Response(WorkTeamSerializer(team).data, status=code)

    @extend_schema(
        summary="派驻驻村工作队（县及以上扶贫部门）",
        request=WorkTeamInput,
        responses={201: WorkTeamSerializer},
    )
    def create(self, request: Request) -> Response:
        d = valid(WorkTeamInput, request)
        village = region_of(request.user, d["village"], "village", VILLAGE)
        unit = unit_of(request.user, d.get("unit"))
        members = [TeamMemberInput(m["name"], m["role"]) for m in d["members"]]
        team = write(
            lambda: pairing_work_team_create(
                village=village, start=d["start"], members=members, unit=unit, **actor(request)
            )
        )
        return self._out(team, CREATED)

    @extend_schema(summary="队员到岗", request=JoinInput, responses={201: WorkTeamSerializer})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        team, d = self.get_object(), valid(JoinInput, request)
        write(
            lambda: manage.work_team_member_join(
                team=team, name=d["name"], role=d["role"], start=d["start"], **actor(request)
            )
        )
        return self._out(team, CREATED)

    @extend_schema(summary="队员离队", request=LeaveInput, responses={200: WorkTeamSerializer})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        team, d = self.get_object(), valid(LeaveInput, request)
        member = team.members.filter(pk=d["member"]).first()
        if member is None:
            raise ValidationError({"member": ["该队员不在此工作队"]})
        write(
            lambda: manage.work_team_member_leave(
                member=member, end=d["end"], reason=d.get("reason", ""), **actor(request)
            )
        )
        return self._out(team)

    @extend_schema(summary="工作队撤离", request=EndInput, responses={200: WorkTeamSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        team, d = self.get_object(), valid(EndInput, request)
        write(
            lambda: manage.work_team_end(
                team=team, end=d["end"], reason=d["reason"], **actor(request)
            )
        )
        return self._out(team)


class _LedgerViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """List, read and add rows of one ledger; a new row goes through the ledger service."""

    lookup_value_regex = ID

    def _scoped(self, qs: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "list":
            f = _filters(self.request)
            if "household" in f:
                qs = qs.filter(household__household_no=f["household"])
            if "region" in f:
                qs = _region_filter(qs, self.request.user, f["region"], "household__village")
        return qs

    def _household(self, serializer: serializers.Serializer[Any]) -> Household:
        no = serializer.validated_data["household"]["household_no"]
        household = (
            sel.households_for(self.request.user)
            .select_related("village")
            .filter(household_no=no)
            .first()
        )
        if household is None:
            raise NotFound(NOT_FOUND)
        return household

    def _write(self, write: Any) -> Any:
        try:
            return write()
        except LedgerDenied as e:
            raise PermissionDenied(str(e)) from e
        except AssistanceError as e:
            raise ValidationError({"detail": str(e)}) from e


@extend_schema_view(
    list=extend_schema(summary="可查看的帮扶措施", parameters=[RegionFilterSerializer]),
    retrieve=extend_schema(summary="帮扶措施"),
    create=extend_schema(summary="新增帮扶措施（该户帮扶责任人、县乡扶贫部门）"),
)
class MeasureViewSet(_LedgerViewSet):
    serializer_class = MeasureSerializer

    def get_queryset(self) -> QuerySet[AssistanceMeasure]:
        qs = (
            sel.measures_for(self.request.user)
            .select_related("household", "recorded_by", "project")
            .order_by("household__household_no", "start_date", "id")
        )
        return self._scoped(qs)

    def perform_create(self, serializer: serializers.Serializer[Any]) -> None:
        household = self._household(serializer)
        d = serializer.validated_data
        user = self.request.user
        serializer.instance = self._write(
            lambda: ledger_measure_add(
                household=household,
                kind=d["kind"],
                description=d["description"],
                amount=d.get("amount", 0),
                start_date=d["start_date"],
                end_date=d.get("end_date"),
                project=d.get("project"),
                actor=user.get_username(),
                user=user,
            )
        )


@extend_schema_view(
    list=extend_schema(summary="可查看的工作台账（走访记录）", parameters=[RegionFilterSerializer]),
    retrieve=extend_schema(summary="走访记录"),
    create=extend_schema(summary="新增走访记录（该户帮扶责任人、县乡扶贫部门）"),
)
class VisitViewSet(_LedgerViewSet):
    serializer_class = VisitSerializer

    def get_queryset(self) -> QuerySet[VisitLog]:
        qs = (
            sel.visits_for(self.request.user)
            .select_related("household", "visitor")
            .order_by("household__household_no", "date", "id")
        )
        return self._scoped(qs)

    def perform_create(self, serializer: serializers.Serializer[Any]) -> None:
        household = self._household(serializer)
        d = serializer.validated_data
        user = self.request.user
        serializer.instance = self._write(
            lambda: ledger_visit_add(
                household=household,
                date=d["date"],
                content=d["content"],
                visitor_name=d.get("visitor_name", ""),
                actor=user.get_username(),
                user=user,
            )
        )


@extend_schema_view(
    list=extend_schema(summary="可查看的扶贫项目", parameters=[RegionFilterSerializer]),
    retrieve=extend_schema(summary="扶贫项目、资金与（可查看的）受益户"),
)
class ProjectViewSet(viewsets.ReadOnlyModelViewSet[Project]):
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Project]:
        qs = (
            sel.projects_for(self.request.user)
            .select_related("region", "unit")
            .prefetch_related("funds")
            .order_by("-year", "region__code", "name", "id")
        )
        if self.action == "list":
            f = _filters(self.request)
            if "region" in f:
                qs = _region_filter(qs, self.request.user, f["region"], "region")
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return ProjectDetailSerializer if self.action == "retrieve" else ProjectSerializer

    def _out(self, project: Project, code: int = 200) -> Response:
        project = Project.objects.select_related("region", "unit").get(pk=project.pk)
        data = ProjectDetailSerializer(project, context={"request": self.request}).data
        return Response(data, status=code)

    @extend_schema(
        summary="新建扶贫项目（县及以上扶贫部门）",
        request=ProjectCreateInput,
        responses={201: ProjectDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        d = valid(ProjectCreateInput, request)
        region = region_of(request.user, d["region"], "region")
        unit = unit_of(request.user, d.get("unit"))
        project = write(
            lambda: project_create(
                name=d["name"],
                region=region,
                kind=d["kind"],
                year=d["year"],
                funds=d.get("funds") or {},
                unit=unit,
                start_date=d.get("start_date"),
                description=d.get("description", ""),
                **actor(request),
            )
        )
        return self._out(project, CREATED)

    @extend_schema(
        summary="修改扶贫项目", request=ProjectInput, responses={200: ProjectDetailSerializer}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        project = self.get_object()
        s = ProjectInput(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        d = s.validated_data
        unit = unit_of(request.user, d["unit"]) if "unit" in d else project.unit
        write(
            lambda: manage.project_update(
                project=project,
                name=d.get("name", project.name),
                kind=d.get("kind", project.kind),
                year=d.get("year", project.year),
                unit=unit,
                start_date=d.get("start_date", project.start_date),
                description=d.get("description", project.description),
                **actor(request),
            )
        )
        return self._out(project)

    @extend_schema(summary="设定一项资金来源的金额", request=FundInput)
    @action(detail=True, methods=["post"])
    def funds(self, request: Request, pk: str) -> Response:
        project, d = self.get_object(), valid(FundInput, request)
        write(
            lambda: project_fund_set(
                project=project, source=d["source"], amount=d["amount"], **actor(request)
            )
        )
        return self._out(project)

    @extend_schema(summary="增加受益户", request=BeneficiaryInput)
    @action(detail=True, methods=["post"])
    def beneficiaries(self, request: Request, pk: str) -> Response:
        project, d = self.get_object(), valid(BeneficiaryInput, request)
        household = household_of(request.user, d["household"])
        write(
            lambda: project_beneficiary_add(
                project=project,
                household=household,
                amount=d["amount"],
                note=d["note"],
                **actor(request),
            )
        )
        return self._out(project, CREATED)

    @extend_schema(summary="移除受益户（须说明原因）", request=BeneficiaryRemoveInput)
    @action(detail=True, methods=["post"], url_path="beneficiaries/remove")
    def beneficiary_remove(self, request: Request, pk: str) -> Response:
        project, d = self.get_object(), valid(BeneficiaryRemoveInput, request)
        household = household_of(request.user, d["household"])
        row = project.beneficiaries.filter(household=household).first()
        if row is None:
            raise ValidationError(
                {"household": [f"户 {household.household_no} 不是该项目的受益户"]}
            )
        write(
            lambda: manage.project_beneficiary_remove(
                beneficiary=row, reason=d["reason"], **actor(request)
            )
        )
        return self._out(project)

    @extend_schema(summary="报告项目进度", request=ProgressInput)
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str) -> Response:
        project, d = self.get_object(), valid(ProgressInput, request)
        write(
            lambda: project_progress_update(
                project=project,
                progress=d["progress"],
                completed_on=d.get("completed_on"),
                **actor(request),
            )
        )
        return self._out(project)

    @extend_schema(summary="区划内项目资金按来源合计", parameters=[RegionFilterSerializer])
    @action(detail=False, methods=["get"])
    def totals(self, request: Request) -> Response:
        f = _filters(request)
        if "region" not in f:
            raise ValidationError({"region": "须指定区划代码"})
        region = sel.regions_for(request.user).filter(code=f["region"]).first()
        if region is None:
            raise NotFound(NOT_FOUND)
        totals = sel.region_project_totals(request.user, region)
        return Response(
            {
                "region": region.code,
                "projects": totals["projects"],
                "completed": totals["completed"],
                "sources": [
                    {"source": s["source"], "label": s["label"], "amount": str(s["amount"])}
                    for s in totals["sources"]
                ],
                "total": str(totals["total"]),
            }
        )


class HouseholdBenefitsView(APIView):
    @extend_schema(summary="一户在各项目中的受益", responses={200: BenefitsSerializer})
    def get(self, request: Request, household_no: str) -> Response:
        household = sel.households_for(request.user).filter(household_no=household_no).first()
        if household is None:
            raise NotFound(NOT_FOUND)
        benefits = sel.household_benefits(request.user, household)
        return Response(
            {
                "household": household.household_no,
                "total": str(benefits["total"]),
                "projects": [
                    {
                        "project": r["project"].pk,
                        "name": r["project"].name,
                        "year": r["project"].year,
                        "amount": str(r["amount"]),
                        "note": r["note"],
                        "measures": [m.pk for m in r["measures"]],
                    }
                    for r in benefits["rows"]
                ],
            }
        )


class RegionWarningsView(APIView):
    @extend_schema(summary="区划内的双到预警", responses={200: WarningSerializer(many=True)})
    def get(self, request: Request, code: str) -> Response:
        region = get_object_or_404(sel.regions_for(request.user), code=code)
        rows = assistance_warnings(region=region, user=request.user)
        return Response(WarningSerializer(rows, many=True).data)


class VillageChartsView(APIView):
    @extend_schema(
        summary="村村5张图的数据",
        parameters=[
            OpenApiParameter("year", int, description="截至年度（默认为该村最近的收入年度）")
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request, code: str) -> Response:
        from fupin.assistance.views_charts import village_charts_data
        from fupin.regions.models import Level

        village = get_object_or_404(sel.regions_for(request.user), code=code, level=Level.VILLAGE)
        raw = request.query_params.get("year", "")
        if raw and not (raw.isdigit() and 2000 <= int(raw) <= 2100):
            raise ValidationError({"year": "年度须为 2000–2100 之间的整数"})
        return Response(village_charts_data(request.user, village, int(raw) if raw else None))
