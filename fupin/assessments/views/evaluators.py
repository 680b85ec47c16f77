"""Evaluators page (评估人员登记): institutions, experts and enumerators, each with a login.

The working group of the campaign registers institutions and anyone; an institution's admin
registers its own institution's people. A roster upload is checked first (dry run: nothing
written) and imported only on 确认导入, from the file kept under FUPIN_DATA_DIR/roster-uploads
meanwhile. One-time passwords appear once, on the page answering the POST that made them (a
print-friendly list), and are stored nowhere but as Django's hash. Every change goes through
`fupin.assessments.services.roster`, which alone decides whether it is allowed.
"""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services import (
    AssessmentError,
    Login,
    evaluator_password_reset,
    evaluator_register,
    institution_register,
    roster_import,
    roster_template,
)
from fupin.assessments.services.roster import (
    KIND_LABELS,
    MAX_ROSTER_BYTES,
    ROSTER_COLUMNS,
    admin_institutions,
    in_working_group,
    province_names,
    registration_campaign,
)
from fupin.assessments.workflows import CampaignStatus

KINDS = {"expert": Expert, "enumerator": Enumerator}
# The campaigns an institution admin registers people for: those not yet past their fieldwork.
OPEN_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK)
UPLOADS = "roster-uploads"
SESSION_KEY = "evaluators_roster_upload"
TOKENS_KEY = "evaluators_form_tokens"


def _labelled(form: forms.Form) -> None:
    """Chinese messages naming the field."""
    for field in form.fields.values():
        name = field.label
        field.error_messages.update(
            {
                "required": f"请填写“{name}”",
                "invalid_choice": f"“{name}”的选项无效",
                "max_length": f"“{name}”不能超过 %(limit_value)s 个字",
            }
        )


def _province_choices() -> list[tuple[str, str]]:
    return [("", "——请选择——")] + sorted(province_names().items())


