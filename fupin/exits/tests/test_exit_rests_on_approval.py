"""A county exit rests on what the leading group approved (审定) of its campaign county's 综合研判:
it waits while the judgement is before the leading group, reads the approved outcome and reasons
(not the working group's county decision), a 中央抽查 needs the 审定, a province's own assessment
without any 综合研判 still rests on its county decision, and the figures stay current."""

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

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import CountyDecision, CountyResult
from fupin.assessments.services.judgement import (
    approval_decide,
    approval_submit,
    judgement_record,
)
from fupin.assessments.workflows import CampaignKind
from fupin.exits.models import ExitCase
from fupin.exits.services import (
    ExitError,
    case_facts,
    exit_case_open,
    exit_case_transition,
    exit_criteria_evaluate,
)
from fupin.exits.tests.conftest import Chain
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level, Region
from fupin.testing.exits import PASSING, county_result_decided

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"  # 岷县
# The missed rate fails on its estimate, its interval straddling 2%: the figures say 未达标, the
# working group's county decision too; the 综合研判 may weigh it and judge a pass.
STRADDLING = {**PASSING, "missed_rate": (0.021, 0.012, 0.033, 0.02, "below")}


@pytest.fixture(autouse=True)
def minxian_before_its_exit(gansu_village) -> None:
    Region.objects.filter(code=COUNTY).update(exit_year=None)


def _at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2019, month, day, hour))


def _user(name: str):
    return get_user_model().objects.create_user(username=name, first_name=name)


class Groups:
    """The campaign's working group and a leading-group member (also a province officer)."""

    def __init__(self, decision: CountyDecision) -> None:
        self.campaign, self.county = decision.campaign, decision.county
        self.wg = _user("工作组")
        membership_grant(user=self.wg, role=Role.WORKING_GROUP, campaign=self.campaign)
        self.leader = _user("领导小组")
        membership_grant(user=self.leader, role=Role.LEADING_GROUP, campaign=self.campaign)
        membership_grant(user=self.leader, role=Role.PROVINCE_OFFICE, region="620000000000")

    def judge(self, outcome: str = "pass", day: int = 22) -> None:
        judgement_record(
            campaign=self.campaign,
            county=self.county,
            user=self.wg,
            outcome=outcome,
            reasons="漏评率区间跨越阈值，漏评户已核实整改，综合研判达标",
            now=_at(9, day, 11),
        )

    def submit(self, day: int = 22) -> None:
        approval_submit(campaign=self.campaign, user=self.wg, now=_at(9, day, 12))

    def decide(self, action: str = "approve", day: int = 23, opinion: str = "") -> None:
        approval_decide(
            campaign=self.campaign,
            county=self.county,
            user=self.leader,
            action=action,
            opinion=opinion,
            now=_at(9, day),
        )


def _verified_case(chain: Chain) -> ExitCase:
    county = Region.objects.get(code=COUNTY)
    case = exit_case_open(
        kind="county", region=county, user=chain.office[Level.COUNTY], date=dt.date(2019, 9, 1)
    )
    for to, level, day in (
        (ExitStatus.CITY_REVIEWED, Level.CITY, 10),
        (ExitStatus.PROVINCE_VERIFIED, Level.PROVINCE, 20),
    ):
        exit_case_transition(case=case, to=to, user=chain.office[level], date=dt.date(2019, 9, day))
    case.refresh_from_db()
    return case


def _assess(case: ExitCase, chain: Chain, decision: CountyDecision, day: int = 25) -> None:
    exit_case_transition(
        case=case,
        to=ExitStatus.ASSESSED,
        user=chain.office[Level.PROVINCE],
        date=dt.date(2019, 9, day),
        assessment_result=decision,
    )


def test_the_exit_waits_for_the_审定_then_rests_on_the_approved_judgement(chain: Chain) -> None:
    case = _verified_case(chain)
    decision = county_result_decided(case.region, figures=STRADDLING, decided_at=_at(9, 21))
    assert decision.outcome == "fail"  # the working group's decision, by the figures
    groups = Groups(decision)
    groups.judge()
    with pytest.raises(ExitError, match="综合研判当前为“已研判，待报送”，须经领导小组审定"):
        _assess(case, chain, decision)
    groups.submit()
    with pytest.raises(ExitError, match="综合研判当前为“已报送，待审定”"):
        _assess(case, chain, decision)
    groups.decide("send_back", opinion="请补充漏评户核实材料")
    with pytest.raises(ExitError, match="综合研判当前为“退回重新研判”"):
        _assess(case, chain, decision)
    groups.judge(day=24)
    groups.submit(day=24)
    groups.decide(day=26)
    with pytest.raises(ExitError, match="领导小组审定于 2019-09-26，晚于办理日期 2019-09-25"):
        _assess(case, chain, decision)
    _assess(case, chain, decision, day=27)
    case.refresh_from_db()
    assert case.status == ExitStatus.ASSESSED

    facts = case_facts(case)
    assert facts["assessment_outcome"] == "达标"  # the approved judgement, not the decision
    assert facts["assessment_approval"].startswith("达标（第2版综合研判")
    assert "领导小组 2019-09-26 10:00 审定通过" in facts["assessment_approval"]
    criteria = {c.code: c for c in exit_criteria_evaluate(case)}
    assert all(c.passed for c in criteria.values())
    assert (
        "领导小组审定的综合研判理由：漏评率区间跨越阈值" in criteria["assessment_outcome"].message
    )
    assert criteria["missed_rate"].message.endswith("经领导小组审定县级结果为达标")

    # The figures recomputed after the 审定: the approved result no longer rests on them.
    row = CountyResult.objects.get(campaign=decision.campaign, figure="recognition")
    CountyResult.objects.filter(pk=row.pk).update(estimate=0.96)
    failed = [c for c in exit_criteria_evaluate(case) if not c.passed]
    assert [c.code for c in failed] == ["assessment_invalid"]
    assert "作出综合研判后群众认可度又经重新计算" in failed[0].message


