"""部门提供情况: department staff of the campaign file problems by form or XLSX list; a sampled
household's problem enters 五核 through problem_raise; nobody else files, and reads are scoped."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import DepartmentReport, Problem, ProblemStep
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.department_reports import (
    department_list_import,
    department_report_file,
    department_reports_for,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import ID_NUMBER, MASKED, body, scoped

pytestmark = pytest.mark.django_db


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


def test_list_dry_run_reports_rows_then_confirm_files_all(world: World):
    scoped(world)
    data = xlsx(
        [
            ["住房安全", "岷县", ID_NUMBER, "危房未改造", ""],
            ["饮水", "621126", "", "水质不达标", "水务局"],
            ["道路", "漳县", "", "", ""],
        ]
    )
    report = department_list_import(
        data, campaign=world.campaign, user=world.department, dry_run=True, filename="a.xlsx"
    )
    assert [r.number for r in report.bad_rows] == [4]
    assert report.rows[0].key_shown == MASKED and report.rows[0].in_sample
    assert not DepartmentReport.objects.exists()
    refused = department_list_import(
        data, campaign=world.campaign, user=world.department, dry_run=False
    )
    assert not refused.filed and not DepartmentReport.objects.exists()  # all or nothing
    good = xlsx([r for r in [["住房安全", "岷县", ID_NUMBER, "危房未改造", ""]]])
    done = department_list_import(
        good, campaign=world.campaign, user=world.department, dry_run=False, filename="b.xlsx"
    )
    assert done.raised == 1 and Problem.objects.get().department_report.source_file == "b.xlsx"


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
