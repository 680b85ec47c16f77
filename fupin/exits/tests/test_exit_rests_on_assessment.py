"""A county exit rests on its 专项评估检查 (a decided county result, linked, never typed), and the
exit history stays consistent: once exited, no second exit without a return; the exit year
follows the approval; the procedure's dates never go backwards; every refusal says why."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import CountyResult
from fupin.assessments.workflows import CampaignStatus
from fupin.exits.models import ExitCase
from fupin.exits.services import (
    ExitError,
    case_facts,
    exit_case_data_change,
    exit_case_open,
    exit_case_transition,
    exit_criteria_check,
    exit_criteria_evaluate,
)
from fupin.exits.tests.conftest import Chain, to_noticed
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level, Region
from fupin.registry.models import EventKind, Status
from fupin.registry.services import household_record_event
from fupin.testing.exits import PASSING, county_result_decided

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"  # 岷县


@pytest.fixture(autouse=True)
def minxian_before_its_exit(gansu_village) -> None:
    """岷县 as it was before it exited (摘帽 2020 in the 832 list): no exit year yet."""
    Region.objects.filter(code=COUNTY).update(exit_year=None)


def _day(month: int, day: int, year: int = 2019) -> dt.date:
    return dt.date(year, month, day)


def _decided_on(date: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(date, dt.time(10)))


def _verified_county_case(chain: Chain) -> ExitCase:
    """岷县's exit proposed on 2019-09-01, reviewed by the city and verified by the province."""
    county = Region.objects.get(code=COUNTY)
    case = exit_case_open(
        kind="county", region=county, user=chain.office[Level.COUNTY], date=_day(9, 1)
    )
    exit_case_transition(
        case=case, to=ExitStatus.CITY_REVIEWED, user=chain.office[Level.CITY], date=_day(9, 10)
    )
    exit_case_transition(
        case=case,
        to=ExitStatus.PROVINCE_VERIFIED,
        user=chain.office[Level.PROVINCE],
        date=_day(9, 20),
    )
    case.refresh_from_db()
    return case


def _assess(case: ExitCase, chain: Chain, decision, date: dt.date | None = None) -> None:
    exit_case_transition(
        case=case,
        to=ExitStatus.ASSESSED,
        user=chain.office[Level.PROVINCE],
        date=date or _day(9, 25),
        assessment_result=decision,
    )


def test_a_county_exit_cannot_pass_its_special_assessment_without_a_decided_current_result(
    chain: Chain,
) -> None:
    case = _verified_county_case(chain)
    county = case.region
    with pytest.raises(ExitError, match="“专项评估检查”须选定评估任务对岷县作出的县级结果"):
        _assess(case, chain, None)
    with pytest.raises(ExitError, match="当前为“问题核实”，尚未出结果"):
        _assess(case, chain, county_result_decided(county, status=CampaignStatus.VERIFICATION))
    neighbour = Region.objects.get(code="621125000000")
    with pytest.raises(ExitError, match="所选县级结果是漳县的，不是岷县的"):
        _assess(case, chain, county_result_decided(neighbour))
    failing = {**PASSING, "recognition": (0.85, 0.82, 0.88, 0.9, "at_least")}
    with pytest.raises(ExitError, match="县级结果为“未达标”，专项评估检查未通过"):
        _assess(
            case,
            chain,
            county_result_decided(county, figures=failing, decided_at=_decided_on(_day(9, 22))),
        )
    later = county_result_decided(county, decided_at=_decided_on(_day(9, 30)))
    with pytest.raises(ExitError, match="县级结果作出于 2019-09-30，晚于办理日期 2019-09-25"):
        _assess(case, chain, later)
    recomputed = county_result_decided(county, decided_at=_decided_on(_day(9, 22)))
    row = CountyResult.objects.get(campaign=recomputed.campaign, figure="recognition")
    CountyResult.objects.filter(pk=row.pk).update(current=False)
    row.pk, row.estimate, row.inputs_checksum = None, 0.96, "recomputed"
    row.save()
    with pytest.raises(ExitError, match="该结果已不是现行结果"):
        _assess(case, chain, recomputed)
    case.refresh_from_db()
    assert case.status == ExitStatus.PROVINCE_VERIFIED and case.assessment_result is None
    with pytest.raises(ExitError, match="不能转为“公示中”"):
        exit_case_transition(
            case=case,
            to=ExitStatus.IN_NOTICE,
            user=chain.office[Level.PROVINCE],
            notice_start=_day(10, 1),
            notice_end=_day(10, 7),
            date=_day(10, 1),
        )

    decision = county_result_decided(county, decided_at=_decided_on(_day(9, 22)))
    _assess(case, chain, decision)
    case.refresh_from_db()
    assert case.status == ExitStatus.ASSESSED and case.assessment_result == decision
    facts = case_facts(case)
    assert facts["assessment_outcome"] == "达标"
    assert facts["incidence"] == (
        "综合贫困发生率 1.2%（95%置信区间 0.8%–1.6%，标准为低于 3%）：达标，置信区间在阈值一侧"
    )
    assert "置信区间跨越阈值" in facts["missed_rate"] and facts["straddling"] == "漏评率"
    criteria = {c.code: c for c in exit_criteria_evaluate(case)}
    assert set(criteria) == {
        "assessment_outcome",
        "wrong_exit_rate",
        "missed_rate",
        "incidence",
        "recognition",
    }
    assert all(c.passed for c in criteria.values())
    entry = AuditEntry.objects.filter(model="ExitCase", object_key=str(case.pk)).first()
    assert (
        entry.after["assessment_result"] == decision.pk and entry.user == chain.office["province"]
    )
    assert "专项评估检查" in entry.note and decision.campaign.name in entry.note


