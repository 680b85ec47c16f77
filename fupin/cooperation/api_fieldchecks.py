"""REST API of the cooperation field checks: the recorded draws (and a new draw), the check form of
a drawn household, and the project list's beneficiaries (which help project a ledger project funds)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.roles import has_role
from fupin.api.params import MAX_ID
from fupin.assessments.models import Campaign
from fupin.cooperation import fieldchecks as fc
from fupin.cooperation import selectors as sel
from fupin.cooperation.api import ID
from fupin.regions.models import Level, Region

CODE = r"^[0-9]{6}([0-9]{6})?$"


def _county(code: str) -> Region | None:
    return Region.objects.filter(
        code=code if len(code) == 12 else code + "000000", level=Level.COUNTY
    ).first()


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
            "county_reason",
            "supersedes",
            "actor",
            "created_at",
            "items",
        ]


class FieldCheckDrawRequestSerializer(serializers.Serializer[dict[str, Any]]):
    campaign = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="省际交叉考核任务编号"
    )
    county = serializers.RegexField(CODE, help_text="抽中县区划代码（6 或 12 位）")
    year = serializers.IntegerField(min_value=2016, max_value=2030, help_text="协作年度")
    villages = serializers.IntegerField(min_value=2, max_value=3, default=3, help_text="贫困村数")
    projects = serializers.IntegerField(min_value=2, max_value=3, default=3, help_text="协作项目数")
    per_project = serializers.IntegerField(
        min_value=1, max_value=10, default=5, help_text="每个项目从其受益贫困户中抽取的户数"
    )
    seed = serializers.IntegerField(
        min_value=0, max_value=2**63 - 1, required=False, allow_null=True, help_text="随机种子"
    )
    county_reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="抽中县不是当年省级党委和政府扶贫开发工作成效考核抽查县时必填的原因",
    )
    supersedes = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        allow_null=True,
        help_text="重抽时被替换的抽样编号",
    )
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="重抽原因"
    )


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
    """Draws the user may see (the working group's all; an office's those of its counties); the
    working group draws (POST)."""

    serializer_class = FieldCheckDrawSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[fc.FieldCheckDraw]:
        return (
            fc.fieldcheck_draws_for(self.request.user)
            .prefetch_related("items__form__household")
            .order_by("-id")
        )

    @extend_schema(
        summary="抽取实地核查样本：贫困村、协作项目、每个项目的受益贫困户（评估工作组）",
        description="抽中县不是当年省级考核抽查县时须给出 county_reason；重抽给出 supersedes 和 reason。",
        request=FieldCheckDrawRequestSerializer,
        responses={201: FieldCheckDrawSerializer},
    )
    def create(self, request: Request) -> Response:
        body = FieldCheckDrawRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        if not has_role(request.user, "working_group"):
            raise FieldCheckRefused(fc.FieldCheckDenied("只有评估工作组成员可以抽取实地核查样本"))
        campaign = Campaign.objects.filter(pk=d["campaign"]).first()
        if campaign is None:
            return Response({"campaign": ["没有这个考核任务"]}, status=status.HTTP_400_BAD_REQUEST)
        county = _county(d["county"])
        if county is None:
            return Response(
                {"county": [f"区划代码 {d['county']} 不是已登记的县"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        old = None
        if d.get("supersedes"):
            old = fc.FieldCheckDraw.objects.filter(pk=d["supersedes"], campaign=campaign).first()
            if old is None:
                return Response(
                    {"supersedes": ["本任务中没有这一抽样"]}, status=status.HTTP_400_BAD_REQUEST
                )
        try:
            draw = fc.fieldcheck_draw(
                campaign=campaign,
                county=county,
                year=d["year"],
                seed=d.get("seed"),
                villages=d["villages"],
                projects=d["projects"],
                per_project=d["per_project"],
                county_reason=d["county_reason"],
                supersedes=old,
                reason=d["reason"],
                user=request.user,
            )
        except fc.FieldCheckError as e:
            if "另选须填写原因" in str(e):
                return Response({"county_reason": [str(e)]}, status=status.HTTP_400_BAD_REQUEST)
            raise FieldCheckRefused(e) from e
        return Response(FieldCheckDrawSerializer(draw).data, status=status.HTTP_201_CREATED)

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


# --- the project list's beneficiaries ----------------------------------------------------------------


class HelpProjectSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="扶贫项目名称")
    year = serializers.IntegerField(help_text="项目年度")


class ProjectRowSerializer(serializers.Serializer[Any]):
    entry = serializers.IntegerField(source="entry.pk", help_text="代表该项目的台账编号")
    title = serializers.CharField(source="entry.title", help_text="协作项目（事项）")
    ledger_beneficiaries = serializers.IntegerField(
        source="entry.beneficiaries", help_text="台账所记受益贫困人口"
    )
    project = HelpProjectSerializer(allow_null=True, help_text="资助的扶贫项目；未关联时为空")
    poor_beneficiaries = serializers.IntegerField(help_text="可抽的受益贫困户数")


class ProjectListQuerySerializer(serializers.Serializer[dict[str, Any]]):
    county = serializers.RegexField(CODE, help_text="实施县区划代码")
    year = serializers.IntegerField(min_value=2016, max_value=2030, help_text="协作年度")


class ProjectLinkSerializer(serializers.Serializer[dict[str, Any]]):
    entry = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="台账编号（同一事项名称的台账一并关联）"
    )
    project = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        allow_null=True,
        help_text="资助的扶贫项目编号；null 取消关联",
    )


class FieldCheckProjectsView(APIView):
    """A county's cooperation project list of a year and the help project each funds, whose poor
    beneficiary households the field check draws from."""

    def _visible(self, request: Request) -> QuerySet[fc.LedgerEntry]:
        if has_role(request.user, "working_group"):
            return fc.LedgerEntry.objects.all()
        return sel.ledger_for(request.user)

    @extend_schema(
        summary="协作项目清单及其受益户来源（资助的扶贫项目、可抽受益贫困户数）",
        parameters=[
            OpenApiParameter("county", str, description="实施县区划代码", required=True),
            OpenApiParameter("year", int, description="协作年度", required=True),
        ],
        responses={200: ProjectRowSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        q = ProjectListQuerySerializer(data=request.query_params.dict())
        q.is_valid(raise_exception=True)
        county = _county(q.validated_data["county"])
        if county is None:
            raise NotFound("没有这个县")
        rows = fc.project_list(county, q.validated_data["year"])
        shown = set(
            self._visible(request)
            .filter(pk__in=[r.entry.pk for r in rows])
            .values_list("pk", flat=True)
        )
        return Response(
            ProjectRowSerializer([r for r in rows if r.entry.pk in shown], many=True).data
        )

    @extend_schema(
        summary="为协作项目关联其资助的扶贫项目（结对双方扶贫办或评估工作组）",
        request=ProjectLinkSerializer,
        responses={200: ProjectRowSerializer},
    )
    def post(self, request: Request) -> Response:
        body = ProjectLinkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = (
            self._visible(request).select_related("county").filter(pk=body.validated_data["entry"])
        ).first()
        if entry is None:
            raise NotFound("没有这条台账")
        project = None
        if body.validated_data["project"] is not None:
            if entry.county is None:
                raise FieldCheckRefused(fc.FieldCheckError("该台账没有实施县"))
            project = (
                fc.project_candidates(entry.county)
                .filter(pk=body.validated_data["project"])
                .first()
            )
            if project is None:
                return Response(
                    {"project": [f"{entry.county.name}没有这个扶贫项目"]},
                    status=status.HTTP_400_BAD_REQUEST,
                )
        try:
            fc.fieldcheck_project_link(entry=entry, project=project, user=request.user)
        except fc.FieldCheckError as e:
            raise FieldCheckRefused(e) from e
        assert entry.county is not None
        row = next(
            r for r in fc.project_list(entry.county, entry.year) if r.entry.title == entry.title
        )
        return Response(ProjectRowSerializer(row).data)
