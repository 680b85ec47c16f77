"""部门提供情况: department staff of the campaign file problems by form or XLSX list (a kind of the
one web upload); a sampled household's problem enters 五核 through problem_raise; nobody else
files, and reads are scoped."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import DepartmentReport, Problem, ProblemStep
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.department_reports import (
    department_report_file,
    department_reports_for,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import ID_NUMBER, MASKED, body, scoped
from fupin.assessments.uploads import DEPARTMENT_LIST_KIND
from fupin.registry import uploads
from fupin.registry.models import Upload, UploadStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


def list_upload(world: World, data: bytes, name: str = "a.xlsx", user: Any = None) -> Upload:
    return uploads.upload_create(
        user=user or world.department,
        name=name,
        chunks=[data],
        size=len(data),
        kind=DEPARTMENT_LIST_KIND,
        options={"campaign": str(world.campaign.pk)},
    )


def xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["问题类别", "县", "户编号或身份证号", "问题描述", "提供部门"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_department_files_a_sampled_household_which_enters_five_checks(world: World):
    scoped(world)
    filed = department_report_file(
        campaign=world.campaign,
        user=world.department,
        kind="education",
        county=world.county,
        description="适龄儿童辍学未劝返",
        household_key=ID_NUMBER,
    )
    assert filed.report.household == world.household
    assert filed.report.department == "教育部门"
    assert filed.problem is not None and filed.problem.department_report == filed.report
    assert filed.problem.status == "pending_initial"
    raise_step = ProblemStep.objects.get(problem=filed.problem)
    assert raise_step.role == "department" and raise_step.user == world.department
    assert AuditEntry.objects.filter(model__icontains="departmentreport").exists()


def test_a_household_outside_the_sample_is_listed_but_not_raised(world: World):
    scoped(world)
    filed = department_report_file(
        campaign=world.campaign,
        user=world.department,
        kind="water",
        county="岷县",
        description="全村饮水不达标",
    )
    assert filed.problem is None and filed.report.kind == "water"


@pytest.mark.parametrize("who", ["working_group", "enumerator_user", "county_officer"])
def test_only_department_staff_of_the_campaign_file(world: World, who: str):
    scoped(world)
    with pytest.raises(AssessmentError, match="部门人员"):
        department_report_file(
            campaign=world.campaign,
            user=getattr(world, who),
            kind="health",
            county=world.county,
            description="x",
        )
    assert not DepartmentReport.objects.exists()


def test_bad_input_names_the_field(world: World):
    scoped(world)
    with pytest.raises(AssessmentError, match="问题类别"):
        department_report_file(
            campaign=world.campaign,
            user=world.department,
            kind="roads",
            county=world.county,
            description="x",
        )
    with pytest.raises(AssessmentError, match="户编号或身份证号"):
        department_report_file(
            campaign=world.campaign,
            user=world.department,
            kind="housing",
            county=world.county,
            description="危房",
            household_key="6211261000019999",
        )


def test_list_dry_run_reports_rows_then_confirm_files_all(
    world: World, client, django_capture_on_commit_callbacks
):
    scoped(world)
    data = xlsx(
        [
            ["住房安全", "岷县", ID_NUMBER, "危房未改造", ""],
            ["饮水", "621126", "", "水质不达标", "水务局"],
            ["道路", "漳县", "", "", ""],
        ]
    )
    upload = list_upload(world, data)
    report = upload.report
    assert report["outcome"] == "rejected"
    assert {p["row"] for p in report["problems"]} == {4}
    assert {p["column"] for p in report["problems"]} == {"问题类别", "问题描述"}
    first = report["preview"]["rows"][0]
    assert MASKED in first[3] and first[4] == "是，将进入五核"
    assert ID_NUMBER not in str(report)
    assert not DepartmentReport.objects.exists()
    with pytest.raises(uploads.UploadError, match="试运行有错误"):  # all or nothing
        uploads.upload_confirm(user=world.department, upload=upload)
    assert not DepartmentReport.objects.exists()
    # The same upload page, report and confirmation as every other kind of file.
    client.force_login(world.department)
    good = xlsx([["住房安全", "岷县", ID_NUMBER, "危房未改造", ""]])
    r = client.post(
        "/imports/",
        {
            "kind": DEPARTMENT_LIST_KIND,
            "option_campaign": str(world.campaign.pk),
            "file": SimpleUploadedFile("b.xlsx", good),
        },
    )
    assert r.status_code == 302, body(r)
    page = body(client.get(r["Location"]))
    assert 'id="dry-run"' in page and 'id="preview"' in page and world.campaign.name in page
    assert MASKED in page and ID_NUMBER not in page and not DepartmentReport.objects.exists()
    done = Upload.objects.get(filename="b.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/imports/{done.pk}/confirm/")
    done.refresh_from_db()
    assert done.status == UploadStatus.DONE and done.result["counts"]["进入五核的疑点问题"] == 1
    assert not done.file
    assert Problem.objects.get().department_report.source_file == "b.xlsx"
    audit = AuditEntry.objects.get(model="Upload", action=AuditEntry.Action.IMPORT)
    assert audit.user == world.department and audit.after["已登记"] == 1
    page = body(client.get(f"/imports/{done.pk}/"))
    assert f"/assessments/{world.campaign.pk}/department-reports/" in page
    reports_page = body(client.get(f"/assessments/{world.campaign.pk}/department-reports/"))
    assert "b.xlsx" in reports_page and "危房未改造" in reports_page


def test_the_list_kind_is_offered_to_a_department_checker_and_not_to_an_enumerator(
    world: World, client
):
    scoped(world)
    codes = [k.code for k in uploads.kinds_for(world.department)]
    assert DEPARTMENT_LIST_KIND in codes
    assert DEPARTMENT_LIST_KIND not in [k.code for k in uploads.kinds_for(world.enumerator_user)]
    client.force_login(world.department)
    page = body(client.get(f"/imports/?kind={DEPARTMENT_LIST_KIND}&campaign={world.campaign.pk}"))
    assert f'value="{DEPARTMENT_LIST_KIND}" selected' in page
    assert f'value="{world.campaign.pk}" selected' in page and "考核任务" in page
    client.force_login(world.enumerator_user)
    assert client.get("/imports/").status_code == 403
    data = xlsx([["住房安全", "岷县", ID_NUMBER, "危房未改造", ""]])
    with pytest.raises(uploads.UploadDenied, match="部门人员"):
        list_upload(world, data, user=world.enumerator_user)
    r = client.post(
        "/api/registry/imports/",
        {
            "file": SimpleUploadedFile("a.xlsx", data),
            "kind": DEPARTMENT_LIST_KIND,
            "options": f'{{"campaign": {world.campaign.pk}}}',
        },
    )
    assert r.status_code == 403
    assert not Upload.objects.exists() and not DepartmentReport.objects.exists()


def test_a_list_needs_a_campaign_the_department_may_file_for(world: World):
    scoped(world)
    data = xlsx([["住房安全", "岷县", ID_NUMBER, "危房未改造", ""]])
    with pytest.raises(uploads.UploadError, match="考核任务：请选择"):
        uploads.upload_create(
            user=world.department,
            name="a.xlsx",
            chunks=[data],
            size=len(data),
            kind=DEPARTMENT_LIST_KIND,
        )
    with pytest.raises(uploads.UploadError, match="考核任务"):
        uploads.upload_create(
            user=world.department,
            name="a.xlsx",
            chunks=[data],
            size=len(data),
            kind=DEPARTMENT_LIST_KIND,
            options={"campaign": str(world.campaign.pk + 1000)},
        )
    assert not Upload.objects.exists()


def test_the_api_uploads_and_confirms_a_list(world: World, client):
    scoped(world)
    client.force_login(world.department)
    r = client.post(
        "/api/registry/imports/",
        {
            "file": SimpleUploadedFile("c.xlsx", xlsx([["饮水", "岷县", "", "水质不达标", ""]])),
            "kind": DEPARTMENT_LIST_KIND,
            "options": f'{{"campaign": {world.campaign.pk}}}',
        },
    )
    assert r.status_code == 201, r.content
    state = r.json()
    assert state["status"] == "checked" and state["options_text"] == {
        "考核任务": world.campaign.name
    }
    assert not DepartmentReport.objects.exists()
    r = client.post(
        f"/api/registry/imports/{state['id']}/confirm/", {}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert DepartmentReport.objects.get().source_file == "c.xlsx"


def test_reads_are_scoped_to_the_campaigns_department_and_working_group(world: World):
    scoped(world)
    department_report_file(
        campaign=world.campaign,
        user=world.department,
        kind="health",
        county=world.county,
        description="大病未报销",
    )
    assert department_reports_for(world.department, world.campaign).count() == 1
    assert department_reports_for(world.working_group, world.campaign).count() == 1
    assert department_reports_for(world.enumerator_user, world.campaign).count() == 0
    assert department_reports_for(world.county_officer, world.campaign).count() == 0


def test_page_and_api(client, world: World):
    scoped(world)
    url = f"/assessments/{world.campaign.pk}/department-reports/"
    client.force_login(world.department)
    r = client.post(
        url,
        {
            "kind": "education",
            "county": world.county.code,
            "household_key": ID_NUMBER,
            "description": "辍学",
        },
    )
    assert r.status_code == 302
    page = body(client.get(url))
    assert MASKED in page and ID_NUMBER not in page and "义务教育" in page
    r = client.post(url, {"kind": "", "county": world.county.code, "description": ""})
    assert r.status_code == 400 and "问题类别" in body(r)
    api = f"/api/campaigns/{world.campaign.pk}/department-reports/"
    r = client.post(
        api,
        {"kind": "water", "county": "岷县", "description": "饮水"},
        content_type="application/json",
    )
    assert r.status_code == 201, r.content
    assert r.json()["kind_label"].startswith("饮水安全")
    assert len(client.get(api).json()) == 2
    assert (
        client.get(f"/assessments/{world.campaign.pk}/department-reports/template.xlsx").status_code
        == 200
    )
    client.force_login(world.enumerator_user)
    assert client.post(
        api,
        {"kind": "water", "county": "岷县", "description": "x"},
        content_type="application/json",
    ).status_code in (403, 404)
    assert client.get(url).status_code in (403, 404)
    client.force_login(world.working_group)
    assert client.get(url).status_code == 200
    r = client.post(
        api,
        {"kind": "water", "county": "岷县", "description": "x"},
        content_type="application/json",
    )
    assert r.status_code == 403
