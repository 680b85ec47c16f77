"""The help's XLSX import: the template to download, and the old import address, which leads to
the one web upload (upload → dry-run report → confirm → all rows in one transaction, or none)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from fupin.assistance import importing
from fupin.assistance import selectors as sel
from fupin.assistance.uploads import HELP_KIND
from fupin.registry import uploads

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
    """The help's import is a kind of the one web upload (fupin/registry/uploads.py): this
    address leads to the upload page with the kind chosen; a file posted here is stored and
    checked in a dry run as it is there, and its report shown on the upload's page."""
    _may_import(request)
    f = request.FILES.get("file") if request.method == "POST" else None
    if f is None:
        return redirect(reverse("registry:imports") + f"?kind={HELP_KIND}")
    try:
        upload = uploads.upload_create(
            user=request.user, name=f.name, chunks=f.chunks(), size=f.size, kind=HELP_KIND
        )
    except uploads.UploadDenied as e:
        raise PermissionDenied(str(e)) from None
    except uploads.UploadError as e:
        context = {"form": UploadForm(), "error": str(e), "max_mb": importing.MAX_UPLOAD // 1048576}
        return render(request, "assistance/import.html", context, status=400)
    return redirect("registry:import", pk=upload.pk)