def test_without_the_link_the_county_criteria_say_so(chain: Chain) -> None:
    case = _verified_county_case(chain)
    failed = exit_criteria_check(case)
    assert [c.code for c in failed] == ["assessment_missing"]
    assert "由省扶贫办在“专项评估检查”环节关联" in failed[0].message


def _to_noticed_county(case: ExitCase, chain: Chain) -> None:
    province = chain.office[Level.PROVINCE]
    exit_case_transition(
        case=case,
        to=ExitStatus.IN_NOTICE,
        user=province,
        notice_start=_day(10, 1),
        notice_end=_day(10, 7),
        date=_day(10, 1),
    )
    exit_case_transition(case=case, to=ExitStatus.NOTICED, user=province, date=_day(10, 8))


def test_a_county_exit_is_approved_on_the_linked_result_and_its_exit_year_follows_the_approval(
    chain: Chain,
) -> None:
    case = _verified_county_case(chain)
    _assess(case, chain, county_result_decided(case.region, decided_at=_decided_on(_day(9, 22))))
    _to_noticed_county(case, chain)
    chain.sign_through(case, Level.CITY)
    province = chain.office[Level.PROVINCE]
    with pytest.raises(ExitError, match="批准退出日期 2020-01-05 不在退出年度 2019 年内"):
        exit_case_transition(
            case=case, to=ExitStatus.APPROVED, user=province, date=_day(1, 5, 2020)
        )
    exit_case_transition(case=case, to=ExitStatus.APPROVED, user=province, date=_day(10, 20))
    case.refresh_from_db()
    county = Region.objects.get(code=COUNTY)
    assert case.status == ExitStatus.APPROVED and case.year == 2019 and county.exit_year == 2019


