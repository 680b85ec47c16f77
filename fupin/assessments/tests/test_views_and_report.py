"""Campaign pages and the written report, on a simulated campaign."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from openpyxl import load_workbook

from fupin import synth
from fupin.assessments.report import report_write
from fupin.demo.loading import registry_load_synth
from fupin.demo.running import campaign_run_simulated
from fupin.regions.services import regions_load_poverty_counties

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcome(tmp_path: Any) -> Any:
    regions_load_poverty_counties(provinces={"甘肃省"})
    registry_load_synth(
        batches=synth.generate(synth.preset("demo", seed=5)), truth=tmp_path / "truth"
    )
    return campaign_run_simulated(seed=3, truth_dir=tmp_path / "truth")


def test_a_system_admin_sees_the_campaign_with_its_figures(
    client: Any, outcome: Any, system_admin: Any
) -> None:
    client.force_login(system_admin)
    assert outcome.campaign.name in client.get("/assessments/").content.decode()
    page = client.get(f"/assessments/{outcome.campaign.pk}/").content.decode()
    county = outcome.counties[0]
    assert county.name in page
    for label in ("错退率", "漏评率", "综合贫困发生率", "群众认可度"):
        assert label in page
    assert "不打分、不排队" in page
    assert "排名" not in page and "得分" not in page


def test_others_cannot_see_campaigns(client: Any, outcome: Any) -> None:
    assert client.get(f"/assessments/{outcome.campaign.pk}/").status_code == 302
    nobody = get_user_model().objects.create_user("nobody", password="pw-123456", is_staff=True)
    client.force_login(nobody)
    assert client.get(f"/assessments/{outcome.campaign.pk}/").status_code == 404
    assert outcome.campaign.name not in client.get("/assessments/").content.decode()


def test_the_report_lists_every_draw_and_problem(tmp_path: Any, outcome: Any) -> None:
    result = outcome.as_json()
    truth = {
        c["code"]: {f: v["truth"] for f, v in c["figures"].items()} for c in result["counties"]
    }
    files = report_write(campaign=outcome.campaign, directory=tmp_path / "r", truth=truth)
    html = files.html.read_text(encoding="utf-8")
    county = outcome.counties[0]
    assert county.name in html and "合成真值" in html
    samples = load_workbook(files.samples_xlsx, read_only=True)["抽样名单"]
    drawn = sum(1 for row in samples.iter_rows(min_row=2, values_only=True) if row[2] == "抽户")
    assert drawn == county.sampled_households
    problems = load_workbook(files.problems_xlsx, read_only=True)["问题清单"]
    assert sum(1 for _ in problems.iter_rows(min_row=2)) == county.suspected_problems


def test_report_workbooks_write_formula_looking_text_as_text(tmp_path: Any, outcome: Any) -> None:
    """An enumerator's description "=HYPERLINK(…)" is a string cell in 问题清单, never a formula."""
    from fupin.assessments.models import Problem

    attack = '=HYPERLINK("http://evil.example","点我")'
    first = Problem.objects.filter(campaign=outcome.campaign).order_by("pk").first()
    assert first is not None
    Problem.objects.filter(pk=first.pk).update(description=attack)
    files = report_write(campaign=outcome.campaign, directory=tmp_path / "r")
    for path in (files.samples_xlsx, files.problems_xlsx):
        book = load_workbook(path)
        formulas = [
            c.coordinate
            for ws in book.worksheets
            for row in ws.iter_rows()
            for c in row
            if c.data_type == "f"
        ]
        assert formulas == []
    cells = load_workbook(files.problems_xlsx)["问题清单"]
    found = [c for row in cells.iter_rows() for c in row if c.value == attack]
    assert len(found) == 1 and found[0].data_type == "s" and found[0].quotePrefix
    assert cells.freeze_panes == "A2" and cells["A1"].font.b
