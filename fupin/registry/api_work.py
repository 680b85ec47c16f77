"""The registry's write API for the offices (issue #15 item 3), under /api/registry/: a household's
status events, its income and 两不愁三保障, its members, and identification cases with their steps.

Every lookup starts from the scoped selectors, so a household outside the user's scope answers
404 exactly like one that does not exist; a refusal is a Chinese `detail` with 400 (bad input),
403 (not this office's duty) or 409 (the current status does not allow it), as the services word it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, ID, NOT_FOUND
from fupin.api.params import lookup_ok
from fupin.regions.models import Level
from fupin.registry import serializers as s
from fupin.registry.api import HOUSEHOLD_NO
from fupin.registry.editing import (
    household_create,
    household_edit,
    household_event_add,
    person_add,
    person_change,
    person_remove,
)
from fupin.registry.identification import (
    identification_cases_for,
    identification_open,
    identification_transition,
)
from fupin.registry.models import Household, IdentificationCase, Person
from fupin.registry.selectors import households_for, regions_for
from fupin.registry.services import RegistryError


def refused(e: RegistryError) -> Response:
    return Response({"detail": str(e)}, status=e.status)


def visible_household(request: Request, household_no: str) -> Household:
    lookup_ok(household_no, HOUSEHOLD_NO)
    household = (
        households_for(request.user)
        .select_related("village")
        .filter(household_no=household_no)
        .first()
    )
    if household is None:
        raise NotFound(NOT_FOUND)
    return household


def _member(household: Household, pk: int) -> Person:
    person = household.members.filter(pk=pk).first()
    if person is None:
        raise NotFound(NOT_FOUND)
    return person


class HouseholdEventsView(APIView):
    @extend_schema(
        summary="记录返贫、清退或自然减少（县扶贫办；日期和原因必填）",
        request=s.EventInSerializer,
        responses={201: s.StatusEventOutSerializer, **ERRORS},
    )
    def post(self, request: Request, household_no: str) -> Response:
        household = visible_household(request, household_no)
        body = s.EventInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            event = household_event_add(
                household=household,
                event=d["event"],
                date=d["date"],
                reason=d["reason"],
                user=request.user,
            )
        except RegistryError as e:
            return refused(e)
        return Response(s.StatusEventOutSerializer(event).data, status=201)


class HouseholdEditView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="修改收入和两不愁三保障（乡镇扶贫工作站或县扶贫办；须写明依据，可附文件）",
        request=s.HouseholdEditSerializer,
        responses={200: s.HouseholdDetailSerializer, **ERRORS},
    )
    def patch(self, request: Request, household_no: str) -> Response:
        household = visible_household(request, household_no)
        body = s.HouseholdEditSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        note, file = d.pop("note"), d.pop("file", None)
        try:
            household = household_edit(
                household=household, changes=d, note=note, user=request.user, file=file
            )
        except RegistryError as e:
            return refused(e)
        household = Household.objects.prefetch_related("members", "events").get(pk=household.pk)
        return Response(s.HouseholdDetailSerializer(household, context={"request": request}).data)


class MembersView(APIView):
    @extend_schema(
        summary="新增家庭成员（出生、婚入、迁入；身份证号校验，返回脱敏号码）",
        request=s.PersonAddSerializer,
        responses={201: s.PersonSerializer, **ERRORS},
    )
    def post(self, request: Request, household_no: str) -> Response:
        household = visible_household(request, household_no)
        body = s.PersonAddSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        change, note = d.pop("change"), d.pop("note")
        try:
            person = person_add(
                household=household, data=d, change=change, note=note, user=request.user
            )
        except RegistryError as e:
            return refused(e)
        return Response(s.PersonSerializer(person).data, status=201)


class MemberView(APIView):
    @extend_schema(
        summary="修改家庭成员（只改所给字段；须写明依据）",
        request=s.PersonChangeSerializer,
        responses={200: s.PersonSerializer, **ERRORS},
    )
    def patch(self, request: Request, household_no: str, pk: int) -> Response:
        household = visible_household(request, household_no)
        person = _member(household, pk)
        body = s.PersonChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = dict(body.validated_data)
        note = d.pop("note")
        try:
            person = person_change(person=person, changes=d, note=note, user=request.user)
        except RegistryError as e:
            return refused(e)
        return Response(s.PersonSerializer(person).data)


class MemberRemoveView(APIView):
    @extend_schema(
        summary="家庭成员减少（死亡：保留并标注已故；婚出、迁出：从本户删除，信息留在修改记录中）",
        request=s.PersonRemoveSerializer,
        responses={200: s.PersonRemovedSerializer, **ERRORS},
    )
    def post(self, request: Request, household_no: str, pk: int) -> Response:
        household = visible_household(request, household_no)
        person = _member(household, pk)
        body = s.PersonRemoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            kept = person_remove(
                person=person, change=d["change"], note=d["note"], user=request.user
            )
        except RegistryError as e:
            return refused(e)
        household.refresh_from_db()
        return Response(
            s.PersonRemovedSerializer(
                {"removed": kept is None, "member": kept, "household_size": household.size}
            ).data
        )


@extend_schema_view(
    list=extend_schema(summary="可查看的识别申请"),
    retrieve=extend_schema(summary="识别申请及其办理记录"),
)
class IdentificationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    serializer_class = s.IdentificationCaseSerializer
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[IdentificationCase]:
        return (
            identification_cases_for(self.request.user)
            .select_related("household__village")
            .prefetch_related("steps")
            .order_by("-opened_on", "-id")
        )

    @extend_schema(
        summary="提出识别申请（乡镇扶贫工作站或县扶贫办；新农户另给所在村代码）",
        request=s.IdentificationOpenSerializer,
        responses={201: s.IdentificationCaseSerializer, **ERRORS},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = s.IdentificationOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            with transaction.atomic():
                case = self._open(request, d)
        except RegistryError as e:
            return refused(e)
        if isinstance(case, Response):
            return case
        return Response(
            s.IdentificationCaseSerializer(self.get_queryset().get(pk=case.pk)).data, status=201
        )

    def _open(self, request: Request, d: dict[str, Any]) -> IdentificationCase | Response:
        no = d["household_no"]
        household = households_for(request.user).filter(household_no=no).first()
        if household is None:
            if Household.objects.filter(household_no=no).exists():
                return Response({"detail": "户编号已被使用，或无权查看该户"}, status=400)
            code = d.get("village")
            if not code:
                return Response({"detail": "新农户须给出所在村的区划代码（village）"}, status=400)
            village = regions_for(request.user).filter(code=code, level=Level.VILLAGE).first()
            if village is None:
                return Response({"detail": "没有这个村，或不在您的管辖范围内"}, status=400)
            household = household_create(
                household_no=no, village=village, user=request.user, note="新农户申请识别"
            )
        return identification_open(
            household=household, reason=d["reason"], user=request.user, date=d.get("date")
        )

    @extend_schema(
        summary="办理一个环节（一核、二看、三比、四评议、五公示、县级审批、不予识别）",
        request=s.IdentificationTransitionSerializer,
        responses={200: s.IdentificationCaseSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, pk: str | None = None) -> Response:
        case = self.get_object()
        body = s.IdentificationTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            identification_transition(case=case, user=request.user, **d)
        except RegistryError as e:
            return refused(e)
        return Response(s.IdentificationCaseSerializer(self.get_queryset().get(pk=case.pk)).data)
