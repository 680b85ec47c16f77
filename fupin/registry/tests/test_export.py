"""The registry export: layout, masked ID numbers, and the audited --full-ids."""

from __future__ import annotations

import csv

import pytest
from python_calamine import CalamineWorkbook

from fupin.accounts.models import AuditEntry
from fupin.policy import idnumber
from fupin.registry.io.columns import EVENT_HEADERS, MEMBER_HEADERS
from fupin.registry.io.exporting import ExportError, export_registry
from fupin.registry.io.importing import import_file
from fupin.registry.models import Person
from fupin.registry.tests.conftest import registry_state
from fupin.registry.tests.test_io_roundtrip import seed_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(tree):
    seed_registry(tree)


def _sheet(path, name):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()


def test_xlsx_has_both_sheets_with_the_layout_headers(seeded, tmp_path):
    path = tmp_path / "r.xlsx"
    export_registry(path=path)
    members, events = _sheet(path, "家庭成员"), _sheet(path, "状态变更")
    assert tuple(members[0]) == MEMBER_HEADERS
    assert tuple(events[0]) == EVENT_HEADERS
    assert len(members) == 1 + 11 and len(events) == 1 + 7
    first = dict(zip(members[0], members[1], strict=True))
    assert (first["省"], first["县"], first["乡镇"], first["行政村"]) == (
        "甘肃省",
        "岷县",
        "梅川镇",
        "马家沟村",
    )
    assert first["脱贫状态"] == "未脱贫" and first["其他致贫原因"] == "缺技术、缺资金"


def test_ids_are_masked_by_default(seeded, tmp_path):
    path = tmp_path / "r.xlsx"
    audit_before = AuditEntry.objects.count()
    export_registry(path=path)
    rows = _sheet(path, "家庭成员")
    col = rows[0].index("证件号码")
    shown = sorted(r[col] for r in rows[1:])
    assert shown == sorted(
        idnumber.mask(p) for p in Person.objects.values_list("id_number", flat=True)
    )
    assert all("********" in s for s in shown)
    assert AuditEntry.objects.count() == audit_before


def test_masked_csv_export_never_holds_a_whole_id(seeded, tmp_path):
    export_registry(path=tmp_path / "out", fmt="csv")
    text = (tmp_path / "out" / "家庭成员.csv").read_text("utf-8-sig")
    for pid in Person.objects.values_list("id_number", flat=True):
        assert pid not in text
        assert idnumber.mask(pid) in text


def test_full_ids_are_written_only_with_the_flag_and_audited(seeded, tmp_path):
    path = tmp_path / "out"
    export_registry(path=path, fmt="csv", full_ids=True, actor="export:李")
    with (path / "家庭成员.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["证件号码"] for r in rows} == set(Person.objects.values_list("id_number", flat=True))
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW_ID)
    assert entry.actor == "export:李" and entry.after["persons"] == 11


def test_a_masked_export_cannot_be_reimported(seeded, tmp_path):
    path = tmp_path / "masked.xlsx"
    export_registry(path=path)
    before = registry_state()
    report = import_file(path=path)
    assert report.exit_code == 2
    id_problems = [p for p in report.problems if p.column == "证件号码"]
    assert len(id_problems) == 11 and all("已脱敏" in p.reason for p in id_problems)
    assert registry_state() == before


def test_unknown_region_is_an_error(seeded, tmp_path):
    with pytest.raises(ExportError, match="不存在"):
        export_registry(path=tmp_path / "x.xlsx", region_code="999999999999")


def test_csv_export_needs_a_folder(seeded, tmp_path):
    with pytest.raises(ExportError, match="文件夹"):
        export_registry(path=tmp_path / "x.csv", fmt="csv")
