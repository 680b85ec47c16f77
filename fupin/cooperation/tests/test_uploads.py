"""The cooperation ledger through the one web upload (fupin/registry/uploads.py): who may upload
it, the dry run's row/column/reason report with nothing written, the confirmation writing every
row in one transaction (or none), the pages and the API."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.cooperation import importing
from fupin.cooperation.importing import LEDGER_COLUMNS
from fupin.cooperation.models import LedgerEntry
from fupin.cooperation.services import CooperationError
from fupin.cooperation.uploads import LEDGER_KIND
from fupin.regions.models import Level, Region
from fupin.registry import uploads
from fupin.registry.models import Upload, UploadStatus

GOOD = [
    ["120112", "620522", 2019, "2019-04-01", "E07", "100", 5, "620522", "冷库", ""],
    ["120112", "620522", 2019, "2019-04-02", "E07", "250", 0, "", "培训", "签到表"],
]
BAD_AMOUNT = ["120112", "620522", 2019, "2019-04-03", "E07", "abc", 0, "", "", ""]


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def ledger_xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(list(LEDGER_COLUMNS))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _create(user: Any, data: bytes) -> Upload:
    return uploads.upload_create(
        user=user, name="台账.xlsx", chunks=[data], size=len(data), kind=LEDGER_KIND
    )


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_an_office_of_the_pairing_may_upload_a_ledger_and_a_township_station_may_not(coop):
    station = get_user_model().objects.create_user("zhan", password="x")
    county = Region.objects.get(code="620522000000")
    region = Region.objects.create(
        code="620522100000", name="西川镇", level=Level.TOWNSHIP, parent=county
    )
    membership_grant(user=station, role=Role.TOWNSHIP_OFFICE, region=region)
    clerk = get_user_model().objects.create_user("clerk", password="x")
    data = ledger_xlsx(GOOD)
    for user in (station, clerk):
        with pytest.raises(uploads.UploadDenied, match="协作双方"):
            _create(user, data)
    assert not Upload.objects.exists()
    # The township station still uploads registry files, but is not offered the ledger.
    page = _client(station).get("/imports/").content.decode()
    assert 'value="registry"' in page and f'value="{LEDGER_KIND}"' not in page
    assert _client(clerk).get("/imports/").status_code == 403
    r = _client(station).post(
        "/api/registry/imports/",
        {"file": SimpleUploadedFile("台账.xlsx", data), "kind": LEDGER_KIND},
    )
    assert r.status_code == 403 and "协作双方" in r.json()["detail"]
    assert f'value="{LEDGER_KIND}"' in _client(coop.east_user).get("/imports/").content.decode()
    assert _create(coop.east_user, data).status == UploadStatus.CHECKED


def test_a_bad_row_is_named_by_row_column_and_reason_and_nothing_is_written(coop):
    c = _client(coop.east_user)
    data = ledger_xlsx([*GOOD, BAD_AMOUNT])
    r = c.post("/imports/", {"kind": LEDGER_KIND, "file": SimpleUploadedFile("台账.xlsx", data)})
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert 'id="problems"' in page and "不是数字" in page and 'id="confirm"' not in page
    upload = Upload.objects.get()
    assert [(p["table"], p["row"], p["column"]) for p in upload.report["problems"]] == [
        ("台账", 4, "数额")
    ]
    sheet = load_workbook(io.BytesIO(c.get(f"/imports/{upload.pk}/problems.xlsx").content)).active
    assert list(sheet.iter_rows(values_only=True))[1][:3] == ("台账", 4, "数额")
    refused = c.post(f"/imports/{upload.pk}/confirm/", follow=True).content.decode()
    assert "试运行有错误" in refused
    assert not LedgerEntry.objects.exists()


def test_the_dry_run_writes_nothing_and_the_confirmation_writes_every_row(
    coop, django_capture_on_commit_callbacks
):
    upload = _create(coop.east_user, ledger_xlsx(GOOD))
    assert upload.report["outcome"] == "written"
    assert upload.report["counts"] == {"读取台账行": 2, "将新增台账条目": 2}
    assert not LedgerEntry.objects.exists()
    stored = Path(upload.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        upload = uploads.upload_confirm(user=coop.east_user, upload=upload)
    assert upload.status == UploadStatus.DONE
    entries = LedgerEntry.objects.order_by("date")
    assert [(e.amount, e.entered_by, e.status) for e in entries] == [
        (100, "east", "pending"),
        (250, "east", "pending"),
    ]
    assert not stored.exists()
    audit = AuditEntry.objects.get(model="Upload", action=AuditEntry.Action.IMPORT)
    assert audit.user == coop.east_user and audit.after["新增台账条目"] == 2
    page = _client(coop.east_user).get(f"/imports/{upload.pk}/").content.decode()
    assert (
        'id="import-result"' in page and f"/cooperation/pairings/{coop.district.pk}/2019/" in page
    )
    with pytest.raises(uploads.UploadError, match="已经导入"):
        uploads.upload_confirm(user=coop.east_user, upload=upload)


def test_a_row_refused_at_the_confirmation_writes_nothing_at_all(coop, monkeypatch):
    upload = _create(coop.east_user, ledger_xlsx(GOOD))
    real = importing.ledger_entry_add
    calls = []

    def second_fails(**kw: Any) -> Any:
        calls.append(kw)
        if len(calls) == 2:
            raise CooperationError("对方已撤销结对")
        return real(**kw)

    monkeypatch.setattr(importing, "ledger_entry_add", second_fails)
    upload = uploads.upload_confirm(user=coop.east_user, upload=upload)
    assert len(calls) == 2  # the first row was written, then rolled back with the second
    assert upload.status == UploadStatus.REJECTED
    assert [(p["row"], p["reason"]) for p in upload.result["problems"]] == [(3, "对方已撤销结对")]
    assert not LedgerEntry.objects.exists()
    assert AuditEntry.objects.filter(model="LedgerEntry").count() == 0


def test_the_api_uploads_a_ledger_with_its_kind_and_confirms_it(coop):
    c = _client(coop.west_user)
    r = c.post(
        "/api/registry/imports/",
        {"file": SimpleUploadedFile("台账.xlsx", ledger_xlsx(GOOD)), "kind": LEDGER_KIND},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind_title"] == "东西部扶贫协作台账" and body["status"] == "checked"
    assert body["report"]["counts"]["将新增台账条目"] == 2
    assert not LedgerEntry.objects.exists()
    assert _client(coop.east_user).get(f"/api/registry/imports/{body['id']}/").status_code == 404
    r = c.post(f"/api/registry/imports/{body['id']}/confirm/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert set(LedgerEntry.objects.values_list("entered_by", flat=True)) == {"west"}
    bad = c.post(
        "/api/registry/imports/",
        {"file": SimpleUploadedFile("台账.xlsx", ledger_xlsx(GOOD)), "kind": "nonsense"},
    )
    assert bad.status_code == 400 and "文件类型" in bad.json()["detail"]