def test_the_county_office_cannot_type_the_figures_by_service_page_or_api(chain: Chain) -> None:
    county_office = chain.office[Level.COUNTY]
    county = Region.objects.get(code=COUNTY)
    with pytest.raises(ExitError, match="贫困县的三率一度只能来自专项评估检查结果"):
        exit_case_open(
            kind="county", region=county, user=county_office, supplied={"recognition": 0.97}
        )
    case = _verified_county_case(chain)
    with pytest.raises(ExitError, match="县里不能在退出事项中录入或变更"):
        exit_case_data_change(
            case=case, changes={"recognition": 0.97}, user=county_office, reason="县里测算"
        )

    client = Client()
    client.force_login(county_office)
    page = client.get(reverse("exits:case", args=[case.pk])).content.decode()
    assert "尚未关联专项评估检查结果" in page
    assert 'name="recognition"' not in page and "变更数据" not in page
    r = client.post(
        reverse("exits:data_change", args=[case.pk]),
        {"recognition": "0.97", "reason": "县里测算", "confirm": "1"},
    )
    assert r.status_code == 400
    decision = county_result_decided(county, decided_at=_decided_on(_day(9, 22)))
    r = client.post(
        reverse("exits:transition", args=[case.pk]),
        {"to": "assessed", "assessment_result": decision.pk, "date": "2019-09-25"},
    )
    assert r.status_code == 403 and "须由岷县所属的省扶贫办进行" in r.content.decode()

    api = APIClient()
    token, _ = Token.objects.get_or_create(user=county_office)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    url = f"/api/exits/cases/{case.pk}/"
    assert api.patch(url, {"supplied": {"recognition": 0.97}}, format="json").status_code == 405
    r = api.post(
        f"{url}transition/",
        {"to": "assessed", "assessment_result": decision.pk, "date": "2019-09-25"},
        format="json",
    )
    assert r.status_code == 403 and "省扶贫办" in r.json()["detail"]
    case.refresh_from_db()
    assert case.supplied == {} and case.assessment_result is None

    # the province links it by the API; every reader then sees the four figures with intervals
    province = APIClient()
    token, _ = Token.objects.get_or_create(user=chain.office[Level.PROVINCE])
    province.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = province.post(
        f"{url}transition/",
        {"to": "assessed", "assessment_result": decision.pk, "date": "2019-09-25"},
        format="json",
    )
    assert r.status_code == 200, r.content
    assessment = api.get(url).json()["assessment"]
    assert assessment["result"] == decision.pk and assessment["usable"]
    assert [(f["figure"], f["ci_low"], f["straddles"]) for f in assessment["figures"]] == [
        ("wrong_exit_rate", 0.001, False),
        ("missed_rate", 0.006, True),
        ("incidence", 0.008, False),
        ("recognition", 0.93, False),
    ]
    page = client.get(reverse("exits:case", args=[case.pk])).content.decode()
    assert "0.6%–3.1%" in page and "置信区间跨越阈值" in page
    sheet = client.get(reverse("exits:signoff_sheet", args=[case.pk]))
    cells = [
        c.text for t in Document(io.BytesIO(sheet.content)).tables for r in t.rows for c in r.cells
    ]
    assert "0.6%–3.1%" in cells and "置信区间跨越阈值" in cells and "综合贫困发生率" in cells


def test_an_exited_county_cannot_exit_again(chain: Chain) -> None:
    yongdeng = Region.objects.get(code="620121000000")
    assert yongdeng.exit_year == 2018
    officer = get_user_model().objects.create_user(username="yongdeng_office")
    membership_grant(user=officer, role=Role.COUNTY_OFFICE, region=yongdeng.code)
    with pytest.raises(ExitError, match="永登县已于 2018 年摘帽，不能再次退出"):
        exit_case_open(kind="county", region=yongdeng, user=officer, date=_day(9, 1))
    client = Client()
    client.force_login(officer)
    r = client.post(
        reverse("exits:open", args=[yongdeng.code]),
        {"kind": "county", "region_code": yongdeng.code, "date": "2019-09-01"},
    )
    assert r.status_code == 409 and "永登县已于 2018 年摘帽，不能再次退出" in r.content.decode()
    assert not ExitCase.objects.filter(region=yongdeng).exists()

    # exited by another way while its case was under way: the approval does not overwrite it
    case = _verified_county_case(chain)
    _assess(case, chain, county_result_decided(case.region, decided_at=_decided_on(_day(9, 22))))
    _to_noticed_county(case, chain)
    chain.sign_through(case, Level.CITY)
    Region.objects.filter(code=COUNTY).update(exit_year=2018)
    with pytest.raises(ExitError, match="岷县已于 2018 年摘帽，不能再次退出"):
        exit_case_transition(
            case=case, to=ExitStatus.APPROVED, user=chain.office[Level.PROVINCE], date=_day(10, 20)
        )
    assert Region.objects.get(code=COUNTY).exit_year == 2018


