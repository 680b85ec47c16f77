"""Upload pages: a registry file or a department list → dry-run report → confirm → progress →
result (thin; fupin/registry/uploads.py does the work)."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from fupin.files.sheets import Sheet, write_xlsx
from fupin.registry import uploads
from fupin.registry.io.reporting import PROBLEM_HEADERS, PROBLEM_WIDTHS
from fupin.registry.models import Upload, UploadStatus

# The page polls itself while an import runs (the Refresh header: no script needed).
REFRESH_SECONDS = 1


def _kind_choices(user: Any) -> list[Any]:
    """The kinds the user may upload, grouped as the page shows them (建档立卡, 部门名单, …)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for k in uploads.kinds_for(user):
        groups.setdefault(k.group, []).append((k.code, k.title))
    return list(groups.items())


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="文件类型", choices=())
    file = forms.FileField(label="文件（.xlsx 或 .csv）")
    keep_good = forms.BooleanField(
        label="只导入无错误的户（有错误的户整户跳过）",
        required=False,
        help_text="不勾选时，只要有一处错误就不写入任何数据",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _kind_choices(user)  # type: ignore[attr-defined]
        # The kinds' own choices (UploadKind.options), one field per option name; only the chosen
        # kind's are passed on, and upload_create checks them.
        self.option_kinds: dict[str, list[str]] = {}
        for kind in uploads.kinds_for(user):
            for option in kind.options:
                self.option_kinds.setdefault(option.name, []).append(kind.code)
                name = f"option_{option.name}"
                if name not in self.fields:
                    self.fields[name] = forms.ChoiceField(
                        label=option.label,
                        required=False,
                        choices=[("", "——请选择——"), *option.choices(user)],
                        help_text=option.help_text,
                    )
                    self.fields[name].error_messages["invalid_choice"] = (
                        f"{option.label}：请从列表中选择"
                    )
        self.fields["kind"].error_messages["invalid_choice"] = "文件类型：请从列表中选择"
        self.fields["kind"].error_messages["required"] = "文件类型：请选择"
        self.fields["file"].error_messages.update(
            {"required": "文件：请选择要上传的文件", "empty": "文件：文件是空的"}
        )

    def option_fields(self) -> list[tuple[Any, str]]:
        """The option fields with the kinds they belong to (the page marks each)."""
        return [(self[f"option_{n}"], " ".join(codes)) for n, codes in self.option_kinds.items()]

    def chosen_options(self) -> dict[str, str]:
        kind = uploads.upload_kind(self.cleaned_data["kind"])
        names = [o.name for o in kind.options] if kind else []
        return {n: self.cleaned_data.get(f"option_{n}") or "" for n in names}


def _upload(request: HttpRequest, pk: int) -> Upload:
    """The upload, if the user may see it (404 like one that does not exist otherwise)."""
    upload = uploads.upload_visible(request.user, pk)
    if upload is None:
        raise Http404
    return upload


def _index(
    request: HttpRequest, form: UploadForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    rows = [
        {"u": u, "kind": uploads.kind_title(u.kind)}
        for u in uploads.uploads_for(request.user).select_related("uploaded_by")[:50]
    ]
    return render(
        request,
        "registry/upload_index.html",
        {
            "form": form,
            "error": error,
            "rows": rows,
            "max_mb": uploads.MAX_UPLOAD_BYTES // (1024 * 1024),
            "hints": [k for k in uploads.kinds_for(request.user) if k.hint],
        },
        status=status,
    )


@login_required
def upload_index(request: HttpRequest) -> HttpResponse:
    if not uploads.may_upload(request.user):
        return render(request, "registry/upload_denied.html", status=403)
    if request.method != "POST":
        initial = {"kind": request.GET.get("kind", "")}
        for key, value in request.GET.items():  # a link may preset an option (?campaign=3)
            initial.setdefault(f"option_{key}", value)
        return _index(request, UploadForm(user=request.user, initial=initial))
    form = UploadForm(request.POST, request.FILES, user=request.user)
    if not form.is_valid():
        return _index(request, form, status=400)
    f = form.cleaned_data["file"]
    try:
        upload = uploads.upload_create(
            user=request.user,
            name=f.name,
            chunks=f.chunks(),
            size=f.size,
            kind=form.cleaned_data["kind"],
            keep_good=form.cleaned_data["keep_good"],
            options=form.chosen_options(),
        )
    except uploads.UploadError as refused:
        return _index(request, form, error=str(refused), status=400)
    return redirect("registry:import", pk=upload.pk)


@login_required
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    progress = uploads.upload_progress(upload)
    context: dict[str, Any] = {
        "upload": upload,
        "kind": uploads.kind_title(upload.kind),
        "is_registry": upload.kind == Upload.REGISTRY,
        "is_list": uploads.is_list_kind(upload.kind),
        "options": uploads.option_rows(upload),
        "progress": progress,
        "percent": int(100 * progress["done"] / progress["total"]) if progress["total"] else 0,
        "error": request.session.pop("upload_error", "") if "error" in request.GET else "",
        "households_url": _households_url(upload),
    }
    report = upload.report
    if upload.kind == Upload.REGISTRY and upload.status == UploadStatus.CHECKED:
        chosen = upload.column_map or {}
        context["mapping"] = [
            {"i": i, "source": h, "target": chosen.get(h, "")}
            for i, h in enumerate(report.get("unknown_headers", []))
        ]
        context["columns"] = uploads.standard_columns()
    response = render(request, "registry/upload_detail.html", context)
    if progress.get("running"):
        response["Refresh"] = str(REFRESH_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _households_url(upload: Upload) -> str:
    if upload.office is not None:
        return reverse("registry:households", args=[upload.office.code])
    return reverse("registry:home")


def _refused(request: HttpRequest, upload: Upload, reason: str) -> HttpResponse:
    request.session["upload_error"] = reason
    return redirect(reverse("registry:import", args=[upload.pk]) + "?error=1")


@login_required
@require_POST
def upload_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """Run the dry run again on the stored file: with the column mapping of the form (saved as the
    office's when asked), or after a refusal or an interruption."""
    upload = _upload(request, pk)
    column_map: dict[str, str] | None = None
    if "mapping" in request.POST:
        columns = set(uploads.standard_columns())
        column_map = {}
        for i, source in enumerate(upload.report.get("unknown_headers", [])):
            target = request.POST.get(f"map_{i}", "")
            if target and target not in columns:
                return _refused(request, upload, f"列“{source}”：请从列表中选择标准列名")
            if target:
                column_map[source] = target
    try:
        uploads.upload_check(
            user=request.user,
            upload=upload,
            column_map=column_map,
            keep_good=(request.POST.get("keep_good") == "on")
            if "keep_good_set" in request.POST
            else None,
            save_mapping=request.POST.get("save_mapping") == "on",
        )
    except uploads.UploadError as refused:
        return _refused(request, upload, str(refused))
    return redirect("registry:import", pk=upload.pk)


@login_required
@require_POST
def upload_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    upload = _upload(request, pk)
    try:
        uploads.upload_confirm(
            user=request.user, upload=upload, keep_good=request.POST.get("keep_good") == "on"
        )
    except uploads.UploadError as refused:
        return _refused(request, upload, str(refused))
    return redirect("registry:import", pk=upload.pk)


@login_required
def upload_problems(request: HttpRequest, pk: int) -> HttpResponse:
    """The dry run's (or the import's) problem list as XLSX, ID numbers masked."""
    upload = _upload(request, pk)
    report = upload.result if upload.result.get("problems") is not None else upload.report
    out = io.BytesIO()
    if upload.kind == Upload.REGISTRY:
        rows: list[list[Any]] = []
        for key, outcome in (("problems", "未导入"), ("warnings", "已导入（提醒）")):
            for p in report.get(key, []):
                rows.append(
                    [
                        p["table"],
                        p["row"],
                        p["column"],
                        p["value"],
                        p["household_no"],
                        p["reason"],
                        outcome,
                    ]
                )
        sheet = Sheet("导入问题", (*PROBLEM_HEADERS, "处理"), rows, PROBLEM_WIDTHS)
    elif not uploads.is_list_kind(upload.kind):  # a kind with the generic report
        rows = [
            [p["table"], p["row"], p["column"], p["value"], p["reason"]]
            for p in report.get("problems", [])
        ]
        sheet = Sheet("问题", ("表", "行号", "列", "值", "问题"), rows, (14, 8, 16, 24, 60))
    else:
        bad = upload.report.get("bad_rows", [])
        sheet = Sheet(
            "无效证件号码",
            ("行号", "证件号码（脱敏）", "问题"),
            [[b["row"], b["value"], b["reason"]] for b in bad],
            (8, 24, 50),
        )
    write_xlsx(out, [sheet])
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}-problems.xlsx"'
    return response
