"""Which side enters an uploaded ledger (台账录入方): an office over both sides of a pairing says
which on the import page, the upload page or the API, and each file lands on its side; an office
choosing a side it is not is refused with nothing written; the upload's page shows the side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.cooperation.models import LedgerEntry
from fupin.cooperation.tests.test_uploads import GOOD, ledger_xlsx
from fupin.cooperation.uploads import LEDGER_KIND
from fupin.regions.models import Region
from fupin.registry import uploads
from fupin.registry.models import Upload, UploadStatus


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def both(coop: Any) -> Any:
    """An office on both sides of the 津南区↔秦安县 pairing."""
    user = get_user_model().objects.create_user("both", password="x")
    for code in ("120112000000", "620522000000"):
        membership_grant(user=user, role=Role.COUNTY_OFFICE, region=Region.objects.get(code=code))
    return user


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _upload(user: Any, side: str | None) -> Upload:
    data = ledger_xlsx(GOOD)
    return uploads.upload_create(
        user=user,
        name="台账.xlsx",
        chunks=[data],
        size=len(data),
        kind=LEDGER_KIND,
        options={"side": side} if side else None,
    )


def test_an_office_of_both_sides_must_say_which(coop, both):
    upload = _upload(both, None)
    assert upload.report["outcome"] == "rejected"
    assert "请指明代表哪一方" in upload.report["problems"][0]["reason"]
    with pytest.raises(uploads.UploadError, match="试运行有错误"):
        uploads.upload_confirm(user=both, upload=upload)
    assert not LedgerEntry.objects.exists()


def test_an_office_of_both_sides_uploads_as_east_and_as_west(coop, both):
    c = _client(both)
    # As east, on the import page of the cooperation app: its side goes with the upload.
    r = c.post(
        "/cooperation/import/",
        {
            "kind": "ledger",
            "side": "east",
            "file": SimpleUploadedFile("东部.xlsx", ledger_xlsx(GOOD)),
        },
    )
    assert r.status_code == 302, r.content.decode()
    east = Upload.objects.get(filename="东部.xlsx")
    assert east.options == {"side": "east"} and east.report["outcome"] == "written"
    page = c.get(r["Location"]).content.decode()
    assert "台账录入方" in page and "东部（帮扶方）" in page
    c.post(f"/imports/{east.pk}/confirm/")
    # As west, on the upload page.
    r = c.post(
        "/imports/",
        {
            "kind": LEDGER_KIND,
            "option_side": "west",
            "file": SimpleUploadedFile("西部.xlsx", ledger_xlsx(GOOD)),
        },
    )
    assert r.status_code == 302, r.content.decode()
    west = Upload.objects.get(filename="西部.xlsx")
    assert "西部（受帮扶方）" in c.get(r["Location"]).content.decode()
    c.post(f"/imports/{west.pk}/confirm/")
    east.refresh_from_db()
    west.refresh_from_db()
    assert (east.status, west.status) == (UploadStatus.DONE, UploadStatus.DONE)
    by_side = sorted(LedgerEntry.objects.values_list("entered_by", "source"))
    assert by_side == [("east", "东部.xlsx")] * 2 + [("west", "西部.xlsx")] * 2
    created = AuditEntry.objects.filter(model="Upload", action=AuditEntry.Action.CREATE)
    assert sorted(a.after["台账录入方"] for a in created) == ["东部（帮扶方）", "西部（受帮扶方）"]
    imported = AuditEntry.objects.filter(model="Upload", action=AuditEntry.Action.IMPORT)
    assert sorted(a.after["台账录入方"] for a in imported) == ["东部（帮扶方）", "西部（受帮扶方）"]


def test_the_api_takes_the_side_and_shows_it(coop, both):
    c = _client(both)
    r = c.post(
        "/api/registry/imports/",
        {
            "file": SimpleUploadedFile("台账.xlsx", ledger_xlsx(GOOD)),
            "kind": LEDGER_KIND,
            "options": '{"side": "west"}',
            "dry_run": "false",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "done" and body["options"] == {"side": "west"}
    assert body["options_text"] == {"台账录入方": "西部（受帮扶方）"}
    assert set(LedgerEntry.objects.values_list("entered_by", flat=True)) == {"west"}
    bad = c.post(
        "/api/registry/imports/",
        {
            "file": SimpleUploadedFile("台账.xlsx", ledger_xlsx(GOOD)),
            "kind": LEDGER_KIND,
            "options": '{"side": "north"}',
        },
    )
    assert bad.status_code == 400 and "台账录入方" in bad.json()["detail"]


def test_an_office_choosing_a_side_it_is_not_is_refused_with_nothing_written(coop):
    upload = _upload(coop.east_user, "west")
    assert upload.report["outcome"] == "rejected"
    reasons = [p["reason"] for p in upload.report["problems"]]
    assert reasons and all("西部（受帮扶方）的工作人员" in r for r in reasons), reasons
    with pytest.raises(uploads.UploadError, match="试运行有错误"):
        uploads.upload_confirm(user=coop.east_user, upload=upload)
    assert not LedgerEntry.objects.exists()
    assert not AuditEntry.objects.filter(model="LedgerEntry").exists()
    page = _client(coop.east_user).get(f"/imports/{upload.pk}/").content.decode()
    assert "您不是" in page and 'id="confirm"' not in page
    # The same refusal through the cooperation import page.
    r = _client(coop.east_user).post(
        "/cooperation/import/",
        {"kind": "ledger", "side": "west", "file": SimpleUploadedFile("x.xlsx", ledger_xlsx(GOOD))},
    )
    assert r.status_code == 302
    assert Upload.objects.get(filename="x.xlsx").report["outcome"] == "rejected"
    assert not LedgerEntry.objects.exists()
