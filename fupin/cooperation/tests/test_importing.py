"""Loading pairings from XLSX: a good file loads; a bad one reports every row and writes nothing."""

from __future__ import annotations

import openpyxl
import pytest

from fupin.accounts.models import AuditEntry
from fupin.cooperation.importing import pairing_load_xlsx
from fupin.cooperation.models import Pairing, PartnerPairing
from fupin.cooperation.services import east_regions_load
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties

HEAD = [
    "层级",
    "东部代码",
    "东部名称",
    "西部代码",
    "西部名称",
    "上级东部代码",
    "上级西部代码",
    "起始年度",
    "终止年度",
]


def _book(path, rows, partners=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "结对关系"
    ws.append(HEAD)
    for r in rows:
        ws.append(r)
    if partners is not None:
        ws2 = wb.create_sheet("携手奔小康")
        ws2.append(
            [
                "类型",
                "东部区县代码",
                "东部结对方",
                "西部区划代码",
                "西部结对方",
                "起始年度",
                "终止年度",
            ]
        )
        for r in partners:
            ws2.append(r)
    wb.save(path)
    return path


@pytest.fixture
def regions(db):
    regions_load_poverty_counties(provinces={"甘肃省"})
    east_regions_load()
    county = Region.objects.get(code="621126000000")
    town = Region.objects.create(
        code="621126100000", name="岷阳镇", level=Level.TOWNSHIP, parent=county
    )
    Region.objects.create(code="621126100001", name="东街村", level=Level.VILLAGE, parent=town)


def test_good_file_loads_pairings_and_partners(regions, tmp_path):
    path = _book(
        tmp_path / "p.xlsx",
        [
            ["市", "350100", "福州市", "621100", "定西市", None, None, 2016, None],
            ["区县", "350181", "福清市", "621126", "岷县", "350100", "621100", 2016, None],
        ],
        partners=[
            ["村", "350181", "福清市某社区", "621126100001", None, 2018, None],
            ["学校", "350181", "福清实验小学", "621126100000", "岷阳镇中心小学", 2018, 2020],
        ],
    )
    report = pairing_load_xlsx(path=path)
    assert report.problems == [] and report.written
    assert (report.created, report.partners_created) == (2, 2)
    child = Pairing.objects.get(east__code="350181000000")
    assert child.parent.east.code == "350100000000" and child.level == "district"
    assert PartnerPairing.objects.filter(pairing=child).count() == 2
    assert AuditEntry.objects.filter(model="Pairing", action="import").count() == 1
    # Loading the same file again changes nothing.
    again = pairing_load_xlsx(path=path)
    assert again.written and (again.created, again.unchanged) == (0, 2)


def test_bad_file_reports_every_row_and_writes_nothing(regions, tmp_path):
    path = _book(
        tmp_path / "bad.xlsx",
        [
            ["市", "350100", "福州市", "621100", "定西市", None, None, 2016, None],  # good
            [
                "区县",
                "350199",
                None,
                "621126",
                None,
                "350100",
                "621100",
                2016,
                None,
            ],  # no such code
            ["区县", "350181", "厦门市", "621126", "岷县", "350100", "621100", "二〇一六", None],
            ["州", "350181", None, "621121", None, "350100", "621100", 2016, None],  # bad level
            ["市", "350181", None, "621100", None, None, None, 2016, None],  # a district as a city
        ],
    )
    report = pairing_load_xlsx(path=path)
    assert not report.written
    where = {(p.row, p.column) for p in report.problems}
    assert {(3, "东部代码"), (4, "东部名称"), (4, "起始年度"), (5, "层级"), (6, "层级")} <= where
    assert all(p.sheet == "结对关系" for p in report.problems)
    assert Pairing.objects.count() == 0 and not AuditEntry.objects.filter(model="Pairing").exists()
