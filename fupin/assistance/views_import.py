"""The help's XLSX import page: template → upload → dry-run report (row, column, reason) →
confirm → all rows written in one transaction, or none."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from fupin.assistance import importing
from fupin.assistance import selectors as sel

SESSION_KEY = "assistance_import"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("导入文件（XLSX）"))


def _may_import(request: HttpRequest) -> None:
    if not (sel.managed_regions(request.user) or request.user.is_superuser):
        raise PermissionDenied(_("只有县（市、省）扶贫部门可以导入帮扶数据"))


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''help-import-template.xlsx"
    importing.template_xlsx(response)
    return response


@never_cache
@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    _may_import(request)
    context: dict[str, Any] = {"form": UploadForm(), "max_mb": importing.MAX_UPLOAD // 1048576}
    who = {"actor": request.user.get_username(), "user": request.user}
    if request.method == "POST" and request.POST.get("confirm") == "1":
        stored = request.session.get(SESSION_KEY) or {}
        if not stored or stored.get("token") != request.POST.get("token"):
            context["error"] = _("导入文件已过期或已导入，请重新上传")
            return render(request, "assistance/import.html", context, status=400)
        data = base64.b64decode(stored["data"])
        report = importing.help_import(sheets=importing.read_sheets(data), dry_run=False, **who)
        if report.ok:
            request.session.pop(SESSION_KEY, None)
            done = "，".join(f"{k} {v} 行" for k, v in report.created.items())
            messages.success(request, _("已导入：%(done)s") % {"done": done})
            return redirect("assistance:import")
        context["report"] = report
        return render(request, "assistance/import.html", context, status=400)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        context["form"] = form
        if not form.is_valid():
            return render(request, "assistance/import.html", context, status=400)
        upload = form.cleaned_data["file"]
        if upload.size > importing.MAX_UPLOAD:
            context["error"] = _("文件：超过 %(mb)s MB 上限，请分成几个文件") % {
                "mb": context["max_mb"]
            }
            return render(request, "assistance/import.html", context, status=400)
        data = upload.read()
        try:
            report = importing.help_import(sheets=importing.read_sheets(data), dry_run=True, **who)
        except importing.ImportRefused as e:
            context["error"] = str(e)
            return render(request, "assistance/import.html", context, status=400)
        context["report"] = report
        if report.ok:
            token = hashlib.sha256(data).hexdigest()
            request.session[SESSION_KEY] = {
                "token": token,
                "data": base64.b64encode(data).decode("ascii"),
            }
            context["token"] = token
    return render(request, "assistance/import.html", context)
