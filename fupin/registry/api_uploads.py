"""The uploads API: a registry file, a department list or another registered kind (the
cooperation ledger) uploaded (multipart), checked in a dry run, confirmed, and polled for
progress — the same services and rules as the upload pages.

POST /api/registry/imports/ (file, kind, dry_run, keep_good, map) · GET /api/registry/imports/{id}/ ·
POST /api/registry/imports/{id}/confirm/; the same under /api/registry/department-lists/ with
`kind`. ID numbers in report rows are masked; a department list keeps no ID number.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from fupin.api.errors import ERRORS, NOT_FOUND
from fupin.matching import KINDS
from fupin.registry import uploads
from fupin.registry.models import Upload

REPORT_LIMIT = 1000  # report rows in one answer; the full list is the XLSX of the upload page


def _import_kinds() -> list[tuple[str, str]]:
    """The kinds this endpoint takes: every registered kind but the department lists (which have
    their own endpoint)."""
    return [(k.code, k.title) for k in uploads.upload_kinds() if not uploads.is_list_kind(k.code)]


class UploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField(help_text=".xlsx 或 .csv 文件")
    kind = serializers.ChoiceField(
        choices=(),
        default=Upload.REGISTRY,
        help_text="文件类型：registry（建档立卡数据，默认）、coop_ledger（东西部扶贫协作台账）、"
        "help（帮扶数据）、dept_report（部门提供情况清单）",
    )
    dry_run = serializers.BooleanField(
        default=True, help_text="true：只试运行；false：试运行通过后立即确认导入"
    )
    keep_good = serializers.BooleanField(default=False, help_text="只导入无错误的户")
    map = serializers.CharField(
        required=False,
        help_text='列对应（JSON 对象：文件中的列名 → 标准列名），如 {"户号": "户编号"}；'
        "不给时使用本办保存的列对应",
    )
    save_mapping = serializers.BooleanField(default=False, help_text="把 map 保存为本办的列对应")
    options = serializers.CharField(
        required=False,
        help_text='这类文件的选项（JSON 对象），如台账 {"side": "east"}（台账录入方：east 东部、'
        'west 西部）、部门提供情况清单 {"campaign": 3}（考核任务编号）',
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _import_kinds()


class ListUploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField(help_text=".xlsx 或 .csv 文件，含身份证号一列")
    kind = serializers.ChoiceField(choices=[(k.code, k.title) for k in KINDS], help_text="名单类型")
    dry_run = serializers.BooleanField(default=True)


class ConfirmSerializer(serializers.Serializer[dict[str, Any]]):
    keep_good = serializers.BooleanField(required=False, help_text="只导入无错误的户")


class UploadStateSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_title = serializers.CharField()
    filename = serializers.CharField()
    status = serializers.CharField()
    status_title = serializers.CharField()
    progress = serializers.DictField()
    options = serializers.DictField(help_text="上传时所选的选项（名称 → 值）")
    options_text = serializers.DictField(help_text="所选选项的中文（选项名 → 所选值）")
    report = serializers.DictField(help_text="试运行报告（行号如 Excel 所示、列、原因）")
    result = serializers.DictField(help_text="导入或比对结果")


def _labelled_errors(errors: dict[str, Any], labels: dict[str, str]) -> str:
    parts = []
    for field, messages in errors.items():
        label = labels.get(field, field)
        parts.append(f"{label}：{'；'.join(str(m) for m in messages)}")
    return "；".join(parts)


LABELS = {
    "file": "文件",
    "dry_run": "试运行",
    "keep_good": "只导入无错误的户",
    "map": "列对应",
    "kind": "名单类型",
    "save_mapping": "保存列对应",
    "options": "选项",
}


def _trim(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    for key in ("problems", "warnings", "bad_rows", "households"):
        if isinstance(out.get(key), list) and len(out[key]) > REPORT_LIMIT:
            out[f"{key}_total"] = len(out[key])
            out[key] = out[key][:REPORT_LIMIT]
    return out


def upload_state(upload: Upload) -> dict[str, Any]:
    return {
        "id": upload.pk,
        "kind": upload.kind,
        "kind_title": uploads.kind_title(upload.kind),
        "filename": upload.filename,
        "status": upload.status,
        "status_title": upload.get_status_display(),
        "progress": uploads.upload_progress(upload),
        "options": upload.options,
        "options_text": dict(uploads.option_rows(upload)),
        "report": _trim(upload.report),
        "result": _trim(upload.result),
    }


def _refused(exc: uploads.UploadError) -> Response:
    code = status.HTTP_403_FORBIDDEN if isinstance(exc, uploads.UploadDenied) else 409
    return Response({"detail": str(exc)}, status=code)


def _bad(detail: str) -> Response:
    return Response({"detail": detail}, status=status.HTTP_400_BAD_REQUEST)


class _Create(APIView):
    parser_classes = (MultiPartParser, FormParser)
    list_kind = False

    def _create(self, request: Request) -> Response:
        if not uploads.may_upload(request.user):
            return Response(
                {"detail": "只有省、市、县扶贫办和乡镇扶贫工作站可以上传"},
                status=status.HTTP_403_FORBIDDEN,
            )
        ser = (ListUploadSerializer if self.list_kind else UploadSerializer)(data=request.data)
        if not ser.is_valid():
            labels = LABELS if self.list_kind else LABELS | {"kind": "文件类型"}
            return _bad(_labelled_errors(ser.errors, labels))
        d = ser.validated_data
        column_map = None
        if d.get("map"):
            try:
                column_map = json.loads(d["map"])
            except ValueError:
                return _bad('列对应：应为 JSON 对象，如 {"户号": "户编号"}')
            if not isinstance(column_map, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in column_map.items()
            ):
                return _bad("列对应：应为 JSON 对象，键和值都是列名")
        options = None
        if d.get("options"):
            try:
                options = json.loads(d["options"])
            except ValueError:
                return _bad('选项：应为 JSON 对象，如 {"side": "east"}')
            if not isinstance(options, dict):
                return _bad('选项：应为 JSON 对象，如 {"side": "east"}')
        f = d["file"]
        try:
            upload = uploads.upload_create(
                user=request.user,
                name=f.name,
                chunks=f.chunks(),
                size=f.size,
                kind=d["kind"],
                keep_good=d.get("keep_good", False),
                options=options,
            )
            if column_map is not None and upload.kind == Upload.REGISTRY:
                upload = uploads.upload_check(
                    user=request.user,
                    upload=upload,
                    column_map=column_map,
                    save_mapping=d.get("save_mapping", False),
                )
            if not d["dry_run"]:
                upload = uploads.upload_confirm(user=request.user, upload=upload)
        except uploads.UploadDenied as exc:
            return _refused(exc)
        except uploads.UploadError as exc:
            if "upload" in locals():
                body = upload_state(upload) | {"detail": str(exc)}
                return Response(body, status=status.HTTP_409_CONFLICT)
            return _bad(str(exc))
        code = status.HTTP_202_ACCEPTED if upload.status == "running" else status.HTTP_201_CREATED
        return Response(upload_state(upload), status=code)


class RegistryUploadsView(_Create):
    @extend_schema(
        summary="上传建档立卡文件或东西部扶贫协作台账（kind；试运行；dry_run=false 时随即确认导入）",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: UploadStateSerializer,
            202: OpenApiResponse(UploadStateSerializer, description="已开始导入，轮询进度"),
            **ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        return self._create(request)


class DepartmentListUploadsView(_Create):
    list_kind = True

    @extend_schema(
        summary="上传部门名单（试运行；dry_run=false 时随即确认并与建档立卡比对）",
        request={"multipart/form-data": ListUploadSerializer},
        responses={201: UploadStateSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        return self._create(request)


def _visible(request: Request, pk: int, *, registry: bool) -> Upload | None:
    upload = uploads.upload_visible(request.user, pk)
    if upload is None or uploads.is_list_kind(upload.kind) == registry:
        return None
    return upload


class _Detail(APIView):
    registry = True

    @extend_schema(summary="上传文件的状态、进度和报告", responses={200: UploadStateSerializer})
    def get(self, request: Request, pk: int) -> Response:
        upload = _visible(request, pk, registry=self.registry)
        if upload is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        return Response(upload_state(upload))


class _Confirm(APIView):
    parser_classes = (JSONParser, FormParser, MultiPartParser)
    registry = True

    @extend_schema(
        summary="确认导入（试运行之后；文件改动、数据变动或超时则拒绝）",
        request=ConfirmSerializer,
        responses={202: UploadStateSerializer, 200: UploadStateSerializer, **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        upload = _visible(request, pk, registry=self.registry)
        if upload is None:
            return Response({"detail": NOT_FOUND}, status=status.HTTP_404_NOT_FOUND)
        ser = ConfirmSerializer(data=request.data)
        if not ser.is_valid():
            return _bad(_labelled_errors(ser.errors, LABELS))
        try:
            upload = uploads.upload_confirm(
                user=request.user, upload=upload, keep_good=ser.validated_data.get("keep_good")
            )
        except uploads.UploadError as exc:
            return _refused(exc)
        code = status.HTTP_202_ACCEPTED if upload.status == "running" else status.HTTP_200_OK
        return Response(upload_state(upload), status=code)


class RegistryUploadView(_Detail):
    registry = True


class RegistryUploadConfirmView(_Confirm):
    registry = True


class DepartmentListView(_Detail):
    registry = False


class DepartmentListConfirmView(_Confirm):
    registry = False
