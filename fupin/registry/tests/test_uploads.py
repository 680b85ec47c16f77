"""Web uploads of registry files and department lists: the service, the pages and the API
(dry run → report → confirm → one transaction; scope, stale confirms, keep-good, saved mappings)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.regions.models import Level, Region
from fupin.registry import uploads
from fupin.registry.models import Household, ImportMapping, Upload, UploadStatus
from fupin.registry.tests.conftest import COUNTY, VILLAGE_A, Rows, Tree, write_xlsx

pytestmark = pytest.mark.django_db
PASSWORD = "Upload-Test-Pass-1"


@pytest.fixture(autouse=True)
def _inline(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Uploads under a temporary folder; the confirmation runs in the test's thread (the test
    database is one transaction a background thread could not see)."""
    settings.DATA_DIR = tmp_path / "data"
    monkeypatch.setattr(uploads, "RUN_INLINE", True)


def _office(name: str, role: str, code: str) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(name, password=PASSWORD)
    membership_grant(user=user, role=role, region=code)
    return user


@pytest.fixture
def county_office(tree: Tree) -> AbstractBaseUser:
    return _office("minxian", Role.COUNTY_OFFICE, COUNTY)


@pytest.fixture
def other_county_office(tree: Tree) -> AbstractBaseUser:
    other = Region.objects.filter(level=Level.COUNTY).exclude(code=COUNTY).order_by("code")[0]
    return _office("neighbour", Role.COUNTY_OFFICE, other.code)


def _xlsx(tmp_path: Path, households: list[tuple[list[dict[str, Any]], list[dict[str, Any]]]]):
    members = [m for ms, _ in households for m in ms]
    events = [e for _, es in households for e in es]
    path = write_xlsx(tmp_path / "县导入.xlsx", members, events)
    return path.read_bytes()


def _create(user: AbstractBaseUser, data: bytes, name: str = "县导入.xlsx", **kw: Any) -> Upload:
    return uploads.upload_create(user=user, name=name, chunks=[data], size=len(data), **kw)


def _two_households(rows: Rows, **second: Any) -> list[Any]:
    return [rows.household("H001"), rows.household("H002", **second)]


# --- the service ----------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_confirm_writes_all(
    county_office, rows, tmp_path, django_capture_on_commit_callbacks
):
    upload = _create(county_office, _xlsx(tmp_path, _two_households(rows)))
    assert upload.status == UploadStatus.CHECKED
    assert upload.report["outcome"] == "written"
    assert upload.report["households_new"] == 2
    assert Household.objects.count() == 0
    stored = Path(upload.file.path)
    assert stored.is_file()
    with django_capture_on_commit_callbacks(execute=True):
        upload = uploads.upload_confirm(user=county_office, upload=upload)
    assert upload.status == UploadStatus.DONE
    assert not stored.exists() and not upload.file  # the IDs are in the registry, no copy kept
    assert upload.result["households_new"] == 2
    assert set(Household.objects.values_list("household_no", flat=True)) == {"H001", "H002"}
    outcome = AuditEntry.objects.get(model="Upload", action=AuditEntry.Action.IMPORT)
    assert outcome.user == county_office and outcome.after["新增户"] == 2
    assert AuditEntry.objects.filter(model="Upload", action=AuditEntry.Action.CREATE).count() == 1
    with pytest.raises(uploads.UploadError, match="已经导入"):
        uploads.upload_confirm(user=county_office, upload=upload)


def test_a_user_without_an_office_may_not_upload(tree, rows, tmp_path):
    clerk = get_user_model().objects.create_user("clerk", password=PASSWORD)
    village = _office("cun", Role.VILLAGE_OFFICE, VILLAGE_A)
    for user in (clerk, village):
        with pytest.raises(uploads.UploadDenied):
            _create(user, _xlsx(tmp_path, _two_households(rows)))
    assert not Upload.objects.exists()


