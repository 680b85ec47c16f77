"""The people pages (/people/): each office lists, adds, changes, stops and resets its own people
and grants or ends the roles it may give; "我的账户" shows a user their roles and history.

Thin: every step is a service in fupin.accounts.people; a person outside the office's region is
a 404 (a guessed id shows nothing); a refusal is the shared Chinese error page.
"""

from __future__ import annotations

import base64
import hashlib
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fupin.accounts.models import Membership
from fupin.accounts.people import (
    PeopleError,
    campaign_by_pk,
    manage_refusal,
    may_manage_people,
    membership_label,
    offices_of,
    password_reset,
    people_for,
    people_search,
    person_activate,
    person_create,
    person_deactivate,
    person_for,
    person_history,
    person_update,
    region_choices,
    region_find,
    role_end,
    role_grant,
)
from fupin.accounts.people_forms import GrantForm, ImportForm, PersonCreateForm, PersonEditForm
from fupin.accounts.people_import import (
    PeopleImportRefused,
    people_import_apply,
    people_import_plan,
    people_read_xlsx,
    people_template_xlsx,
)
from fupin.accounts.services import login_lock_of, login_locks_of
from fupin.errors import error_page
from fupin.paging import page_of, search_text

IMPORT_SESSION_KEY = "people_import"
MAX_UPLOAD = 5 * 1024 * 1024
MAX_BATCH = 500


