"""The assessment report as Word (A4): county names, the four figures with their intervals and the
cadre survey's shares beside recognition, the county results with reasons, the problem summary; no
names or ID numbers."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm

from fupin.assessments.report_docx import report_docx
from fupin.assessments.services import campaign_results_compute, county_decision_record
from fupin.assessments.services.judgement import county_dossier
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import cadre_answers, decide, scoped
from fupin.assessments.tests.results_world import EXITED, NONREGISTERED, results_world
from fupin.regions.templatetags.fupin_numbers import percent_text
from fupin.registry.models import Person

pytestmark = pytest.mark.django_db


def _text(doc: Document) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_docx_report_is_a4_and_holds_the_figures_decisions_and_problems(
    tmp_path: Path,
) -> None:
    w = results_world(tmp_path)
    empty = Document(io.BytesIO(report_docx(w.campaign)))
    assert "尚未计算结果" in _text(empty)

    w.survey()
    confirmed = w.problem(w.households(EXITED)[1], "wrong_exit")
    w.problem(w.households(NONREGISTERED)[2], "missed")
    (computed,) = campaign_results_compute(w.campaign, user=w.working_group)
    county_decision_record(
        campaign=w.campaign, county=w.county, user=w.working_group, note="依据逐项判定通过与否"
    )
    doc = Document(io.BytesIO(report_docx(w.campaign)))
    section = doc.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    body = _text(doc)
    assert f"{w.campaign.name}评估报告" in body
    for heading in ("一、评估概况", "二、各县三率一度", "三、县级结果", "四、问题汇总"):
        assert heading in body
    assert w.county.name in body
    for r in computed.rows:
        assert f"[{percent_text(r.ci_low)}, {percent_text(r.ci_high)}]" in body
        assert percent_text(r.estimate) in body
    assert "依据逐项判定通过与否" in body
    assert f"抽中农户 {len(w.keys)} 户" in body and "终核认定 2 个" in body
    assert w.keys[w.households(EXITED)[1]] in body and str(confirmed.pk) in body
    # No one's name or ID number: households appear by number only.
    ids = Person.objects.filter(household__household_no__in=w.keys).values_list(
        "id_number", flat=True
    )
    assert ids and not any(i in body for i in ids)


def test_the_docx_report_gives_the_cadre_survey_shares_beside_recognition(world: World) -> None:
    scoped(world)
    cadre_answers(
        world,
        ("county_cadre", "satisfied", ""),
        ("county_cadre", "basically", ""),
        ("township_cadre", "satisfied", ""),
        ("township_cadre", "not_satisfied", "产业帮扶不够"),
    )
    decide(world)
    doc = Document(io.BytesIO(report_docx(world.campaign)))
    assert "县乡村干部、人大代表和县政协委员满意度（与群众认可度并看）" in _text(doc)
    rows = {
        cells[0]: cells[1:]
        for cells in ([c.text for c in row.cells] for t in doc.tables for row in t.rows)
    }
    assert rows["受访者类别"] == ["答卷数", "满意和基本满意", "不满意", "满意度"]
    # the same figures as the 综合研判 page reads
    shares = {c.label: c for c in county_dossier(world.campaign, world.county).cadres}
    assert rows["县级干部"] == ["2", "2", "0", percent_text(shares["县级干部"].share)]
    assert percent_text(shares["县级干部"].share) == "100.00%"
    assert rows["乡镇干部"] == ["2", "1", "1", "50.00%"]
    assert rows["县政协委员"] == ["0", "0", "0", "无答卷"]