def test_an_approved_fail_stops_the_exit(chain: Chain) -> None:
    case = _verified_case(chain)
    decision = county_result_decided(case.region, decided_at=_at(9, 21))
    assert decision.outcome == "pass"
    groups = Groups(decision)
    groups.judge(outcome="fail")
    groups.submit()
    groups.decide()
    with pytest.raises(ExitError, match="领导小组审定的综合研判结果为“未达标”，专项评估检查未通过"):
        _assess(case, chain, decision)


def test_a_central_spot_check_counts_only_once_approved_a_provincial_one_on_its_decision(
    chain: Chain,
) -> None:
    case = _verified_case(chain)
    spot = county_result_decided(
        case.region, kind=CampaignKind.CENTRAL_SPOT_CHECK, decided_at=_at(9, 21), name="中央抽查"
    )
    with pytest.raises(ExitError, match="是中央抽查，县级结果须经综合研判并报领导小组审定"):
        _assess(case, chain, spot)
    provincial = county_result_decided(case.region, decided_at=_at(9, 21))
    _assess(case, chain, provincial)  # no 综合研判: the province's own decision counts
    case.refresh_from_db()
    assert case.assessment_result == provincial
    assert "assessment_approval" not in case_facts(case)


def test_the_case_page_and_api_show_the_审定_to_those_who_see_the_case(chain: Chain) -> None:
    case = _verified_case(chain)
    decision = county_result_decided(case.region, figures=STRADDLING, decided_at=_at(9, 21))
    groups = Groups(decision)
    groups.judge()
    groups.submit()
    groups.decide()
    _assess(case, chain, decision)
    judgement_page = reverse("assessments:judgement", args=[decision.campaign_id, COUNTY])

    client = Client()
    client.force_login(chain.office[Level.COUNTY])
    page = client.get(reverse("exits:case", args=[case.pk])).content.decode()
    assert "领导小组审定的综合研判" in page and "漏评户已核实整改" in page
    assert "领导小组 2019-09-23 10:00 审定通过" in page
    assert "0.6%–3.1%" not in page and "1.2%–3.3%" in page  # the four figures as before
    assert judgement_page not in page and "仅本任务的评估工作组和领导小组可以查看" in page
    sheet = client.get(reverse("exits:signoff_sheet", args=[case.pk])).content
    paragraphs = [p.text for p in Document(io.BytesIO(sheet)).paragraphs]
    assert any(p.startswith("领导小组审定：达标（第1版综合研判") for p in paragraphs)
    client.force_login(groups.leader)  # a leading-group member may open the 综合研判
    page = client.get(reverse("exits:case", args=[case.pk])).content.decode()
    assert f'href="{judgement_page}"' in page
    assert client.get(judgement_page).status_code == 200

    api = APIClient()
    token, _ = Token.objects.get_or_create(user=chain.office[Level.CITY])
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    body = api.get(f"/api/exits/cases/{case.pk}/").json()["assessment"]
    assert (body["outcome"], body["basis_label"], body["usable"]) == (
        "pass",
        "领导小组审定的综合研判",
        True,
    )
    assert body["approval_status_label"] == "已审定"
    approval = body["approval"]
    assert (approval["version"], approval["approved_by"], approval["page"]) == (
        1,
        "领导小组",
        judgement_page,
    )
    assert approval["api"] == f"/api/campaigns/{decision.campaign_id}/judgements/{COUNTY}/"
    assert [f["figure"] for f in body["figures"]] == [
        "wrong_exit_rate",
        "missed_rate",
        "incidence",
        "recognition",
    ]

    # a county office elsewhere sees neither the case nor its 审定
    other = Client()
    other.force_login(chain.neighbour_county)
    assert other.get(reverse("exits:case", args=[case.pk])).status_code == 404
    token, _ = Token.objects.get_or_create(user=chain.neighbour_county)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(f"/api/exits/cases/{case.pk}/").status_code == 404