def office_required(view: Any) -> Any:
    """Only users who manage people (an office, a working group) reach these pages."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not may_manage_people(request.user):
            return error_page(
                request, 403, "人员管理只供各级扶贫办和评估工作组使用；您的账号没有此权限。"
            )
        return view(request, *args, **kwargs)

    return wrapped


def _person(request: HttpRequest, pk: int) -> Any:
    person = person_for(request.user, pk)
    if person is None:
        raise Http404("人员不存在或不在本单位辖区内")
    return person


def _detail(person: Any) -> str:
    return reverse("people:detail", args=[person.pk])


def _regions(request: HttpRequest) -> list[Any]:
    return list(region_choices(request.user).only("code", "name")[:3000])


def _sheet_row(person: Any, password: str) -> dict[str, Any]:
    """One line of a one-time password sheet."""
    return {
        "pk": person.pk,
        "name": person.first_name or person.get_username(),
        "username": person.get_username(),
        "password": password,
    }


def _refused(request: HttpRequest, exc: PeopleError, back: str) -> HttpResponse:
    return error_page(request, 409, str(exc), back=back)


@office_required
def people_list(request: HttpRequest) -> HttpResponse:
    q = search_text(request)
    people = people_search(request.user, q)
    page = page_of(request, people.prefetch_related("memberships__region"))
    locks = login_locks_of(person.get_username() for person in page)
    for person in page:
        person.role_labels = [membership_label(m) for m in person.memberships.all()]
        person.login_lock = locks.get(person.get_username())
    return render(
        request,
        "accounts/people_list.html",
        {
            "page": page,
            "q": q,
            "offices": offices_of(request.user),
            "search_placeholder": "姓名、用户名、手机号或地区",
            "may_import": any(o.region is not None for o in offices_of(request.user)),
        },
    )


def _role_target(request: HttpRequest, form: Any) -> tuple[Any, Any]:
    """The region and campaign a role form names (errors added to the form)."""
    region = campaign = None
    text = form.cleaned_data.get("region") or ""
    if "region" in form.fields and text:
        try:
            region = region_find(request.user, text)
        except PeopleError as exc:
            form.add_error("region", str(exc))
    if form.cleaned_data.get("campaign"):
        campaign = campaign_by_pk(request.user, form.cleaned_data["campaign"])
        if campaign is None:
            form.add_error("campaign", "请选择本组的评估任务")
    return region, campaign


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_create(request: HttpRequest) -> HttpResponse:
    form = PersonCreateForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        region, campaign = _role_target(request, form)
        if form.is_valid():
            d = form.cleaned_data
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
                form.add_error(None, str(exc))
            else:
                return render(
                    request,
                    "accounts/people_password.html",
                    {"people": [_sheet_row(person, password)], "created": True},
                )
    return render(
        request,
        "accounts/people_form.html",
        {"form": form, "title": "新增人员", "regions": _regions(request)},
    )


@office_required
def people_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    memberships = Membership.objects.filter(user=person).select_related(
        "region", "campaign", "institution"
    )
    return render(
        request,
        "accounts/people_detail.html",
        {
            "person": person,
            "roles": [(m, membership_label(m)) for m in memberships],
            "refusal": manage_refusal(request.user, person),
            "is_self": person.pk == request.user.pk,
            "grant_form": GrantForm(actor=request.user),
            "regions": _regions(request),
            "history": person_history(person)[:100],
            "login_lock": login_lock_of(person.get_username()),
        },
    )


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    refusal = manage_refusal(request.user, person)
    if refusal:
        return error_page(request, 403, refusal, back=_detail(person))
    profile = getattr(person, "profile", None)
    initial = {
        "name": person.first_name,
        "phone": getattr(profile, "phone", ""),
        "unit": getattr(profile, "unit", ""),
        "post": getattr(profile, "post", ""),
        "region": (
            f"{profile.region.name}（{profile.region.code}）"
            if profile is not None and profile.region_id
            else ""
        ),
    }
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = None
        if d["region"]:
            try:
                region = region_find(request.user, d["region"], field="所属地区")
            except PeopleError as exc:
                form.add_error("region", str(exc))
        if form.is_valid():
            try:
                person_update(
                    actor=request.user,
                    person=person,
                    name=d["name"],
                    phone=d["phone"],
                    unit=d["unit"],
                    post=d["post"],
                    region=region,
                )
            except PeopleError as exc:
                form.add_error(None, str(exc))
            else:
                return redirect(_detail(person))
    return render(
        request,
        "accounts/people_form.html",
        {
            "form": form,
            "title": f"修改人员：{person.first_name or person.username}",
            "person": person,
            "regions": _regions(request),
        },
    )


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if request.method == "POST":
        try:
            person_deactivate(
                actor=request.user, person=person, reason=str(request.POST.get("reason", ""))
            )
        except PeopleError as exc:
            return _refused(request, exc, _detail(person))
        if person.pk == request.user.pk:
            return redirect("login")
        return redirect(_detail(person))
    return render(
        request,
        "accounts/people_confirm.html",
        {
            "person": person,
            "title": "停用账号",
            "question": f"确认停用 {person.first_name or person.username}（{person.username}）的账号？"
            "停用后不能登录，历史记录保留，可以再启用。",
            "button": "确认停用",
            "reason": True,
        },
    )


@office_required
@require_POST
def people_activate(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    try:
        person_activate(actor=request.user, person=person)
    except PeopleError as exc:
        return _refused(request, exc, _detail(person))
    return redirect(_detail(person))


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    if request.method == "POST":
        try:
            password = password_reset(actor=request.user, person=person)
        except PeopleError as exc:
            return _refused(request, exc, _detail(person))
        return render(
            request, "accounts/people_password.html", {"people": [_sheet_row(person, password)]}
        )
    return render(
        request,
        "accounts/people_confirm.html",
        {
            "person": person,
            "title": "重置密码",
            "question": f"确认为 {person.first_name or person.username}（{person.username}）"
            "重置密码？原密码将立即失效，新的一次性密码只显示一次。",
            "button": "确认重置",
        },
    )


@never_cache
@office_required
@require_POST
def people_passwords(request: HttpRequest) -> HttpResponse:
    """Many at once: the list's selected people → a confirmation → a printable sheet."""
    ids = [int(i) for i in request.POST.getlist("person") if str(i).isdigit()][:MAX_BATCH]
    people = list(people_for(request.user).filter(pk__in=ids).order_by("username"))
    if not people:
        return error_page(
            request, 400, "请先在名单中勾选要重置密码的人员", back=reverse("people:list")
        )
    if request.POST.get("confirm") != "1":
        return render(request, "accounts/people_passwords_confirm.html", {"people": people})
    sheet = []
    try:
        with transaction.atomic():
            for person in people:
                sheet.append(_sheet_row(person, password_reset(actor=request.user, person=person)))
    except PeopleError as exc:
        return _refused(request, PeopleError(f"{exc}，未重置任何人的密码"), reverse("people:list"))
    return render(request, "accounts/people_password.html", {"people": sheet, "sheet": True})


