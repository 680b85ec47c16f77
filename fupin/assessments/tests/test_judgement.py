"""综合研判 and 审定: the working group judges each county in recorded versions; the campaign's
judgements go to the leading group as one submission; its members approve or send back with a
reason; a county sent back is judged again and resubmitted. Pass or fail only."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import (
    AppendOnlyError,
    ApprovalStep,
    CountyApproval,
    CountyResult,
    Judgement,
)
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.judgement import (
    approval_decide,
    approval_submit,
    county_dossier,
    judgement_record,
)
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import body, decide, scoped

pytestmark = pytest.mark.django_db


def judged_world(world: World):
    scoped(world)
    decide(world)
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=world.campaign)
    return leader


def judge(
    world: World,
    outcome: str = "pass",
    reasons: str = "四项指标达标，漏评率区间跨越阈值但问题已核实",
):
    return judgement_record(
        campaign=world.campaign,
        county=world.county,
        user=world.working_group,
        outcome=outcome,
        reasons=reasons,
    )


def test_judgement_versions_submission_send_back_and_approval(world: World):
    leader = judged_world(world)
    first = judge(world)
    second = judge(world, reasons="补充：部门提供情况已核实")
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(AppendOnlyError):
        first.save()  # a version is never changed, only superseded
    steps = approval_submit(campaign=world.campaign, user=world.working_group)
    assert [s.judgement for s in steps] == [second]
    with pytest.raises(AssessmentError, match="不能修改"):
        judge(world)
    with pytest.raises(AssessmentError, match="退回须填写理由"):
        approval_decide(
            campaign=world.campaign, county=world.county, user=leader, action="send_back"
        )
    approval_decide(
        campaign=world.campaign,
        county=world.county,
        user=leader,
        action="send_back",
        opinion="请说明认可度调查的代表性",
    )
    with pytest.raises(AssessmentError, match="重新研判"):
        approval_submit(campaign=world.campaign, user=world.working_group)
    third = judge(world, reasons="已补充认可度调查说明")
    approval_submit(campaign=world.campaign, user=world.working_group)
    approval_decide(campaign=world.campaign, county=world.county, user=leader, action="approve")
    approval = CountyApproval.objects.get()
    assert approval.status == "approved" and approval.judgement == third
    actions = list(ApprovalStep.objects.values_list("action", "judgement__version"))
    assert actions == [("submit", 2), ("send_back", 2), ("submit", 3), ("approve", 3)]
    assert AuditEntry.objects.filter(model__icontains="judgement").count() == 3
    assert AuditEntry.objects.filter(model__icontains="countyapproval").count() == 4


def test_only_the_working_group_judges_and_only_the_leading_group_approves(world: World):
    leader = judged_world(world)
    for who in (leader, world.department, world.enumerator_user, world.county_officer):
        with pytest.raises(AssessmentError, match="评估工作组"):
            judgement_record(
                campaign=world.campaign, county=world.county, user=who, outcome="pass", reasons="x"
            )
    judge(world)
    with pytest.raises(AssessmentError, match="评估工作组"):
        approval_submit(campaign=world.campaign, user=leader)
    approval_submit(campaign=world.campaign, user=world.working_group)
    with pytest.raises(AssessmentError, match="领导小组"):
        approval_decide(
            campaign=world.campaign, county=world.county, user=world.working_group, action="approve"
        )
    assert CountyApproval.objects.get().status == "submitted"


def test_recognition_shortfall_is_weighed_but_a_clear_veto_is_not_passed(world: World):
    judged_world(world)
    CountyResult.objects.filter(figure="recognition").update(
        estimate=0.86, ci_low=0.82, ci_high=0.89, verdict="fail"
    )
    dossier = county_dossier(world.campaign, world.county)
    assert dossier.recognition_short and dossier.by_figures == "pass"
    j = judge(world, reasons="认可度 86%，原则上的标准；不满意原因为道路，已列入整改")
    assert j.outcome == "pass" and j.recognition_short
    CountyResult.objects.filter(figure="wrong_exit_rate").update(
        estimate=0.04, ci_low=0.03, ci_high=0.05, verdict="fail"
    )
    with pytest.raises(AssessmentError, match="一票否决"):
        judge(world)
    assert judge(world, outcome="fail", reasons="错退率超标").version == 2
    with pytest.raises(AssessmentError, match="研判理由"):
        judge(world, outcome="fail", reasons="  ")
    assert Judgement.objects.count() == 2


def test_pages_and_api_for_who_may_and_who_may_not(client, world: World):
    leader = judged_world(world)
    pk, code = world.campaign.pk, world.county.code
    page = f"/assessments/{pk}/judgements/{code}/"
    client.force_login(world.county_officer)
    assert client.get(page).status_code in (403, 404)
    assert client.get(f"/api/campaigns/{pk}/judgements/").status_code in (403, 404)
    client.force_login(world.working_group)
    text = body(client.get(page))
    for part in ("三率一度", "五核", "部门提供情况", "暗访发现", "原则上的标准", "一票否决"):
        assert part in text
    r = client.post(page, {"outcome": "pass", "reasons": ""})
    assert r.status_code == 400 and "研判理由" in body(r)
    assert not Judgement.objects.exists()
    api = f"/api/campaigns/{pk}/judgements/{code}/"
    r = client.post(api, {"outcome": "pass", "reasons": "达标"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["judgement"]["version"] == 1
    r = client.post(api, {"outcome": "score", "reasons": "x"}, content_type="application/json")
    assert r.status_code == 400
    approval = f"/api/campaigns/{pk}/approval/"
    assert client.post(approval, content_type="application/json").status_code == 201
    r = client.post(f"{approval}{code}/", {"action": "approve"}, content_type="application/json")
    assert r.status_code == 403
    client.force_login(leader)
    assert client.post(approval, content_type="application/json").status_code == 403
    r = client.post(
        f"/assessments/{pk}/judgements/{code}/approval/", {"action": "send_back", "opinion": ""}
    )
    assert r.status_code == 409 and "退回须填写理由" in body(r)
    r = client.post(f"{approval}{code}/", {"action": "approve"}, content_type="application/json")
    assert r.status_code == 201 and r.json()["approval_status"] == "approved"
    listing = client.get(f"/api/campaigns/{pk}/judgements/").json()
    by_code = {line["county_code"]: line for line in listing}
    assert by_code[code]["approval_status_label"] == "已审定"
    assert by_code[world.neighbour.code]["approval_status_label"] == "未研判"  # no figures yet
    assert "综合研判与审定" in body(client.get(f"/assessments/{pk}/"))


def test_a_province_office_seats_its_leading_group_who_decide_only_its_own_campaigns(world: World):
    """The province office records its leading group's members in the people pages (no admin
    screen); a member of another province's leading group, or the working group itself, cannot
    审定."""
    from fupin.accounts.people import PeopleError, role_grant
    from fupin.regions.models import Region

    scoped(world)
    decide(world)
    gansu = Region.objects.get(code="620000000000")
    office = make_user("gansu_office")
    membership_grant(user=office, role=Role.PROVINCE_OFFICE, region=gansu)
    member, stranger = make_user("gansu_leader"), make_user("other_leader")
    role_grant(actor=office, person=member, role=Role.LEADING_GROUP, region=gansu)
    other, _ = Region.objects.get_or_create(
        code="640000000000", defaults={"name": "宁夏回族自治区", "level": "province"}
    )
    membership_grant(user=stranger, role=Role.LEADING_GROUP, region=other)
    with pytest.raises(PeopleError, match="省"):  # the province's own group, at the province
        role_grant(
            actor=office, person=make_user("x"), role=Role.LEADING_GROUP, region=world.county
        )
    membership_grant(user=world.working_group, role=Role.LEADING_GROUP, campaign=world.campaign)
    judge(world)
    approval_submit(campaign=world.campaign, user=world.working_group)
    for who in (stranger, world.working_group):
        with pytest.raises(AssessmentError, match="领导小组"):
            approval_decide(
                campaign=world.campaign, county=world.county, user=who, action="approve"
            )
    approval_decide(campaign=world.campaign, county=world.county, user=member, action="approve")
    assert CountyApproval.objects.get().status == "approved"
