"""A household is judged against the standard it was identified under: page and checks."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.checks.identification import RULES
from fupin.regions.models import Level, Region
from fupin.registry.checking import load_check_data
from fupin.registry.models import Household, Person

pytestmark = pytest.mark.django_db

FAR_ABOVE = next(r for r in RULES if r.id == "identification.far_above_line")


@pytest.fixture
def guangdong_village(db: None) -> Region:
    """A named village (重点帮扶村) in 广东省 › 清远市 › 连州市 › 西岸镇."""
    parent = None
    for code, name, level in [
        ("440000000000", "广东省", Level.PROVINCE),
        ("441800000000", "清远市", Level.CITY),
        ("441882000000", "连州市", Level.COUNTY),
        ("441882104000", "西岸镇", Level.TOWNSHIP),
    ]:
        parent = Region.objects.create(code=code, name=name, level=level, parent=parent)
    return Region.objects.create(
        code="441882104201",
        name="冲口村",
        level=Level.VILLAGE,
        parent=parent,
        is_poor_village=True,
    )


def _household(village: Region, no: str, standard: str, per_capita: float) -> Household:
    h = Household.objects.create(
        household_no=no,
        village=village,
        status="poor",
        standard=standard,
        identified_year=2014,
        income_year=2014,
        size=1,
        income_wages=per_capita,
        income_total=per_capita,
        income_per_capita=per_capita,
    )
    Person.objects.create(
        household=h,
        id_number="441882198001010012",
        name="陈一",
        relation="head",
        sex="male",
        birth_date=dt.date(1980, 1, 1),
        labour_ability="normal",
    )
    return h


def test_the_household_page_judges_by_the_provincial_standard(
    client, system_admin, guangdong_village
) -> None:
    _household(guangdong_village, "4418821042010001", "provincial", 3000)
    _household(guangdong_village, "4418821042010002", "national", 3000)
    client.force_login(system_admin)
    page = client.get("/households/4418821042010001/").content.decode()
    assert "按识别时的标准判断：广东省第二轮扶贫开发“双到”相对贫困标准" in page
    assert "2011 年全省农民人均纯收入 9372 元的 33%，即 3093 元" in page
    assert "按 2014 年收入符合贫困户识别标准" in page  # 3000 < 3093
    national = client.get("/households/4418821042010002/").content.decode()
    assert "按识别时的标准判断：国家扶贫标准" in national
    assert "按 2014 年收入不符合贫困户识别标准" in national  # 3000 > 2800


def test_the_api_gives_the_households_own_standard(client, system_admin, guangdong_village) -> None:
    _household(guangdong_village, "4418821042010001", "provincial", 3000)
    client.force_login(system_admin)
    body = client.get("/api/households/4418821042010001/").json()
    own = body["own_standard"]
    assert (own["code"], own["line"], own["poor"]) == ("guangdong_2013", 3093, True)
    assert "33%" in own["line_text"] and "3093" in own["explanation"]


def test_the_checks_use_the_households_own_line(guangdong_village) -> None:
    # 4400 is over 1.5 × the 2014 national line (4200) but under 1.5 × Guangdong's 3093 (4639.5).
    _household(guangdong_village, "4418821042010001", "provincial", 4400)
    _household(guangdong_village, "4418821042010002", "national", 4400)
    _, data, _ = load_check_data(region_code="441882000000", year=2014)
    assert list(data.households.own_standard) == ["guangdong_2013", ""]
    flags = FAR_ABOVE.evaluate(data)
    assert flags.mask.tolist() == [False, True]
    assert "国家扶贫标准 2800 元" in flags.reasons[0]