def test_a_village_outside_the_users_scope_is_refused_row_by_row(
    other_county_office, rows, tmp_path
):
    upload = _create(other_county_office, _xlsx(tmp_path, _two_households(rows)))
    outside = [p for p in upload.report["problems"] if "不在您管辖的区域内" in p["reason"]]
    # Three members per household, each row named with its Excel row number.
    assert sorted(p["row"] for p in outside) == [2, 3, 4, 5, 6, 7]
    assert upload.report["outcome"] == "rejected"
    with pytest.raises(uploads.UploadError, match="试运行有错误"):
        uploads.upload_confirm(user=other_county_office, upload=upload)
    assert Household.objects.count() == 0


def test_a_confirm_after_the_registry_changed_is_refused(county_office, rows, tmp_path, household):
    upload = _create(county_office, _xlsx(tmp_path, _two_households(rows)))
    audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=household, reason="他人修改")
    with pytest.raises(uploads.UploadError, match="重新试运行"):
        uploads.upload_confirm(user=county_office, upload=upload)
    assert not Household.objects.filter(household_no__in=["H001", "H002"]).exists()
    uploads.upload_check(user=county_office, upload=upload)  # the same stored file, no upload
    assert uploads.upload_confirm(user=county_office, upload=upload).status == UploadStatus.DONE


def test_a_confirm_of_a_changed_file_is_refused(county_office, rows, tmp_path):
    upload = _create(county_office, _xlsx(tmp_path, _two_households(rows)))
    Path(upload.file.path).write_bytes(b"changed")
    with pytest.raises(uploads.UploadError, match="改动"):
        uploads.upload_confirm(user=county_office, upload=upload)
    assert Household.objects.count() == 0


def test_keep_good_writes_the_good_households_only(county_office, rows, tmp_path):
    data = _xlsx(tmp_path, _two_households(rows, **{"识别年度": "20155"}))
    upload = _create(county_office, data)
    assert upload.report["outcome"] == "rejected" and upload.report["problems"]
    with pytest.raises(uploads.UploadError):
        uploads.upload_confirm(user=county_office, upload=upload)
    upload = uploads.upload_confirm(user=county_office, upload=upload, keep_good=True)
    assert upload.status == UploadStatus.DONE
    assert upload.result["households_skipped"] == 1
    assert list(Household.objects.values_list("household_no", flat=True)) == ["H001"]


def test_the_confirmed_mapping_is_saved_for_the_office_and_offered_next_time(
    county_office, rows, tmp_path
):
    from fupin.registry.io.columns import MEMBER_HEADERS

    headers = [("户号" if h == "户编号" else h) for h in MEMBER_HEADERS]
    ms, events = rows.household("H001")
    members = [{("户号" if k == "户编号" else k): v for k, v in m.items()} for m in ms]
    data = write_xlsx(tmp_path / "own.xlsx", members, events, headers).read_bytes()
    first = _create(county_office, data, name="own.xlsx")
    assert first.report["outcome"] == "rejected"
    assert first.report["unknown_headers"] == ["户号"]
    uploads.upload_check(
        user=county_office, upload=first, column_map={"户号": "户编号"}, save_mapping=True
    )
    assert first.report["outcome"] == "written"
    assert ImportMapping.objects.get(source="户号").target == "户编号"
    second = _create(county_office, data, name="own.xlsx")
    assert second.report["mapping_offered"] is True
    assert second.column_map == {"户号": "户编号"}
    assert second.report["outcome"] == "written"


