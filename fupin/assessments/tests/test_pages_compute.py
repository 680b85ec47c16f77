"""The working group's 计算结果 button, the refusal lists, the county result form and the report
downloads (DOCX, HTML, XLSX) on the pages; others are refused."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from fupin.assessments.models import CountyDecision, CountyResult
from fupin.assessments.tests.results_world import (
    EXITED,
    NONREGISTERED,
    ResultsWorld,
    results_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rw(tmp_path: Path) -> ResultsWorld:
    return results_world(tmp_path)


def text(response: Any) -> str:
    return response.content.decode()


def visible(page: str) -> str:
    """The page's text as shown: without scripts, tags and attributes."""
    return re.sub(r"<[^>]+>", " ", re.sub(r"<script.*?</script>", " ", page, flags=re.S))


def test_the_working_group_computes_decides_and_downloads_the_report(
    client: Any, rw: ResultsWorld
) -> None:
    w = rw
    detail = f"/assessments/{w.campaign.pk}/"
    compute = f"/assessments/{w.campaign.pk}/results/compute/"
    county = f"/assessments/{w.campaign.pk}/counties/{w.county.code}/"
    client.force_login(w.working_group)
    page = text(client.get(detail))
    assert ">计算结果</button>" in page and compute in page
    assert f"/assessments/{w.campaign.pk}/report.docx" in page

    # Refused with the whole list while households are unsurveyed or problems open.
    w.survey(list(range(2, len(w.keys))))
    open_problem = w.problem(w.households(EXITED)[0], "wrong_exit", status="pending_final")
    refused = client.post(compute)
    assert refused.status_code == 409
    body = text(refused)
    assert "不能计算结果" in body and w.county.name in body
    assert w.keys[0] in body and w.keys[1] in body and w.keys[2] not in body
    assert f"#{open_problem.pk}" in body and "待终核" in body
    assert not CountyResult.objects.exists()

    # Surveyed and closed: computed, and shown on the county page with the result form.
    w.survey([0, 1])
    open_problem.delete()
    w.problem(w.households(EXITED)[0], "wrong_exit")
    w.problem(w.households(NONREGISTERED)[0], "missed")
    done = client.post(compute)
    assert done.status_code == 302 and done["Location"].endswith("#results")
    assert CountyResult.objects.filter(campaign=w.campaign, current=True).count() == 4
    page = text(client.get(county))
    assert "错退率" in page and "作出县级结果" in page and "理由" in page
    shown = visible(page)
    assert not any(code in shown for code in ("wrong_exit_rate", "straddles", "True", "None"))

    # Recompute from the county page: the earlier computation stays listed.
    again = client.post(compute, {"county": w.county.code})
    assert again.status_code == 302
    page = text(client.get(county))
    assert "历次计算" in page and "已被重新计算替换" in page

    # The result needs its reasons; then it is recorded and shown.
    missing = client.post(f"{county}decide/", {"outcome": "pass"})
    assert missing.status_code == 400 and "请填写理由" in text(missing)
    assert not CountyDecision.objects.exists()
    outcome = w.pure().decision
    recorded = client.post(f"{county}decide/", {"outcome": outcome, "note": "依据逐项判定"})
    assert recorded.status_code == 302
    decision = CountyDecision.objects.get(campaign=w.campaign, county=w.county)
    assert decision.outcome == outcome and decision.note == "依据逐项判定"
    assert decision.decided_by == w.working_group
    page = text(client.get(county))
    assert "依据逐项判定" in page and decision.get_outcome_display() in page

    # The report and the lists.
    docx = client.get(f"/assessments/{w.campaign.pk}/report.docx")
    assert docx.status_code == 200 and docx["Content-Type"].endswith("document")
    assert docx.content[:2] == b"PK"
    for name, sheet in (("samples", "抽样名单"), ("problems", "问题清单")):
        got = client.get(f"/assessments/{w.campaign.pk}/{name}.xlsx")
        assert got.status_code == 200
        book = load_workbook(io.BytesIO(got.content))
        assert book.sheetnames[0] == sheet and book[sheet].max_row > 1
    html = client.get(f"/assessments/{w.campaign.pk}/report.html")
    assert html.status_code == 200 and w.county.name in text(html)


def test_others_neither_compute_nor_decide_nor_download(client: Any, rw: ResultsWorld) -> None:
    w = rw
    w.survey()
    client.force_login(w.other_user)  # sees the campaign (expert group of it)
    page = text(client.get(f"/assessments/{w.campaign.pk}/"))
    assert "results/compute/" not in page and "report.docx" not in page
    refused = client.post(f"/assessments/{w.campaign.pk}/results/compute/")
    assert refused.status_code == 403 and "评估工作组" in text(refused)
    assert not CountyResult.objects.exists()
    decide = client.post(
        f"/assessments/{w.campaign.pk}/counties/{w.county.code}/decide/",
        {"outcome": "pass", "note": "x"},
    )
    assert decide.status_code == 403 and not CountyDecision.objects.exists()
    for name in ("report.docx", "report.html", "samples.xlsx", "problems.xlsx"):
        assert client.get(f"/assessments/{w.campaign.pk}/{name}").status_code == 403
    client.logout()
    login = client.post(f"/assessments/{w.campaign.pk}/results/compute/")
    assert login.status_code == 302 and "login" in login["Location"]