def test_a_household_exits_again_only_after_it_returned(noticed_case, chain: Chain) -> None:
    chain.sign_through(noticed_case, Level.CITY)
    exit_case_transition(
        case=noticed_case,
        to=ExitStatus.ANNOUNCED,
        user=chain.office[Level.TOWNSHIP],
        date=_day(12, 10),
    )
    exit_case_transition(
        case=noticed_case, to=ExitStatus.EXITED, user=chain.office[Level.COUNTY], date=_day(12, 20)
    )
    household = noticed_case.household
    village = chain.office[Level.VILLAGE]
    with pytest.raises(ExitError, match="已于 2019-12-20 脱贫，此后没有返贫记录，不能再次退出"):
        exit_case_open(kind="household", household=household, user=village, date=_day(3, 1, 2020))
    household_record_event(
        household=household, kind=EventKind.RETURNED, date=_day(4, 1, 2020), actor="test"
    )
    household.refresh_from_db()
    assert household.status == Status.RETURNED
    again = exit_case_open(
        kind="household", household=household, user=village, date=_day(10, 1, 2020)
    )
    assert again.year == 2020 and again.status == ExitStatus.PROPOSED


def test_a_backdated_step_is_refused_naming_both_dates(case: ExitCase, chain: Chain) -> None:
    village = chain.office[Level.VILLAGE]
    with pytest.raises(
        ExitError,
        match="“村两委和驻村工作队核实”的日期 2019-10-19 早于上一环节“村民主评议提出拟退出户”"
        "的办理日期 2019-10-20，退出程序的日期不能倒退",
    ):
        exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=village, date=_day(10, 19))
    exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=village, date=_day(10, 20))
    exit_case_transition(case=case, to=ExitStatus.AGREED, user=village, date=_day(10, 28))
    with pytest.raises(ExitError, match="“公示开始”的日期 2019-10-27 早于上一环节“贫困户认可退出”"):
        exit_case_transition(
            case=case,
            to=ExitStatus.IN_NOTICE,
            user=village,
            notice_start=_day(10, 27),
            notice_end=_day(11, 5),
            date=_day(10, 28),
        )
    assert case.steps.count() == 3


def test_the_exit_year_is_the_year_proposed_never_typed(case: ExitCase, chain: Chain) -> None:
    assert case.year == 2019  # opened on 2019-10-20 (conftest)
    to_noticed(case, chain)
    chain.sign_through(case, Level.CITY)
    exit_case_transition(
        case=case, to=ExitStatus.ANNOUNCED, user=chain.office[Level.TOWNSHIP], date=_day(12, 10)
    )
    with pytest.raises(ExitError, match="销号日期 2020-01-03 不在退出年度 2019 年内"):
        exit_case_transition(
            case=case, to=ExitStatus.EXITED, user=chain.office[Level.COUNTY], date=_day(1, 3, 2020)
        )


def test_an_exited_village_cannot_exit_again(gansu_village, chain: Chain) -> None:
    Region.objects.filter(pk=gansu_village.pk).update(poor_exit_year=2018)
    gansu_village.refresh_from_db()
    with pytest.raises(ExitError, match="东街村已于 2018 年退出贫困村，不能再次退出"):
        exit_case_open(kind="village", region=gansu_village, user=chain.office[Level.TOWNSHIP])


def test_a_figure_failing_on_its_estimate_counts_when_the_working_group_decided_a_pass(
    chain: Chain,
) -> None:
    case = _verified_county_case(chain)
    straddling = {**PASSING, "missed_rate": (0.021, 0.012, 0.033, 0.02, "below")}
    decision = county_result_decided(
        case.region, figures=straddling, outcome="pass", decided_at=_decided_on(_day(9, 22))
    )
    _assess(case, chain, decision)
    criteria = {c.code: c for c in exit_criteria_evaluate(case)}
    assert criteria["missed_rate"].passed
    assert criteria["missed_rate"].message == (
        "漏评率 2.1%（95%置信区间 1.2%–3.3%，标准为低于 2%）：未达标，置信区间跨越阈值；"
        "经综合研判县级结果为达标"
    )
    assert "评估工作组说明：综合研判：区间跨越阈值" in criteria["assessment_outcome"].message
