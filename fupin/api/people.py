"""The people API (/api/people/, issue #22): each office lists, searches, adds, changes, stops and
restarts its own people, resets their passwords and grants or ends the roles it may give; a user
holding a one-time password sets their own (POST /api/people/me/password/).

Thin: every step is a service of `fupin.accounts.people`, the same as the /people/ pages, with the
same scope (`people_for`: a user outside the office's region answers 404 like one that does not
exist), the same refusals (a Chinese message naming the rule, 403) and the same audit rows. People
are addressed by username, regions by name or 12-digit code, campaigns by name: never a database
id. A one-time password is in the answer of the call that made it, and nowhere else.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.first_login import password_changed_by_self
from fupin.accounts.forms import ThrottledPasswordChangeForm
from fupin.accounts.grants import REGION_MEMBER_ROLES
from fupin.accounts.models import CAMPAIGN_ROLES, OFFICE_LEVEL, Membership, PersonProfile, Role
from fupin.accounts.people import (
    PeopleError,
    PeopleInputError,
    campaign_find,
    may_manage_people,
    membership_label,
    password_reset,
    people_search,
    person_activate,
    person_by_username,
    person_create,
    person_deactivate,
    person_update,
    region_find,
    role_end,
    role_grant,
)
from fupin.accounts.services import LoginLock, login_locks_of
from fupin.api.errors import NOT_FOUND, ErrorSerializer
from fupin.api.pagination import Pagination
from fupin.api.params import lookup_ok, query_filters
from fupin.api.tokens import token_expires_at, token_issue

NOT_AN_OFFICE = "人员管理只供各级扶贫办和评估工作组使用；您的账号没有此权限。"
# What a username may look like (Django's UnicodeUsernameValidator); anything else is not found.
USERNAME = re.compile(r"[\w.@+-]{1,150}")
ROLE_HELP = "角色代码：" + "、".join(f"{v} {label}" for v, label in Role.choices)

REFUSALS = {
    400: OpenApiResponse(ErrorSerializer, description="请求内容有误（信息中写明字段）"),
    403: OpenApiResponse(
        ErrorSerializer, description="不是扶贫办或评估工作组，或规则不允许（信息中写明规则）"
    ),
    404: OpenApiResponse(ErrorSerializer, description="人员不存在，或不在本单位辖区内"),
}


class ManagesPeople(BasePermission):
    message = NOT_AN_OFFICE

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_manage_people(request.user)


# --- serializers ------------------------------------------------------------------------------


class RegionRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="12位区划代码")
    name = serializers.CharField()


class RoleSerializer(serializers.Serializer[Any]):
    role = serializers.CharField(help_text=ROLE_HELP)
    role_label = serializers.CharField(help_text="角色（中文）")
    region = RegionRefSerializer(allow_null=True, help_text="角色对应的区划")
    campaign = serializers.CharField(allow_null=True, help_text="角色对应的评估任务（名称）")
    institution = serializers.CharField(allow_null=True, help_text="角色对应的评估机构（名称）")
    label = serializers.CharField(help_text="页面上的写法，如“乡(镇)扶贫工作站 · 岷阳镇（…）”")


class LoginLockSerializer(serializers.Serializer[Any]):
    until = serializers.DateTimeField(help_text="锁定至")
    everywhere = serializers.BooleanField(
        help_text="true：15 分钟内从多个地址输错密码 20 次，所有地址暂停登录"
    )
    addresses = serializers.IntegerField(help_text="连续输错 5 次而单独锁定的地址数")


class PersonSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(help_text="姓名")
    phone = serializers.CharField()
    unit = serializers.CharField(help_text="单位")
    post = serializers.CharField(help_text="职务")
    region = RegionRefSerializer(allow_null=True, help_text="所属区划")
    is_active = serializers.BooleanField(help_text="账号在用（false：已停用）")
    must_change_password = serializers.BooleanField(help_text="仍在使用一次性密码，须本人修改")
    login_lock = LoginLockSerializer(
        allow_null=True, help_text="登录锁定（多次输错密码）；null 为未锁定。重置密码可立即解除"
    )
    roles = RoleSerializer(many=True)


class CreatedSerializer(serializers.Serializer[Any]):
    person = PersonSerializer()
    one_time_password = serializers.CharField(
        help_text="一次性密码：只在此应答中出现一次，本人首次登录时须修改"
    )


class PasswordSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    one_time_password = serializers.CharField(
        help_text="新的一次性密码：只在此应答中出现一次，本人首次登录时须修改"
    )


def _region(region: Any) -> dict[str, str] | None:
    return {"code": region.code, "name": region.name} if region is not None else None


def _role(m: Membership) -> dict[str, Any]:
    return {
        "role": m.role,
        "role_label": str(Role(m.role).label) if m.role in Role.values else m.role,
        "region": _region(m.region),
        "campaign": m.campaign.name if m.campaign_id else None,
        "institution": m.institution.name if m.institution_id else None,
        "label": membership_label(m),
    }


@dataclass(frozen=True)
class PeoplePage:
    """What a page of people needs besides the people, read once for the page (two queries)
    instead of once per person: their roles and their login locks."""

    roles: dict[int, list[Membership]]
    locks: dict[str, LoginLock]

    @classmethod
    def of(cls, people: list[Any]) -> PeoplePage:
        roles: dict[int, list[Membership]] = defaultdict(list)
        rows = Membership.objects.filter(user_id__in=[p.pk for p in people])
        for m in rows.select_related("region", "campaign", "institution"):
            roles[m.user_id].append(m)
        return cls(roles=roles, locks=login_locks_of(p.get_username() for p in people))


def person_data(person: Any, page: PeoplePage | None = None) -> dict[str, Any]:
    """A person as the API shows them; `page`: what a list read for all its people at once
    (`PeoplePage.of`), else it is read for this one."""
    try:
        profile = person.profile
    except PersonProfile.DoesNotExist:
        profile = PersonProfile(user=person)
    page = page or PeoplePage.of([person])
    username = person.get_username()
    lock = page.locks.get(username)
    return {
        "username": username,
        "name": person.first_name,
        "phone": profile.phone,
        "unit": profile.unit,
        "post": profile.post,
        "region": _region(profile.region),
        "is_active": person.is_active,
        "must_change_password": profile.must_change_password,
        "login_lock": LoginLockSerializer(lock).data if lock is not None else None,
        "roles": [_role(m) for m in page.roles.get(person.pk, [])],
    }


class SearchSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="姓名、用户名、手机号或地区"
    )


class DetailsSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150, help_text="姓名")
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", help_text="以1开头的11位数字"
    )
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    post = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class RoleTargetSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=Role.choices, help_text=ROLE_HELP)
    region = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="区划名称或12位区划代码（扶贫办授予的角色）",
    )
    campaign = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="评估任务名称（评估工作组授予的角色）",
    )


class CreateSerializer(DetailsSerializer, RoleTargetSerializer):
    username = serializers.CharField(
        max_length=150, help_text="登录用的名字：字母、数字或 @ . + - _，不区分大小写"
    )


class UpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=150, required=False, help_text="姓名")
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    post = serializers.CharField(max_length=64, required=False, allow_blank=True)
    region = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="所属区划：名称或12位代码"
    )


class GrantSerializer(RoleTargetSerializer):
    end = serializers.BooleanField(
        required=False, default=False, help_text="true：撤销该角色（默认 false：授予）"
    )


class DeactivateSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default="", help_text="停用原因"
    )


class OwnPasswordSerializer(serializers.Serializer[Any]):
    old_password = serializers.CharField(
        max_length=4096, trim_whitespace=False, help_text="原密码（一次性密码）"
    )
    new_password = serializers.CharField(
        max_length=4096, trim_whitespace=False, help_text="新密码：至少 8 位，不能过于常见"
    )


class TokenAnswerSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(help_text="新的令牌：修改密码后原令牌作废")
    expires = serializers.DateTimeField()


# --- helpers ----------------------------------------------------------------------------------


def _refused(exc: PeopleError) -> Response:
    """400 for what was typed, 403 for a rule (who may grant what where, whom one may change)."""
    bad = isinstance(exc, PeopleInputError)
    code = status.HTTP_400_BAD_REQUEST if bad else status.HTTP_403_FORBIDDEN
    return Response({"detail": str(exc)}, status=code)


def _person(request: Request, username: str) -> Any:
    lookup_ok(username, USERNAME)
    person = person_by_username(request.user, username)
    if person is None:
        raise NotFound(NOT_FOUND)
    return person


def _target(request: Request, d: dict[str, Any]) -> tuple[Any, Any]:
    """The region and campaign a request names (PeopleError, a 400, when one cannot be found)."""
    region = region_find(request.user, d["region"]) if d.get("region") else None
    campaign = campaign_find(request.user, d["campaign"]) if d.get("campaign") else None
    return region, campaign


# --- views ------------------------------------------------------------------------------------


class PeopleView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="本单位的人员：列表与搜索（与人员管理页面相同的范围）",
        parameters=[SearchSerializer],
        responses={200: PersonSerializer(many=True), 400: REFUSALS[400], 403: REFUSALS[403]},
    )
    def get(self, request: Request) -> Response:
        f = query_filters(SearchSerializer, request)
        people = people_search(request.user, f.get("q", "")).select_related("profile__region")
        paginator = Pagination()
        page = paginator.paginate_queryset(people, request, view=self)
        people = list(page or [])
        reads = PeoplePage.of(people)
        return paginator.get_paginated_response([person_data(p, reads) for p in people])

    @extend_schema(
        summary="新增人员（授予一个本单位可授予的角色），返回一次性密码",
        description=(
            "扶贫办在本辖区内授予下级角色（县扶贫办：乡镇、村、帮扶责任人；省扶贫办：市、县……），"
            "region 填名称或12位区划代码；评估工作组在本组的评估任务中授予，campaign 填任务名称。"
            "一次性密码只在此应答中出现一次，本人首次登录时须修改。"
        ),
        request=CreateSerializer,
        responses={201: CreatedSerializer, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        body = CreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            region, campaign = _target(request, d)
        except PeopleError as exc:
            return _refused(exc)
        try:
            person, password = person_create(
                actor=request.user,
                name=d["name"],
                username=d["username"],
                role=d["role"],
                region=region,
                campaign=campaign,
                phone=d["phone"],
                unit=d["unit"],
                post=d["post"],
            )
        except PeopleError as exc:
            return _refused(exc)
        person = get_user_model().objects.select_related("profile__region").get(pk=person.pk)
        return Response(
            {"person": person_data(person), "one_time_password": password},
            status=status.HTTP_201_CREATED,
        )


USERNAME_PARAM = OpenApiParameter("username", str, OpenApiParameter.PATH, description="用户名")


class PersonView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="一名人员及其角色",
        parameters=[USERNAME_PARAM],
        responses={200: PersonSerializer, 403: REFUSALS[403], 404: REFUSALS[404]},
    )
    def get(self, request: Request, username: str) -> Response:
        return Response(person_data(_person(request, username)))

    @extend_schema(
        summary="修改人员的姓名、手机号、单位、职务或所属区划",
        description="只改请求中给出的字段；所属区划填名称或12位代码，须在本单位辖区内。",
        parameters=[USERNAME_PARAM],
        request=UpdateSerializer,
        responses={200: PersonSerializer, **REFUSALS},
    )
    def patch(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        body = UpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        current = person_data(person)
        try:
            region = (
                region_find(request.user, d["region"], field="所属地区")
                if d.get("region")
                else None
            )
        except PeopleError as exc:
            return _refused(exc)
        try:
            person_update(
                actor=request.user,
                person=person,
                name=d.get("name", current["name"]),
                phone=d.get("phone", current["phone"]),
                unit=d.get("unit", current["unit"]),
                post=d.get("post", current["post"]),
                region=region,
            )
        except PeopleError as exc:
            return _refused(exc)
        person = get_user_model().objects.select_related("profile__region").get(pk=person.pk)
        return Response(person_data(person))


class DeactivateView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="停用账号（不删除：历史记录保留，可再启用）",
        parameters=[USERNAME_PARAM],
        request=DeactivateSerializer,
        responses={200: PersonSerializer, **REFUSALS},
    )
    def post(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        body = DeactivateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            person_deactivate(
                actor=request.user, person=person, reason=body.validated_data["reason"]
            )
        except PeopleError as exc:
            return _refused(exc)
        return Response(person_data(person))


class ActivateView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="启用已停用的账号",
        parameters=[USERNAME_PARAM],
        request=None,
        responses={200: PersonSerializer, **REFUSALS},
    )
    def post(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        try:
            person_activate(actor=request.user, person=person)
        except PeopleError as exc:
            return _refused(exc)
        return Response(person_data(person))


class PasswordResetView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="重置密码：返回新的一次性密码（只出现一次）",
        parameters=[USERNAME_PARAM],
        request=None,
        responses={200: PasswordSerializer, **REFUSALS},
    )
    def post(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        try:
            password = password_reset(actor=request.user, person=person)
        except PeopleError as exc:
            return _refused(exc)
        return Response({"username": person.get_username(), "one_time_password": password})


class RolesView(APIView):
    permission_classes = (IsAuthenticated, ManagesPeople)

    @extend_schema(
        summary="授予或撤销人员的角色",
        description=(
            "只能授予本单位可授予的角色，只在本单位辖区内（region：名称或12位代码）或本组的"
            "评估任务中（campaign：任务名称）；不能给自己授予或撤销。end 为 true 时撤销"
            "该人员与 role、region、campaign 相符的角色。返回该人员的全部角色。"
        ),
        parameters=[USERNAME_PARAM],
        request=GrantSerializer,
        responses={200: PersonSerializer, 201: PersonSerializer, **REFUSALS},
    )
    def post(self, request: Request, username: str) -> Response:
        person = _person(request, username)
        body = GrantSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            region, campaign = _target(request, d)
        except PeopleError as exc:
            return _refused(exc)
        try:
            if d["end"]:
                # As rows are held: a region only for offices and cadres, a campaign only for
                # the campaign-tied roles (a lead expert's or an enumerator's row has none).
                role = d["role"]
                tied_region = role in OFFICE_LEVEL or role in REGION_MEMBER_ROLES
                membership = (
                    Membership.objects.filter(
                        user=person,
                        role=role,
                        region=region if tied_region else None,
                        campaign=campaign if role in CAMPAIGN_ROLES else None,
                    )
                    .select_related("region", "campaign", "user")
                    .first()
                )
                if membership is None:
                    return _refused(
                        PeopleInputError(f"该人员没有这一角色：{Role(d['role']).label}")
                    )
                role_end(actor=request.user, membership=membership)
            else:
                role_grant(
                    actor=request.user,
                    person=person,
                    role=d["role"],
                    region=region,
                    campaign=campaign,
                )
        except PeopleError as exc:
            return _refused(exc)
        code = status.HTTP_200_OK if d["end"] else status.HTTP_201_CREATED
        return Response(person_data(person), status=code)


class OwnPasswordView(APIView):
    """The one call a user holding a one-time password may make (fupin.accounts.first_login)."""

    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="修改本人密码（持一次性密码者须先修改），返回新的令牌",
        description=(
            "与“修改密码”页面相同：原密码错误计入登录失败次数；新密码须通过密码规则。"
            "修改后原令牌作废，应答中为新的令牌。"
        ),
        request=OwnPasswordSerializer,
        responses={
            200: TokenAnswerSerializer,
            400: REFUSALS[400],
            429: OpenApiResponse(ErrorSerializer, description="失败次数过多，暂时锁定"),
        },
    )
    def post(self, request: Request) -> Response:
        body = OwnPasswordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        form = ThrottledPasswordChangeForm(
            request.user,
            data={
                "old_password": d["old_password"],
                "new_password1": d["new_password"],
                "new_password2": d["new_password"],
            },
            request=request._request,
        )
        if not form.is_valid():
            errors = form.errors.as_data()
            if any(e.code == "locked" for errs in errors.values() for e in errs):
                return Response(
                    {"detail": "；".join(form.errors.get("old_password", []))},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            field = {"new_password1": "new_password", "new_password2": "new_password"}
            return Response(
                {field.get(k, k): [str(m) for m in v] for k, v in form.errors.items()},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = form.save()
        password_changed_by_self(user)
        token = token_issue(user=user)
        return Response({"token": token.key, "expires": token_expires_at(token)})
