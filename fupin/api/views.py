"""POST /api/token/: a username and password exchanged for the user's API token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.accounts.forms import client_ip, lock_message
from fupin.accounts.services import login_locked_until
from fupin.api.errors import ErrorSerializer
from fupin.api.tokens import token_expires_at, token_issue


class TokenRequestSerializer(serializers.Serializer[dict[str, Any]]):
    """Username and password, checked by the same authentication backend as the login page and
    the admin (`fupin.accounts.backends`): after `accounts.services.MAX_FAILURES` failures in a
    row for one username from one address, through any of them, that pair is locked for a while
    (429 here); after `MAX_FAILURES_ANY_ADDRESS` from any addresses, the username is."""

    username = serializers.CharField(max_length=150, write_only=True)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, write_only=True, style={"input_type": "password"}
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        username, ip = attrs["username"], client_ip(request)
        locked = login_locked_until(username=username, ip=ip)
        if locked is not None:  # the backend would refuse too; this says how long, with 429
            wait = max(1, int((locked - timezone.now()).total_seconds()))
            raise exceptions.Throttled(wait=wait, detail=lock_message(locked))
        user = authenticate(request=request, username=username, password=attrs["password"])
        if user is None:
            raise serializers.ValidationError("用户名或密码错误，请重试。", code="authorization")
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer[dict[str, Any]]):
    token = serializers.CharField(help_text="在请求头中使用：Authorization: Token <token>")
    expires = serializers.DateTimeField(
        help_text="令牌失效时间；此后请求答 401，须重新取得令牌。修改密码或账号停用时令牌立即作废。"
    )


class TokenView(APIView):
    """Exchange a username and password for the user's API token: throttled by the login lock,
    valid for `FUPIN_API_TOKEN_HOURS`, audited (`fupin.api.tokens`)."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (JSONParser, FormParser)

    @extend_schema(
        summary="以用户名和密码取得令牌",
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="用户名或密码错误"),
            429: OpenApiResponse(ErrorSerializer, description="失败次数过多，暂时锁定"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        token = token_issue(user=body.validated_data["user"])
        return Response(
            TokenSerializer({"token": token.key, "expires": token_expires_at(token)}).data
        )
