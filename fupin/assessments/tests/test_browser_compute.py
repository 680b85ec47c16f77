"""In a real browser: the working group presses 计算结果, sees what is missing, presses it again
once the survey is complete, records the county result with its reasons and downloads the DOCX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.assessments.models import CountyDecision, CountyResult
from fupin.assessments.tests.results_world import EXITED, NONREGISTERED, results_world
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_the_working_group_computes_decides_and_downloads_the_report(
    tmp_path: Path, browser_page: Any
) -> None:
    w = results_world(tmp_path)
    w.survey(list(range(1, len(w.keys))))
    page = browser_page
    log_in(page, with_password(w.working_group))

    page.goto(f"/assessments/{w.campaign.pk}/")
    page.get_by_role("button", name="计算结果").click()
    page.wait_for_selector("table.unsurveyed")
    assert "不能计算结果" in page.inner_text("h1")
    assert w.keys[0] in page.inner_text("table.unsurveyed")
    assert not CountyResult.objects.exists()

    w.survey([0])  # the last questionnaire comes in
    w.problem(w.households(EXITED)[0], "wrong_exit")
    w.problem(w.households(NONREGISTERED)[0], "missed")
    page.goto(f"/assessments/{w.campaign.pk}/")
    page.get_by_role("button", name="计算结果").click()
    page.wait_for_selector("ul.messages")
    assert "已由抽样记录" in page.inner_text("ul.messages")
    assert CountyResult.objects.filter(current=True).count() == 4

    page.get_by_role("link", name=f"{w.county.name}结果详情").click()
    page.wait_for_selector("form.decision-form")
    outcome = w.pure().decision
    page.check(f"input[name=outcome][value={outcome}]")
    page.fill("textarea[name=note]", "依据逐项判定，经综合研判")
    page.get_by_role("button", name="记录县级结果").click()
    page.wait_for_selector("p.decision")
    assert "依据逐项判定，经综合研判" in page.inner_text("p.decision")
    decision = CountyDecision.objects.get()
    assert (decision.outcome, decision.decided_by) == (outcome, w.working_group)

    page.goto(f"/assessments/{w.campaign.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Word 报告（DOCX）").click()
    saved = tmp_path / "report.docx"
    download.value.save_as(saved)
    from docx import Document

    assert w.county.name in "\n".join(p.text for p in Document(str(saved)).paragraphs)