@office_required
@require_POST
def people_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    form = GrantForm(request.POST, actor=request.user)
    if form.is_valid():
        region, campaign = _role_target(request, form)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        return _refused(request, PeopleError(errors), _detail(person))
    try:
        role_grant(
            actor=request.user,
            person=person,
            role=form.cleaned_data["role"],
            region=region,
            campaign=campaign,
        )
    except PeopleError as exc:
        return _refused(request, exc, _detail(person))
    return redirect(_detail(person))


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_role_end(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    person = _person(request, pk)
    membership = (
        Membership.objects.filter(user=person, pk=membership_pk)
        .select_related("region", "campaign", "user")
        .first()
    )
    if membership is None:
        raise Http404("角色不存在")
    if request.method == "POST":
        try:
            role_end(actor=request.user, membership=membership)
        except PeopleError as exc:
            return _refused(request, exc, _detail(person))
        return redirect(_detail(person))
    return render(
        request,
        "accounts/people_confirm.html",
        {
            "person": person,
            "title": "撤销角色",
            "question": f"确认撤销 {person.first_name or person.username} 的“{membership_label(membership)}”角色？"
            "撤销后该角色的权限立即失效，审计记录保留。",
            "button": "确认撤销",
        },
    )


# --- bulk ---------------------------------------------------------------------------------------


@office_required
def people_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''people-template.xlsx"
    people_template_xlsx(response)
    return response


@never_cache
@office_required
@require_http_methods(["GET", "POST"])
def people_import(request: HttpRequest) -> HttpResponse:
    """Upload → the dry-run report (nothing written) → 确认导入 (all rows or none)."""
    form = ImportForm()
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and request.POST.get("confirm") == "1":
        stored = request.session.get(IMPORT_SESSION_KEY) or {}
        if stored.get("token") != request.POST.get("token"):
            return error_page(
                request, 400, "导入文件已过期或已导入，请重新上传", back=reverse("people:import")
            )
        data = base64.b64decode(stored["data"])
        try:
            rows = people_read_xlsx(data)
            report, passwords = people_import_apply(actor=request.user, rows=rows, data=data)
        except PeopleImportRefused as exc:
            context["report"] = exc.report
        except PeopleError as exc:
            context["error"] = str(exc)
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
            return render(
                request,
                "accounts/people_password.html",
                {
                    "imported": report,
                    "people": [
                        {"name": p.name, "username": p.username, "password": p.password}
                        for p in passwords
                    ],
                    "sheet": True,
                },
            )
    elif request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > MAX_UPLOAD:
                context["error"] = "文件太大：人员名单不能超过 5 MB"
            else:
                data = upload.read()
                try:
                    report = people_import_plan(actor=request.user, rows=people_read_xlsx(data))
                except PeopleError as exc:
                    context["error"] = str(exc)
                else:
                    context["report"] = report
                    if not report.errors:
                        token = hashlib.sha256(data).hexdigest()
                        request.session[IMPORT_SESSION_KEY] = {
                            "token": token,
                            "data": base64.b64encode(data).decode("ascii"),
                        }
                        context["token"] = token
    return render(request, "accounts/people_import.html", context)


# --- my account ---------------------------------------------------------------------------------


@login_required
def people_me(request: HttpRequest) -> HttpResponse:
    user = request.user
    memberships = Membership.objects.filter(user=user).select_related(
        "region", "campaign", "institution"
    )
    return render(
        request,
        "accounts/people_me.html",
        {
            "person": user,
            "profile": getattr(user, "profile", None),
            "roles": [membership_label(m) for m in memberships],
            "page": page_of(request, person_history(user)),
            "may_manage": may_manage_people(user),
        },
    )
