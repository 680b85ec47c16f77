"""Exit API: cases with their steps, criteria and 3342 sign-off, and the actions transition, sign
and revoke.

Every queryset starts from `selectors.exit_cases_for` (and so from `accounts.scoping`), exactly
like the pages: an id outside the user's scope answers 404 like one that does not exist. Actions
go through the same services as the pages; a refusal answers 403 (not the user's to take), 409
(the case's state does not allow it) or 400 (the request is wrong), with the service's message.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from fupin.api.errors import ERRORS, ID
from fupin.assessments.models import AssessedFigure, Clarity, Verdict
from fupin.exits import selectors as sel
from fupin.exits.assessment import LinkedResult, case_result, county_decision
from fupin.exits.models import ExitCase, ExitStep
from fupin.exits.services import (
    ExitError,
    exit_case_transition,
    exit_criteria_evaluate,
    signature_add,
    signature_revoke,
    signoff_missing,
)
from fupin.exits.signoff import signer_text
from fupin.exits.workflows import CAPACITIES, ExitKind, ExitStatus, capacity
from fupin.regions.models import Level

# --- serializers ---------------------------------------------------------------------------------


class ExitCaseSerializer(serializers.ModelSerializer[ExitCase]):
    kind = serializers.ChoiceField(choices=ExitKind.choices, read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(choices=ExitStatus.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    household = serializers.CharField(
        source="household.household_no", read_only=True, allow_null=True, default=None
    )
    subject = serializers.CharField(source="subject_code", read_only=True)
    opened_by = serializers.CharField(
        source="opened_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ExitCase
        fields = [
            "id",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "region",
            "region_name",
            "household",
            "subject",
            "year",
            "opened_by",
            "opened_at",
        ]


class ExitStepSerializer(serializers.ModelSerializer[ExitStep]):
    class Meta:
        model = ExitStep
        fields = [
            "id",
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


class ExitResolutionSerializer(serializers.Serializer[Any]):
    upheld = serializers.BooleanField(help_text="异议成立")
    opinion = serializers.CharField()
    user = serializers.CharField()
    at = serializers.DateTimeField()


class ExitObjectionSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    notice = serializers.IntegerField(help_text="异议针对的公示（程序记录 id）")
    raised_by_name = serializers.CharField()
    content = serializers.CharField()
    recorded_by = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    resolution = ExitResolutionSerializer(allow_null=True)
    blocking = serializers.BooleanField(help_text="未处理或异议成立：阻止退出")


class ExitCriterionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    manual = serializers.BooleanField(help_text="数据不足，需人工核实")
    message = serializers.CharField(help_text="中文说明")


class ExitVoidSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField(help_text="data_changed：签字后数据变更；revoked：上级撤销")
    reason = serializers.CharField()
    user = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()


class ExitSignatureSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    level = serializers.CharField()
    capacity = serializers.CharField()
    capacity_label = serializers.CharField()
    user = serializers.CharField()
    signatory_name = serializers.CharField()
    signer = serializers.CharField(help_text="签字人（姓名与用户名；代签时写明被代签人和事由）")
    post = serializers.CharField(allow_null=True, help_text="所签职务，如“岷县县委书记”")
    stand_in_for = serializers.CharField(
        allow_null=True, help_text="代签时为被代签的现任任职人用户名"
    )
    stand_in_reason = serializers.CharField(help_text="代签事由；本人签字为空")
    at = serializers.DateTimeField()
    fingerprint = serializers.CharField(help_text="所签数据的 SHA-256")
    valid = serializers.BooleanField(help_text="未作废且与现有数据一致")
    stale_reason = serializers.CharField(
        allow_null=True, help_text="未作废但数据已变更时，变更了什么"
    )
    void = ExitVoidSerializer(allow_null=True)


class ExitCapacityStateSerializer(serializers.Serializer[Any]):
    capacity = serializers.CharField()
    label = serializers.CharField()
    signature = serializers.IntegerField(allow_null=True, help_text="有效签字的 id；未签为空")


class ExitSignoffLevelSerializer(serializers.Serializer[Any]):
    level = serializers.CharField()
    label = serializers.CharField()
    complete = serializers.BooleanField()
    fingerprint = serializers.CharField(help_text="该级现在应签数据的 SHA-256")
    capacities = ExitCapacityStateSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())


class ExitSignoffSerializer(serializers.Serializer[Any]):
    final = serializers.BooleanField(help_text="3342签字齐全且有效")
    missing = serializers.CharField(help_text="尚缺的签字（中文）；齐全时为空")
    levels = ExitSignoffLevelSerializer(many=True)


class ExitAssessedFigureSerializer(serializers.Serializer[Any]):
    figure = serializers.ChoiceField(choices=AssessedFigure.choices)
    label = serializers.CharField()
    estimate = serializers.FloatField(help_text="估计值（比例）")
    ci_low = serializers.FloatField(help_text="95%置信区间下限")
    ci_high = serializers.FloatField(help_text="95%置信区间上限")
    threshold = serializers.FloatField()
    comparison = serializers.CharField(help_text="below：须低于阈值；at_least：须不低于阈值")
    verdict = serializers.ChoiceField(choices=Verdict.choices)
    verdict_label = serializers.CharField()
    clarity = serializers.ChoiceField(choices=Clarity.choices)
    clarity_label = serializers.CharField()
    straddles = serializers.BooleanField(help_text="置信区间跨越阈值或样本不足")


class ExitApprovalSerializer(serializers.Serializer[Any]):
    """The leading group's 审定 of the county's 综合研判 that the exit rests on."""

    version = serializers.IntegerField(help_text="综合研判版本")
    outcome = serializers.ChoiceField(choices=Verdict.choices, help_text="审定的研判结果")
    outcome_label = serializers.CharField()
    reasons = serializers.CharField(help_text="研判理由")
    judged_by = serializers.CharField(help_text="研判人")
    judged_at = serializers.DateTimeField()
    approved_by = serializers.CharField(help_text="审定人（领导小组成员）")
    approved_at = serializers.DateTimeField()
    opinion = serializers.CharField(help_text="审定意见；无则为空")
    page = serializers.CharField(help_text="综合研判页面（评估工作组和领导小组可查看）")
    api = serializers.CharField(help_text="综合研判接口（评估工作组和领导小组可查看）")


class ExitAssessmentSerializer(serializers.Serializer[Any]):
    result = serializers.IntegerField(help_text="县级结果（CountyDecision）id")
    campaign = serializers.IntegerField(help_text="评估任务 id")
    campaign_label = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=Verdict.choices, help_text="作为依据的结果：领导小组审定的综合研判，否则县级结果"
    )
    outcome_label = serializers.CharField()
    basis_label = serializers.CharField(help_text="结果依据（领导小组审定的综合研判或县级结果）")
    decided_at = serializers.DateTimeField(help_text="结果作出（审定）时间")
    decided_by = serializers.CharField(help_text="作出（审定）结果的人")
    note = serializers.CharField(help_text="结果的理由（审定的综合研判理由或评估工作组说明）")
    approval_status = serializers.CharField(help_text="综合研判的审定状态；未作综合研判则为空")
    approval_status_label = serializers.CharField()
    approval = ExitApprovalSerializer(allow_null=True, help_text="领导小组审定；未审定则为 null")
    usable = serializers.BooleanField(help_text="已出结果且为现行结果，可作为退出依据")
    problem = serializers.CharField(help_text="不能作为依据的原因；可用时为空")
    figures = ExitAssessedFigureSerializer(many=True)


def _approval_data(result: LinkedResult) -> dict[str, Any] | None:
    step = result.standing.approved
    if step is None:
        return None
    j, d = step.judgement, result.decision
    return {
        "version": j.version,
        "outcome": j.outcome,
        "outcome_label": j.get_outcome_display(),
        "reasons": j.reasons,
        "judged_by": j.actor,
        "judged_at": j.at,
        "approved_by": step.actor,
        "approved_at": step.at,
        "opinion": step.opinion,
        "page": result.judgement_url,
        "api": reverse("assessments-api:county-judgement", args=[d.campaign_id, d.county.code]),
    }


class ExitCaseDetailSerializer(ExitCaseSerializer):
    supplied = serializers.JSONField(read_only=True)
    assessment = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField()
    criteria = serializers.SerializerMethodField()
    criteria_met = serializers.SerializerMethodField()
    signoff = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()

    class Meta(ExitCaseSerializer.Meta):
        fields = [
            *ExitCaseSerializer.Meta.fields,
            "supplied",
            "assessment",
            "steps",
            "objections",
            "criteria",
            "criteria_met",
            "signoff",
            "signatures",
        ]

    @extend_schema_field(ExitAssessmentSerializer(allow_null=True))
    def get_assessment(self, obj: ExitCase) -> Any:
        """A county's 专项评估检查: the linked result and its figures (null before it is linked,
        and for households and villages)."""
        result = case_result(obj) if obj.kind == ExitKind.COUNTY else None
        if result is None:
            return None
        d = result.decision
        standing = result.standing
        return ExitAssessmentSerializer(
            {
                "result": d.pk,
                "campaign": d.campaign_id,
                "campaign_label": result.campaign_label,
                "outcome": result.outcome,
                "outcome_label": result.outcome_label,
                "basis_label": result.basis_label,
                "decided_at": result.decided_at,
                "decided_by": result.decided_by,
                "note": result.reasons,
                "approval_status": standing.approval.status if standing.approval else "",
                "approval_status_label": standing.status_label,
                "approval": _approval_data(result),
                "usable": not result.problem,
                "problem": result.problem,
                "figures": [
                    {
                        **dataclasses.asdict(f),
                        "verdict_label": f.verdict_label,
                        "clarity_label": f.clarity_label,
                        "straddles": f.straddles,
                    }
                    for f in result.figures
                ],
            }
        ).data

    @extend_schema_field(ExitStepSerializer(many=True))
    def get_steps(self, obj: ExitCase) -> Any:
        return ExitStepSerializer(sel.case_steps(obj), many=True).data

    @extend_schema_field(ExitObjectionSerializer(many=True))
    def get_objections(self, obj: ExitCase) -> Any:
        blocking = sel.blocking_objection_ids(obj)
        rows = []
        for o in sel.case_objections(obj):
            r = getattr(o, "resolution", None)  # None when there is none (an AttributeError)
            rows.append(
                {
                    "id": o.pk,
                    "notice": o.notice_id,
                    "raised_by_name": o.raised_by_name,
                    "content": o.content,
                    "recorded_by": o.recorded_by.get_username() if o.recorded_by else None,
                    "at": o.at,
                    "resolution": None
                    if r is None
                    else {
                        "upheld": r.upheld,
                        "opinion": r.opinion,
                        "user": r.user.get_username(),
                        "at": r.at,
                    },
                    "blocking": o.pk in blocking,
                }
            )
        return ExitObjectionSerializer(rows, many=True).data

    @extend_schema_field(ExitCriterionSerializer(many=True))
    def get_criteria(self, obj: ExitCase) -> Any:
        return ExitCriterionSerializer(self._criteria(obj), many=True).data

    def get_criteria_met(self, obj: ExitCase) -> bool:
        return all(c.passed for c in self._criteria(obj))

    def _criteria(self, obj: ExitCase) -> list[Any]:
        cache = self.context.setdefault("_criteria", {})
        if obj.pk not in cache:
            cache[obj.pk] = exit_criteria_evaluate(obj)
        return list(cache[obj.pk])

    def _states(self, obj: ExitCase) -> list[Any]:
        cache = self.context.setdefault("_states", {})
        if obj.pk not in cache:
            cache[obj.pk] = sel.evaluate(obj)
        return list(cache[obj.pk])

    @extend_schema_field(ExitSignoffSerializer)
    def get_signoff(self, obj: ExitCase) -> Any:
        states = self._states(obj)
        levels = []
        for state in states:
            current = {s.capacity: s.pk for s in state.current}
            levels.append(
                {
                    "level": state.level,
                    "label": state.label,
                    "complete": state.complete,
                    "fingerprint": state.fingerprint,
                    "capacities": [
                        {"capacity": c.code, "label": c.label, "signature": current.get(c.code)}
                        for c in CAPACITIES[state.level]
                    ],
                    "missing": [c.label for c in state.missing],
                }
            )
        return ExitSignoffSerializer(
            {
                "final": all(s.complete for s in states),
                "missing": signoff_missing(obj, states),
                "levels": levels,
            }
        ).data

    @extend_schema_field(ExitSignatureSerializer(many=True))
    def get_signatures(self, obj: ExitCase) -> Any:
        states = self._states(obj)
        valid = {s.pk for state in states for s in state.current}
        stale = {s.pk: why for state in states for s, why in state.stale}
        rows = []
        for s in sel.case_signatures(obj):
            cap = capacity(s.level, s.capacity)
            void = s.void if s.is_void else None
            rows.append(
                {
                    "id": s.pk,
                    "level": s.level,
                    "capacity": s.capacity,
                    "capacity_label": cap.label if cap else s.capacity,
                    "user": s.user.get_username(),
                    "signatory_name": s.signatory_name,
                    "signer": signer_text(s),
                    "post": s.post.label if s.post_id else None,
                    "stand_in_for": s.stand_in_for.get_username() if s.stand_in_for_id else None,
                    "stand_in_reason": s.stand_in_reason,
                    "at": s.at,
                    "fingerprint": s.fingerprint,
                    "valid": s.pk in valid,
                    "stale_reason": stale.get(s.pk),
                    "void": None
                    if void is None
                    else {
                        "kind": void.kind,
                        "reason": void.reason,
                        "user": void.user.get_username() if void.user else None,
                        "at": void.at,
                    },
                }
            )
        return ExitSignatureSerializer(rows, many=True).data


class ExitCaseFilterSerializer(serializers.Serializer[Any]):
    region = serializers.RegexField(
        r"^[0-9]{12}$", required=False, help_text="区划代码：只列该区划及以下的事项"
    )
    kind = serializers.ChoiceField(choices=ExitKind.choices, required=False)
    status = serializers.ChoiceField(choices=ExitStatus.choices, required=False)
    year = serializers.IntegerField(required=False, min_value=1900, max_value=2100)


class ExitTransitionSerializer(serializers.Serializer[Any]):
    to = serializers.ChoiceField(
        choices=ExitStatus.choices, help_text="目标状态；terminated 为终止"
    )
    opinion = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    evidence = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, default=list, max_length=50
    )
    notice_start = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="公示开始（进入公示时必填）"
    )
    notice_end = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="公示结束（进入公示时必填）"
    )
    date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="办理日期，默认今天"
    )
    assessment_result = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=2**31 - 1,
        help_text="贫困县“专项评估检查”环节（to=assessed）必填：评估任务对该县作出的县级结果 id",
    )


class ExitSignSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=Level.choices)
    capacity = serializers.ChoiceField(
        choices=sorted({(c.code, c.label) for caps in CAPACITIES.values() for c in caps}),
        help_text="签字身份代码",
    )
    signatory_name = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="贫困户签字时的户主姓名",
    )
    stand_in_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=200,
        help_text="代签事由：不是该职务现任任职人时必填",
    )


class ExitRevokeSerializer(serializers.Serializer[Any]):
    level = serializers.ChoiceField(choices=Level.choices, help_text="撤销该级及以上的签字")
    reason = serializers.CharField(max_length=2000)


# --- view set ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="可查看的退出事项", parameters=[ExitCaseFilterSerializer]),
    retrieve=extend_schema(summary="退出事项：程序记录、公示异议、退出标准核查与3342签字"),
)
class ExitCaseViewSet(viewsets.ReadOnlyModelViewSet[ExitCase]):
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[ExitCase]:
        qs = (
            sel.exit_cases_for(self.request.user)
            .select_related("region", "household", "opened_by")
            .order_by("-year", "region__code", "id")
        )
        if self.action == "list":
            params = ExitCaseFilterSerializer(data=self.request.query_params.dict())
            params.is_valid(raise_exception=True)
            f = params.validated_data
            if "region" in f:
                region = sel.regions_for(self.request.user).filter(code=f["region"]).first()
                qs = qs.filter(region__code__startswith=region.prefix) if region else qs.none()
            for key in ("kind", "status", "year"):
                if key in f:
                    qs = qs.filter(**{key: f[key]})
        return qs

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "list":
            return ExitCaseSerializer
        return ExitCaseDetailSerializer

    def _done(self, case: ExitCase) -> Response:
        case = self.get_queryset().get(pk=case.pk)
        return Response(ExitCaseDetailSerializer(case, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="办理退出程序的一步（或终止）",
        request=ExitTransitionSerializer,
        responses={200: ExitCaseDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        body = ExitTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        decision = None
        if d["assessment_result"] is not None:
            decision = county_decision(case.region, d["assessment_result"])
            if decision is None:
                return Response(
                    {"detail": f"没有{case.region.name}的县级结果 {d['assessment_result']}"},
                    status=400,
                )
        try:
            exit_case_transition(
                case=case,
                to=d["to"],
                user=request.user,
                opinion=d["opinion"],
                evidence=d["evidence"],
                notice_start=d["notice_start"],
                notice_end=d["notice_end"],
                date=d["date"],
                assessment_result=decision,
            )
        except ExitError as refused:
            code = sel.transition_refusal_status(case, request.user, d["to"], d["opinion"])
            return Response({"detail": str(refused)}, status=code)
        return self._done(case)

    @extend_schema(
        summary="3342签字",
        request=ExitSignSerializer,
        responses={200: ExitCaseDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        body = ExitSignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            signature_add(
                case=case,
                level=d["level"],
                capacity_code=d["capacity"],
                user=request.user,
                signatory_name=d["signatory_name"],
                stand_in_reason=d["stand_in_reason"],
            )
        except ExitError as refused:
            code = sel.sign_refusal_status(
                case, request.user, d["level"], d["capacity"], d["stand_in_reason"]
            )
            return Response({"detail": str(refused)}, status=code)
        return self._done(case)

    @extend_schema(
        summary="上级撤销某级及以上的3342签字",
        request=ExitRevokeSerializer,
        responses={200: ExitCaseDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        body = ExitRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            signature_revoke(case=case, level=d["level"], user=request.user, reason=d["reason"])
        except ExitError as refused:
            code = sel.revoke_refusal_status(case, request.user, d["level"], d["reason"])
            return Response({"detail": str(refused)}, status=code)
        return self._done(case)