def test_an_interrupted_import_changes_nothing(county_office, rows, tmp_path, monkeypatch):
    upload = _create(county_office, _xlsx(tmp_path, _two_households(rows)))

    def killed(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("killed")

    monkeypatch.setattr(uploads, "_finish", killed)
    with pytest.raises(RuntimeError):
        uploads.upload_confirm(user=county_office, upload=upload)
    upload.refresh_from_db()
    assert upload.status == UploadStatus.FAILED
    assert Household.objects.count() == 0


def _list_csv(ids: list[str]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["姓名", "身份证号", "死亡日期"])
    for i, n in enumerate(ids):
        w.writerow([f"某{i}", n, "2020-01-01"])
    return out.getvalue().encode("utf-8")


def test_a_department_list_keeps_only_keys_and_shows_the_matches(
    county_office, rows, tmp_path, django_capture_on_commit_callbacks
):
    uploads.upload_confirm(
        user=county_office, upload=_create(county_office, _xlsx(tmp_path, _two_households(rows)))
    )
    member = Household.objects.get(household_no="H002").members.order_by("id")[0].id_number
    data = _list_csv([member, "621126198001010010", "12345"])
    upload = _create(county_office, data, name="deaths.csv", kind="deaths")
    assert upload.report["rows_read"] == 3
    assert [(b["row"], b["reason"]) for b in upload.report["bad_rows"]] == [
        (3, "证件号码校验位错误"),
        (4, "证件号码格式不对（应为 18 位，前 17 位为数字）"),
    ]
    path = Path(upload.file.path)
    with django_capture_on_commit_callbacks(execute=True):
        upload = uploads.upload_confirm(user=county_office, upload=upload)
    assert upload.status == UploadStatus.DONE
    [hit] = upload.result["households"]
    assert hit["household_no"] == "H002" and hit["flag"] and hit["rows"] == [2]
    assert "死亡" in hit["reasons"][0]
    assert len(upload.keys) == 1 and member not in str(upload.keys)
    row = Upload.objects.filter(pk=upload.pk).values_list("report", "result", "keys")[0]
    assert member not in str(row) and member[:17] not in str(row)
    assert not path.exists()
    page = _client(county_office).get(f"/imports/{upload.pk}/").content.decode()
    assert 'id="comparison"' in page and "需核实" in page and "H002" in page
    assert member not in page


# --- the pages --------------------------------------------------------------------------------


def _client(user: AbstractBaseUser) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_pages_dry_run_report_confirm_and_result(county_office, rows, tmp_path):
    c = _client(county_office)
    assert c.get("/imports/").status_code == 200
    data = _xlsx(tmp_path, _two_households(rows, **{"识别年度": "20155"}))
    r = c.post(
        "/imports/",
        {"kind": "registry", "file": SimpleUploadedFile("县导入.xlsx", data)},
    )
    assert r.status_code == 302
    page = c.get(r["Location"]).content.decode()
    assert "试运行报告" in page and "识别年度" in page and 'id="problems"' in page
    upload = Upload.objects.get()
    xlsx = c.get(f"/imports/{upload.pk}/problems.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    header, first = list(sheet.iter_rows(values_only=True))[:2]
    assert header[:3] == ("表", "行号", "列") and first[2] == "识别年度"
    refused = c.post(f"/imports/{upload.pk}/confirm/", follow=True)
    assert "试运行有错误" in refused.content.decode()
    done = c.post(f"/imports/{upload.pk}/confirm/", {"keep_good": "on"}, follow=True)
    text = done.content.decode()
    assert 'id="import-result"' in text and "查看农户" in text
    assert Household.objects.filter(household_no="H001").exists()


def test_pages_refuse_an_office_that_may_not_and_a_file_too_large(tree, county_office, monkeypatch):
    clerk = get_user_model().objects.create_user("clerk", password=PASSWORD)
    assert _client(clerk).get("/imports/").status_code == 403
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 10)
    r = _client(county_office).post(
        "/imports/",
        {"kind": "registry", "file": SimpleUploadedFile("big.csv", b"x" * 100)},
    )
    assert r.status_code == 400 and "超过上限" in r.content.decode()


def test_pages_offer_the_mapping_form_for_unknown_headers(county_office, rows, tmp_path):
    from fupin.registry.io.columns import MEMBER_HEADERS

    headers = [("户号" if h == "户编号" else h) for h in MEMBER_HEADERS]
    ms, events = rows.household("H001")
    members = [{("户号" if k == "户编号" else k): v for k, v in m.items()} for m in ms]
    data = write_xlsx(tmp_path / "own.xlsx", members, events, headers).read_bytes()
    c = _client(county_office)
    r = c.post("/imports/", {"kind": "registry", "file": SimpleUploadedFile("own.xlsx", data)})
    page = c.get(r["Location"]).content.decode()
    assert 'id="mapping-form"' in page and "户号" in page
    upload = Upload.objects.get()
    c.post(
        f"/imports/{upload.pk}/check/",
        {"mapping": "1", "map_0": "户编号", "save_mapping": "on"},
    )
    upload.refresh_from_db()
    assert upload.report["outcome"] == "written"
    assert ImportMapping.objects.filter(office__code=COUNTY, source="户号").exists()


# --- the API ------------------------------------------------------------------------------------


def test_api_upload_poll_and_confirm(county_office, other_county_office, rows, tmp_path):
    c = _client(county_office)
    data = _xlsx(tmp_path, _two_households(rows))
    r = c.post(
        "/api/registry/imports/",
        {"file": SimpleUploadedFile("县导入.xlsx", data), "dry_run": "true"},
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "checked" and body["report"]["households_new"] == 2
    pk = body["id"]
    assert _client(other_county_office).get(f"/api/registry/imports/{pk}/").status_code == 404
    r = c.post(f"/api/registry/imports/{pk}/confirm/", {}, content_type="application/json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert c.get(f"/api/registry/imports/{pk}/").json()["result"]["households_new"] == 2
    again = c.post(f"/api/registry/imports/{pk}/confirm/", {}, content_type="application/json")
    assert again.status_code == 409 and "已经导入" in again.json()["detail"]


def test_api_refuses_a_user_without_an_office_and_a_bad_kind(tree, county_office, rows):
    clerk = get_user_model().objects.create_user("clerk", password=PASSWORD)
    r = _client(clerk).post(
        "/api/registry/imports/", {"file": SimpleUploadedFile("a.csv", b"a,b\n1,2\n")}
    )
    assert r.status_code == 403
    r = _client(county_office).post(
        "/api/registry/department-lists/",
        {"file": SimpleUploadedFile("a.csv", b"a,b\n1,2\n"), "kind": "nonsense"},
    )
    assert r.status_code == 400 and "名单类型" in r.json()["detail"]


def test_api_department_list_without_dry_run(county_office, tree):
    r = _client(county_office).post(
        "/api/registry/department-lists/",
        {
            "file": SimpleUploadedFile("低保.csv", _list_csv(["621126198001010019"])),
            "kind": "dibao",
            "dry_run": "false",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "done" and body["result"]["rows_read"] == 1
    assert body["result"]["kind_title"] == "农村低保对象名单"


def test_a_running_import_shows_its_progress_and_a_killed_one_shows_interrupted(
    county_office, rows, tmp_path
):
    upload = _create(county_office, _xlsx(tmp_path, _two_households(rows)))
    Upload.objects.filter(pk=upload.pk).update(status=UploadStatus.RUNNING)
    uploads._write_progress(upload.pk, 40, 100, "正在写入")
    c = _client(county_office)
    r = c.get(f"/imports/{upload.pk}/")
    assert r["Refresh"] == "1"
    assert 'id="progress"' in r.content.decode() and "40 / 100" in r.content.decode()
    api = c.get(f"/api/registry/imports/{upload.pk}/").json()["progress"]
    assert (api["done"], api["total"], api["running"]) == (40, 100, True)
    # No worker and no progress for longer than STALE_AFTER: the process was killed.
    path = uploads._progress_path(upload.pk)
    old = (timezone.now() - uploads.STALE_AFTER - dt.timedelta(minutes=1)).timestamp()
    os.utime(path, (old, old))
    r = c.get(f"/imports/{upload.pk}/")
    assert "Refresh" not in r and 'id="interrupted"' in r.content.decode()
    upload.refresh_from_db()
    uploads.upload_check(user=county_office, upload=upload)  # check again, then confirm
    assert uploads.upload_confirm(user=county_office, upload=upload).status == UploadStatus.DONE
