"""The posts API (/api/posts/, issues #16 and #22): the office above lists the 3342 posts of its
regions with their terms, assigns a holder for a term and ends a term.

Thin: every step is a service of `fupin.accounts.posts`, the same as the /people/posts/ pages,
with the same scope (a term outside the office's regions answers 404), the same refusals (a
Chinese message: 400 for what was given, 403 for the rule of who manages which post, 409 for an
overlap or a term already ended) and the same audit rows. Regions by name or 12-digit code,
holders by username.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.models import Post, PostKind
from fupin.accounts.people import PeopleError, may_manage_people, region_find
from fupin.accounts.posts import (
    PostConflict,
    PostForbidden,
    holder_find,
    kinds_managed_by,
    person_name,
    post_assign,
    post_end,
    posts_managed_by,
)
from fupin.api.errors import NOT_FOUND, ErrorSerializer
from fupin.api.pagination import Pagination
from fupin.api.params import MAX_ID, query_filters

NO_POSTS = (
    "职务由上级扶贫办任免：县扶贫办管乡村两级职务，市(州)扶贫办管县级职务，"
    "省扶贫办管市(州)级职务；您的单位不任免职务。"
)
KIND_HELP = "职务代码：" + "、".join(f"{v} {label}" for v, label in PostKind.choices)

REFUSALS = {
    400: OpenApiResponse(ErrorSerializer, description="请求内容有误（信息中写明字段）"),
    403: OpenApiResponse(ErrorSerializer, description="本单位不任免该职务（信息中写明规则）"),
    404: OpenApiResponse(ErrorSerializer, description="任期不存在，或不在本单位辖区内"),
    409: OpenApiResponse(ErrorSerializer, description="任期重叠，或该任期已离任"),
}


class ManagesPosts(BasePermission):
    message = NO_POSTS

    def has_permission(self, request: Request, view: Any) -> bool:
        return may_manage_people(request.user) and bool(kinds_managed_by(request.user))


class RegionRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="12位区划代码")
    name = serializers.CharField()


class PostSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="任期编号（办理离任时用）")
    region = RegionRefSerializer()
    kind = serializers.CharField(help_text=KIND_HELP)
    kind_label = serializers.CharField(help_text="职务（中文）")
    label = serializers.CharField(help_text="如“岷县县委书记”")
    holder = serializers.CharField(help_text="任职人用户名")
    holder_name = serializers.CharField(help_text="任职人姓名（用户名）")
    start_date = serializers.DateField(help_text="任职日期")
    end_date = serializers.DateField(allow_null=True, help_text="离任日期（当日起不再担任）")
    current = serializers.BooleanField(help_text="今天是否在任")
    granted_by = serializers.CharField(allow_null=True, help_text="任命登记人用户名")


class PostFilterSerializer(serializers.Serializer[Any]):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="地区名称、区划代码或任职人"
    )
    current = serializers.BooleanField(required=False, help_text="true：只列现任")


class PostAssignSerializer(serializers.Serializer[Any]):
    region = serializers.CharField(max_length=100, help_text="所在区划：名称或12位区划代码")
    kind = serializers.ChoiceField(choices=PostKind.choices, help_text=KIND_HELP)
    holder = serializers.CharField(max_length=150, help_text="任职人用户名")
    start_date = serializers.DateField(help_text="任职日期")
    end_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="离任日期（登记以往任期时填写）"
    )


class PostEndSerializer(serializers.Serializer[Any]):
    end_date = serializers.DateField(help_text="离任日期：当日起不再担任，不能再以该职务签字")
    reason = serializers.CharField(
        max_length=150, required=False, allow_blank=True, default="", help_text="说明"
    )


def post_data(post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "region": {"code": post.region.code, "name": post.region.name},
        "kind": post.kind,
        "kind_label": post.get_kind_display(),
        "label": post.label,
        "holder": post.holder.get_username(),
        "holder_name": person_name(post.holder),
        "start_date": post.start_date,
        "end_date": post.end_date,
        "current": post.holds_on(timezone.localdate()),
        "granted_by": post.granted_by.get_username() if post.granted_by_id else None,
    }


def _refused(exc: PeopleError) -> Response:
    if isinstance(exc, PostForbidden):
        code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, PostConflict):
        code = status.HTTP_409_CONFLICT
    else:
        code = status.HTTP_400_BAD_REQUEST
    return Response({"detail": str(exc)}, status=code)


class PostsView(APIView):
    permission_classes = (IsAuthenticated, ManagesPosts)

    @extend_schema(
        summary="本单位任免的职务及其历任任职人",
        parameters=[PostFilterSerializer],
        responses={200: PostSerializer(many=True), 400: REFUSALS[400], 403: REFUSALS[403]},
    )
    def get(self, request: Request) -> Response:
        f = query_filters(PostFilterSerializer, request)
        posts = posts_managed_by(request.user)
        q = f.get("q", "").strip()
        if q:
            posts = posts.filter(
                Q(region__name__icontains=q)
                | Q(region__code__startswith=q)
                | Q(holder__first_name__icontains=q)
                | Q(holder__username__icontains=q)
            )
        if f.get("current"):
            today = timezone.localdate()
            posts = posts.filter(start_date__lte=today).filter(
                Q(end_date__isnull=True) | Q(end_date__gt=today)
            )
        posts = posts.order_by("region__code", "kind", "-start_date", "-id")
        paginator = Pagination()
        page = paginator.paginate_queryset(posts, request, view=self)
        return paginator.get_paginated_response([post_data(p) for p in page or []])

    @extend_schema(
        summary="任命任职人（一个任期）",
        description=(
            "县扶贫办任免本县乡、村两级职务，市(州)扶贫办任免县级职务，省扶贫办任免市(州)级职务；"
            "同一职务的任期不能重叠，不能任免自己。"
        ),
        request=PostAssignSerializer,
        responses={201: PostSerializer, **REFUSALS},
    )
    def post(self, request: Request) -> Response:
        body = PostAssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            post = post_assign(
                actor=request.user,
                region=region_find(request.user, d["region"], field="所在区划"),
                kind=d["kind"],
                holder=holder_find(request.user, d["holder"]),
                start_date=d["start_date"],
                end_date=d["end_date"],
            )
        except PeopleError as exc:
            return _refused(exc)
        return Response(post_data(post), status=status.HTTP_201_CREATED)


POST_ID = OpenApiParameter("post_id", int, OpenApiParameter.PATH, description="任期编号")


class PostEndView(APIView):
    permission_classes = (IsAuthenticated, ManagesPosts)

    @extend_schema(
        summary="办理离任：结束一个任期",
        parameters=[POST_ID],
        request=PostEndSerializer,
        responses={200: PostSerializer, **REFUSALS},
    )
    def post(self, request: Request, post_id: int) -> Response:
        if post_id > MAX_ID:
            raise NotFound(NOT_FOUND)
        post = posts_managed_by(request.user).filter(pk=post_id).first()
        if post is None:
            raise NotFound(NOT_FOUND)
        body = PostEndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        try:
            post = post_end(
                actor=request.user, post=post, end_date=d["end_date"], reason=d["reason"]
            )
        except PeopleError as exc:
            return _refused(exc)
        return Response(post_data(post))
