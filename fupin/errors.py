"""One Chinese page for every refusal (400, 403, 404, 409, 500): what happened, why, and a way back."""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

_CHINESE = re.compile(r"[\u4e00-\u9fff]")

TITLES = {
    400: "请求有误",
    403: "无权访问",
    404: "找不到页面",
    409: "未能办理",
    500: "服务器出错",
}

DEFAULT_REASONS = {
    400: "请求的内容不完整或格式不对，没有作任何更改。",
    403: "您的账号没有办理此事或查看此页的权限。如需权限，请联系本级扶贫办的系统管理员。",
    404: "这个页面不存在，或所查的区划、农户、事项不在您的权限范围内。",
    409: "该事项当前的状态不允许这样办理，没有作任何更改。",
    500: "服务器处理时出错，已记录。请稍后再试，或联系系统管理员。",
}


def safe_next(request: HttpRequest, wanted: str | None, default: str) -> str:
    """`wanted` when it is an address on this site (never another host), else `default`."""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return default


def safe_back(request: HttpRequest, wanted: str | None = None) -> str:
    """`wanted`, or else the page the user came from, when on this site; else the home page."""
    return safe_next(request, wanted, safe_next(request, request.META.get("HTTP_REFERER"), "/"))


def error_page(
    request: HttpRequest, status: int, reason: object = None, back: str | None = None
) -> HttpResponse:
    """The shared error page; `reason` is shown when it is a Chinese sentence (never an English code)."""
    text = str(reason) if reason is not None else ""
    if not _CHINESE.search(text):
        text = _(DEFAULT_REASONS.get(status, DEFAULT_REASONS[400]))
    elif status in (400, 409) and "没有作任何更改" not in text:
        text = f"{text}。{_('没有作任何更改。')}".replace("。。", "。")
    title = _(TITLES.get(status, TITLES[400]))
    context = {"status": status, "title": title, "reason": text, "back": safe_back(request, back)}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 400, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 403, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_page(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: the database or the session may be what failed.
    body = loader.get_template("500.html").render({"reason": _(DEFAULT_REASONS[500])})
    return HttpResponseServerError(body)