class InstitutionForm(forms.Form):
    name = forms.CharField(label=_("机构名称"), max_length=120)
    province = forms.ChoiceField(label=_("所在省"))
    took_part_in = forms.CharField(
        label=_("参与过本省评估的省份"),
        required=False,
        help_text=_("机构承担过哪些省份自己组织的评估（评估这些省份时回避），多个用顿号分隔"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = _province_choices()
        _labelled(self)


class EvaluatorForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=list(KIND_LABELS.items()))
    name = forms.CharField(label=_("姓名"), max_length=32)
    institution = forms.ChoiceField(label=_("所属机构"), required=False)
    employer_province = forms.ChoiceField(
        label=_("单位省份"), help_text=_("调查员（多为在校学生）填家乡所在省")
    )
    took_part_in = forms.CharField(
        label=_("参与过本省评估的省份"), required=False, help_text=_("多个用顿号分隔，可空")
    )
    experienced = forms.BooleanField(label=_("有评估经验"), required=False)
    exam_passed = forms.BooleanField(label=_("通过考试"), required=False)
    phone = forms.CharField(label=_("手机号"), max_length=11, required=False)
    username = forms.CharField(
        label=_("用户名"), max_length=150, required=False, help_text=_("可空：不填则自动生成")
    )

    def __init__(self, *args: Any, institutions: list[Institution], wg: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [(str(i.pk), i.name) for i in institutions]
        if wg:
            choices = [("", "无（不属于评估机构的专家）")] + choices
        self.fields["institution"].choices = choices
        self.fields["employer_province"].choices = _province_choices()
        _labelled(self)


class RosterForm(forms.Form):
    institution = forms.ChoiceField(label=_("所属机构"))
    file = forms.FileField(label=_("名单文件（.xlsx）"))

    def __init__(self, *args: Any, institutions: list[Institution], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(str(i.pk), i.name) for i in institutions]
        _labelled(self)
        self.fields["file"].error_messages.update(
            {"required": "请选择名单文件", "empty": "名单文件是空的"}
        )


# --- who sees and does what -------------------------------------------------------------------


class _Access:
    def __init__(self, request: HttpRequest, pk: int) -> None:
        user = request.user
        campaign = registration_campaign(user, pk)
        if campaign is None:
            raise Http404
        self.campaign = campaign
        self.admin_of = admin_institutions(user)
        self.wg = in_working_group(user, campaign)
        self.institutions = list(Institution.objects.all()) if self.wg else self.admin_of

    def people(self, model: type[Expert] | type[Enumerator]) -> list[Any]:
        rows = model.objects.select_related("institution", "user").order_by(
            "institution__name", "name", "id"
        )
        if not self.wg:
            rows = rows.filter(institution__in=self.admin_of)
        return list(rows)

    def institution(self, value: object) -> Institution | None:
        for inst in self.institutions:
            if str(inst.pk) == str(value):
                return inst
        return None


def _form_token(request: HttpRequest) -> str:
    """A token the page's registration forms carry, good for one POST: a reload that would post
    again registers nobody twice."""
    token = secrets.token_urlsafe(16)
    request.session[TOKENS_KEY] = (request.session.get(TOKENS_KEY) or [])[-19:] + [token]
    return token


def _spend_token(request: HttpRequest) -> bool:
    tokens = request.session.get(TOKENS_KEY) or []
    token = request.POST.get("form_token", "")
    if token not in tokens:
        return False
    tokens.remove(token)
    request.session[TOKENS_KEY] = tokens
    return True


def _masked_phone(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else phone


def _page(
    request: HttpRequest,
    access: _Access,
    *,
    institution_form: InstitutionForm | None = None,
    evaluator_form: EvaluatorForm | None = None,
    roster_form: RosterForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    names = province_names()

    def provinces(codes: list[str]) -> str:
        return "、".join(names.get(c, c) for c in codes) or "—"

    def person(e: Expert | Enumerator, kind: str) -> dict[str, Any]:
        return {
            "e": e,
            "kind": kind,
            "kind_label": KIND_LABELS[kind],
            "province": names.get(e.employer_province, e.employer_province),
            "took_part_in": provinces(e.took_part_in),
            "phone": _masked_phone(e.phone) or "—",
            "username": e.user.get_username() if e.user else "",
        }

    return render(
        request,
        "assessments/evaluators.html",
        {
            "campaign": access.campaign,
            "wg": access.wg,
            "institutions": [
                {
                    "i": i,
                    "province": names.get(i.province_code, i.province_code),
                    "took_part_in": provinces(i.took_part_in),
                }
                for i in access.institutions
            ],
            "experts": [person(e, "expert") for e in access.people(Expert)],
            "enumerators": [person(e, "enumerator") for e in access.people(Enumerator)],
            "institution_form": institution_form or InstitutionForm(),
            "evaluator_form": evaluator_form
            or EvaluatorForm(institutions=access.institutions, wg=access.wg),
            "roster_form": roster_form or RosterForm(institutions=access.institutions),
            "form_token": _form_token(request),
            "columns": ROSTER_COLUMNS,
            "error": error,
        },
        status=status,
    )


def _logins_page(
    request: HttpRequest, access: _Access, logins: list[Login], title: str
) -> HttpResponse:
    response = render(
        request,
        "assessments/evaluators_logins.html",
        {"campaign": access.campaign, "logins": logins, "title": title},
    )
    response["Cache-Control"] = "no-store"  # the passwords are shown once, never from a cache
    return response


@login_required
def evaluators_home(request: HttpRequest) -> HttpResponse:
    """Where an institution admin (who sees no campaign before its fieldwork) or a working group
    member picks the campaign whose evaluators to register."""
    user = request.user
    if admin_institutions(user):
        campaigns = Campaign.objects.filter(status__in=OPEN_STATUSES)
    elif in_working_group(user):  # tied to campaigns, or to none (then to every one)
        rows = Membership.objects.filter(user_id=user.pk, role=Role.WORKING_GROUP)
        campaigns = Campaign.objects.all()
        if not rows.filter(campaign__isnull=True).exists():
            campaigns = campaigns.filter(pk__in=rows.values("campaign_id"))
    else:
        campaigns = Campaign.objects.none()
    return render(
        request,
        "assessments/evaluators_home.html",
        {"campaigns": campaigns.order_by("-year", "-id")},
    )


@login_required
def evaluators_page(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _Access(request, pk))


@login_required
def roster_template_download(request: HttpRequest, pk: int) -> HttpResponse:
    _Access(request, pk)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''roster-template.xlsx"
    roster_template(response)
    return response


@login_required
@require_POST
def institution_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = _Access(request, pk)
    form = InstitutionForm(request.POST)
    if not form.is_valid():
        return _page(request, access, institution_form=form, status=400)
    d = form.cleaned_data
    try:
        inst = institution_register(
            name=d["name"],
            province=d["province"],
            took_part_in=d["took_part_in"],
            user=request.user,
            campaign=access.campaign,
        )
    except AssessmentError as refused:
        return _page(
            request, access, institution_form=form, error=str(refused), status=_status(access)
        )
    messages.success(request, f"已登记评估机构：{inst.name}")
    return redirect(reverse("assessments:evaluators", args=[pk]) + "#institutions")


def _status(access: _Access) -> int:
    return 409 if access.wg else 403


@login_required
@require_POST
def evaluator_add(request: HttpRequest, pk: int) -> HttpResponse:
    access = _Access(request, pk)
    form = EvaluatorForm(request.POST, institutions=access.institutions, wg=access.wg)
    if not form.is_valid():
        return _page(request, access, evaluator_form=form, status=400)
    if not _spend_token(request):
        return _page(
            request,
            access,
            evaluator_form=form,
            error="该表单已提交过（或已过期），未重复登记；请在本页重新填写",
            status=409,
        )
    d = form.cleaned_data
    institution = access.institution(d["institution"]) if d["institution"] else None
    try:
        login = evaluator_register(
            d["kind"],
            name=d["name"],
            employer_province=d["employer_province"],
            institution=institution,
            took_part_in=d["took_part_in"],
            experienced=d["experienced"],
            exam_passed=d["exam_passed"],
            phone=d["phone"],
            username=d["username"],
            user=request.user,
            campaign=access.campaign,
        )
    except AssessmentError as refused:
        return _page(
            request, access, evaluator_form=form, error=str(refused), status=_status(access)
        )
    return _logins_page(request, access, [login], "已登记，初始密码只显示这一次")


def _upload_dir() -> Path:
    return Path(settings.DATA_DIR) / UPLOADS


@login_required
@require_POST
def roster_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Check an uploaded roster (dry run) and show what it would register, with 确认导入."""
    access = _Access(request, pk)
    form = RosterForm(request.POST, request.FILES, institutions=access.institutions)
    if not form.is_valid():
        return _page(request, access, roster_form=form, status=400)
    institution = access.institution(form.cleaned_data["institution"])
    assert institution is not None  # the form's choices are the user's institutions
    upload = form.cleaned_data["file"]
    if upload.size > MAX_ROSTER_BYTES:
        return _page(
            request,
            access,
            roster_form=form,
            error=f"名单文件超过 {MAX_ROSTER_BYTES // (1024 * 1024)} MB",
            status=400,
        )
    data = upload.read()
    try:
        report = roster_import(
            data,
            institution=institution,
            user=request.user,
            dry_run=True,
            campaign=access.campaign,
            filename=upload.name,
        )
    except AssessmentError as refused:
        return _page(request, access, roster_form=form, error=str(refused), status=403)
    token = ""
    if not report.errors:
        token = secrets.token_urlsafe(16)
        _upload_dir().mkdir(parents=True, exist_ok=True)
        (_upload_dir() / f"{token}.xlsx").write_bytes(data)
        request.session[SESSION_KEY] = {
            "token": token,
            "institution": institution.pk,
            "campaign": access.campaign.pk,
            "sha256": hashlib.sha256(data).hexdigest(),
            "filename": upload.name,
        }
    names = province_names()
    rows = [
        {
            "s": s,
            "kind": KIND_LABELS.get(s.kind, ""),
            "province": names.get(s.employer_province, "—"),
            "took_part_in": "、".join(names.get(c, c) for c in s.took_part_in) or "—",
        }
        for s in report.specs
    ]
    return render(
        request,
        "assessments/evaluators_roster.html",
        {
            "campaign": access.campaign,
            "institution": institution,
            "report": report,
            "rows": rows,
            "token": token,
        },
        status=200 if not report.errors else 400,
    )


@login_required
@require_POST
def roster_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """确认导入: register the checked roster's people, all or none, and show their passwords."""
    access = _Access(request, pk)
    pending = request.session.get(SESSION_KEY) or {}
    token = request.POST.get("token", "")
    path = _upload_dir() / f"{token}.xlsx"
    if (
        not token
        or pending.get("token") != token
        or pending.get("campaign") != access.campaign.pk
        or not path.is_file()
    ):
        return _page(
            request,
            access,
            error="这份名单已导入或已过期，未重复导入；如需导入请重新上传",
            status=409,
        )
    data = path.read_bytes()
    institution = access.institution(pending.get("institution"))
    if institution is None or hashlib.sha256(data).hexdigest() != pending.get("sha256"):
        raise Http404
    try:
        report = roster_import(
            data,
            institution=institution,
            user=request.user,
            dry_run=False,
            campaign=access.campaign,
            filename=pending.get("filename", ""),
        )
    except AssessmentError as refused:
        return _page(request, access, error=str(refused), status=_status(access))
    finally:
        path.unlink(missing_ok=True)
        request.session.pop(SESSION_KEY, None)
    if report.errors:  # changed between the check and the confirmation (a username taken)
        return _page(
            request, access, error="名单未导入：" + "；".join(report.errors[:12]), status=409
        )
    return _logins_page(
        request,
        access,
        report.created,
        f"已从名单导入 {len(report.created)} 人，初始密码只显示这一次",
    )


def _evaluator(access: _Access, kind: str, ev_pk: int) -> Expert | Enumerator:
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    rows = model.objects.select_related("institution", "user")
    if not access.wg:
        rows = rows.filter(institution__in=access.admin_of)
    return get_object_or_404(rows, pk=ev_pk)


@login_required
def password_reset(request: HttpRequest, pk: int, kind: str, ev_pk: int) -> HttpResponse:
    """GET: confirm; POST: a new one-time password for the evaluator, shown once."""
    access = _Access(request, pk)
    evaluator = _evaluator(access, kind, ev_pk)
    if request.method != "POST":
        return render(
            request,
            "assessments/evaluators_reset.html",
            {
                "campaign": access.campaign,
                "evaluator": evaluator,
                "kind_label": KIND_LABELS[kind],
            },
        )
    try:
        login = evaluator_password_reset(evaluator, user=request.user, campaign=access.campaign)
    except AssessmentError as refused:
        return _page(request, access, error=str(refused), status=_status(access))
    return _logins_page(request, access, [login], "已重置初始密码，新密码只显示这一次")
