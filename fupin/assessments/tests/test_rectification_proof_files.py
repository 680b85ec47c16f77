"""Proof files of a rectification (整改证明材料): the county officer attaches photos, PDF, DOCX or
XLSX on the feedback page and through the API; bad files are refused by name with nothing kept;
the files are listed and downloaded by whoever sees the rectification, and every upload and
download is audited."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Evidence, Rectification
from fupin.assessments.services import (
    campaign_transition,
    feedback_list_build,
    rectification_open,
)
from fupin.assessments.services.followup import PROOF_MAX_BYTES
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import body, confirmed_problem, decide, scoped
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


@pytest.fixture
def rect(w: World) -> Rectification:
    confirmed_problem(w)
    decide(w)
    fl = feedback_list_build(
        campaign=w.campaign, province=Region.objects.get(code="620000000000"), user=w.working_group
    )
    campaign_transition(campaign=w.campaign, to="feedback", user=w.working_group)
    return rectification_open(
        item=fl.items.get(), owner="岷县扶贫办", deadline=dt.date(2030, 6, 30), user=w.working_group
    )


def upload(name: str, content: bytes, kind: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, content, content_type=kind)


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def feedback(w: World) -> str:
    return f"/assessments/{w.campaign.pk}/feedback/"


# --- the page -------------------------------------------------------------------------------------


def test_the_county_officer_submits_with_files_and_the_working_group_downloads_them(
    client: Any, w: World, rect: Rectification
):
    client.force_login(w.county_officer)
    page = body(client.get(feedback(w)))
    assert 'name="files"' in page and "仅上传材料（暂不提交）" in page
    response = client.post(
        f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/act/",
        {
            "action": "submit",
            "proof_text": "资金已拨付到户",
            "files": [upload("银行流水.pdf", PDF), upload("到户照片.png", PNG, "image/png")],
        },
    )
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "submitted"
    files = list(rect.proof_files.order_by("id"))
    assert [(f.original_name, f.kind) for f in files] == [
        ("银行流水.pdf", "document"),
        ("到户照片.png", "photo"),
    ]
    created = AuditEntry.objects.filter(model="Evidence", action="create", user=w.county_officer)
    assert created.count() == 2

    client.force_login(w.working_group)
    listing = body(client.get(feedback(w)))
    assert "银行流水.pdf" in listing and "到户照片.png" in listing
    assert 'name="files"' not in listing  # only the county officer uploads
    url = f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/files/{files[0].pk}/"
    assert url in listing
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(
        model="Evidence", object_key=str(files[0].pk), action="event", user=w.working_group
    ).exists()


def test_a_bad_file_is_refused_by_name_and_nothing_is_kept(
    client: Any, w: World, rect: Rectification, settings: Any
):
    client.force_login(w.county_officer)
    url = f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/act/"
    response = client.post(
        url,
        {
            "action": "submit",
            "proof_text": "已整改",
            "files": [upload("流水.pdf", PDF), upload("说明.exe", b"MZ\x90\x00")],
        },
    )
    assert response.status_code == 409  # the submission refused, with the file named
    assert "证明材料“说明.exe”不是照片" in body(response)
    rect.refresh_from_db()
    assert rect.status == "open" and not Evidence.objects.filter(rectification=rect).exists()
    # A file whose content is not what its name says.
    response = client.post(
        f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/files/",
        {"files": [upload("台账.xlsx", b"not a workbook")]},
    )
    assert response.status_code == 400 and "内容与文件类型不符" in body(response)
    assert not Evidence.objects.filter(rectification=rect).exists()


def test_a_file_over_the_limit_is_refused_with_the_limit(w: World, rect: Rectification):
    big = upload("大照片.jpg", b"\xff\xd8\xff" + b"0" * PROOF_MAX_BYTES, "image/jpeg")
    office = api(w.county_officer)
    response = office.post(
        f"/api/campaigns/{w.campaign.pk}/rectifications/{rect.pk}/files/",
        {"files": [big]},
        format="multipart",
    )
    assert response.status_code == 400
    assert (
        f"证明材料“大照片.jpg”超过 {PROOF_MAX_BYTES // (1024 * 1024)} MB"
        in (response.json()["detail"])
    )
    assert not Evidence.objects.filter(rectification=rect).exists()


def test_the_neighbouring_office_sees_neither_the_rectification_nor_its_files(
    client: Any, w: World, rect: Rectification
):
    office = api(w.county_officer)
    base = f"/api/campaigns/{w.campaign.pk}/rectifications/{rect.pk}/files/"
    stored = office.post(base, {"files": [upload("流水.pdf", PDF)]}, format="multipart")
    assert stored.status_code == 201
    (file_,) = stored.json()["files"]
    for user in (w.neighbour_officer, w.enumerator_user):
        other = api(user)
        assert other.get(base).status_code == 404
        assert other.get(file_["download"]).status_code == 404
        assert other.post(
            base, {"files": [upload("x.pdf", PDF)]}, format="multipart"
        ).status_code in (
            403,
            404,
        )
        client.force_login(user)
        page_url = f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/files/{file_['id']}/"
        assert client.get(page_url).status_code == 404
    assert Evidence.objects.filter(rectification=rect).count() == 1


# --- the API --------------------------------------------------------------------------------------


def test_the_office_uploads_through_the_api_then_submits_and_the_group_downloads(
    w: World, rect: Rectification
):
    office = api(w.county_officer)
    base = f"/api/campaigns/{w.campaign.pk}/rectifications/{rect.pk}/files/"
    stored = office.post(base, {"files": [upload("流水.pdf", PDF)]}, format="multipart")
    assert stored.status_code == 201
    again = office.post(base, {"files": [upload("流水.pdf", PDF)]}, format="multipart")
    assert again.status_code == 201 and len(again.json()["files"]) == 1  # the same file once
    (file_,) = again.json()["files"]
    assert (file_["name"], file_["kind_label"], file_["size"]) == ("流水.pdf", "文件", len(PDF))
    # The working group may not upload the county's proof.
    refused = api(w.working_group).post(base, {"files": [upload("y.pdf", PDF)]}, format="multipart")
    assert refused.status_code == 403 and "县级干部" in refused.json()["detail"]
    # Submitting with no text: the files are the proof.
    moved = office.post(
        f"/api/campaigns/{w.campaign.pk}/rectifications/{rect.pk}/transition/",
        {"action": "submit"},
        format="json",
    )
    assert moved.status_code == 200 and moved.json()["status"] == "submitted"
    assert [f["name"] for f in moved.json()["files"]] == ["流水.pdf"]
    # Once submitted, no more files until it is sent back.
    late = office.post(base, {"files": [upload("z.pdf", PDF)]}, format="multipart")
    assert late.status_code == 409 and "不能再补充证明材料" in late.json()["detail"]
    group = api(w.working_group)
    listed = group.get(f"/api/campaigns/{w.campaign.pk}/feedback/").json()
    assert listed[0]["rectification"]["files"][0]["download"] == file_["download"]
    download = group.get(file_["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEntry.objects.filter(
        model="Evidence", object_key=str(file_["id"]), action="event", user=w.working_group
    ).exists()
