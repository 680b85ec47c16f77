"""The standard check (②, 拔高或降低标准) and the re-check of the province's own questionnaires (③)
of 五抽五查五看: recorded for a county of the campaign by its working group and the county's lead
expert — the income line and the incidence threshold pre-filled from fupin's policy tables, the
questionnaires drawn by a recorded SRS that replays from its seed, agreement rates per field
group — shown on the 综合研判 page and its API; refused to anyone else, by service, page and API."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import AppendOnlyError, RecheckDraw, RecheckResult, StandardCheckItem
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.other_checks import (
    StandardInput,
    standard_check_record,
    standard_checklist,
)
from fupin.assessments.services.questionnaire_recheck import (
    RecheckInput,
    agreement_rates,
    recheck_draw,
    recheck_of,
    recheck_positions,
    recheck_replay,
    recheck_results_record,
)
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import body, scoped

pytestmark = pytest.mark.django_db


def test_agreement_rates_on_a_constructed_case():
    pairs = (
        [("income", True)] * 9
        + [("income", False)]
        + [("guarantees", True)] * 3
        + [("guarantees", False)]
        + [("identity", False)] * 2
    )
    rates = {a.group: a for a in agreement_rates(pairs)}
    assert (rates["income"].agreed, rates["income"].checked) == (9, 10)
    assert rates["income"].percent == "90.0%"
    assert rates["guarantees"].percent == "75.0%"
    assert rates["identity"].rate == 0.0
    assert rates["recognition"].rate is None and rates["recognition"].percent == "—"
    assert (rates[""].agreed, rates[""].checked, rates[""].percent) == (12, 16, "75.0%")
    assert [a.label for a in agreement_rates([])] == [
        "收入",
        "两不愁三保障",
        "认可度",
        "身份识别",
        "合计",
    ]


def test_standard_items_are_prefilled_from_policy_and_recorded_in_versions(world: World):
    scoped(world)
    lines = {x.item: x for x in standard_checklist(world.campaign, world.county)}
    assert [x.label for x in lines.values()] == [
        "收入标准",
        "不愁吃",
        "不愁穿",
        "义务教育有保障",
        "基本医疗有保障",
        "住房安全有保障",
        "饮水安全",
        "贫困发生率标准",
        "其他",
    ]
    # 2020 campaign in 甘肃 (west): the national line of the year, the west's incidence threshold.
    assert "2020 年国家扶贫标准 约 4000 元" in lines["income"].reference
    assert lines["income"].standard == lines["income"].reference  # the page's pre-fill
    assert lines["incidence"].reference == "综合贫困发生率低于 3%（西部）"
    assert lines["food"].reference == ""

    with pytest.raises(AssessmentError) as refused:
        standard_check_record(
            campaign=world.campaign,
            county=world.county,
            user=world.working_group,
            items=[
                StandardInput("income", "raised", note="省方案以 4500 元为线"),
                StandardInput("housing", "undetermined"),
                StandardInput("water", "fine"),
                StandardInput("other", "undetermined", note="方案\x00缺页"),
            ],
        )
    message = str(refused.value)
    assert "“收入标准”：拔高或降低时须填写“省级方案的表述”" in message
    assert "“住房安全有保障”：不符合或无法判断时须填写“说明”" in message
    assert "“饮水安全”：请选择检查结果" in message
    assert "“其他”：“说明”含有不允许的空字符" in message
    assert not StandardCheckItem.objects.exists()  # nothing written by a refused call

    first = standard_check_record(
        campaign=world.campaign,
        county=world.county,
        user=world.working_group,
        items=[
            StandardInput(
                "income",
                "raised",
                plan_says="人均纯收入 4500 元以上方可脱贫",
                note="高于国家标准",
                content=b"%PDF plan",
                filename="方案.pdf",
            ),
            StandardInput("education", "conforms"),
        ],
    )
    assert first[0].standard == lines["income"].reference  # left blank: the reference
    assert first[0].file.name and first[0].original_name == "方案.pdf"
    with pytest.raises(AppendOnlyError):
        first[0].save()
    standard_check_record(
        campaign=world.campaign,
        county=world.county,
        user=world.lead_expert,
        items=[StandardInput("income", "conforms", standard="4000 元")],
    )
    lines = {x.item: x for x in standard_checklist(world.campaign, world.county)}
    assert lines["income"].current.finding == "conforms"
    assert lines["income"].current.actor == "lead_expert"
    assert StandardCheckItem.objects.filter(item="income").count() == 2
    assert AuditEntry.objects.filter(note="标准准确性检查：岷县").count() == 2


def test_recheck_draw_replays_from_its_seed_and_results_give_the_rates(world: World):
    scoped(world)
    with pytest.raises(AssessmentError, match="请先抽取省级问卷"):
        recheck_results_record(
            campaign=world.campaign,
            county=world.county,
            user=world.lead_expert,
            results=[RecheckInput(1, "income", True)],
        )
    with pytest.raises(AssessmentError, match="不能多于“省级问卷份数”"):
        recheck_draw(
            campaign=world.campaign, county=world.county, user=world.lead_expert, frame_size=5
        )
    draw = recheck_draw(
        campaign=world.campaign,
        county=world.county,
        user=world.lead_expert,
        frame_size=1000,
        seed="20200506",
    )
    assert (draw.size, draw.frame_size, draw.seed, draw.method) == (10, 1000, "20200506", "srs")
    assert len(set(draw.numbers)) == 10 and all(1 <= p <= 1000 for p in draw.numbers)
    assert draw.numbers == recheck_positions(1000, 10, 20200506)
    assert recheck_replay(draw)
    assert recheck_positions(1000, 10, 20200507) != draw.numbers  # the seed decides
    assert AuditEntry.objects.filter(note="抽查省级评估问卷：岷县").count() == 1

    a, b, c = draw.numbers[:3]
    outside = next(p for p in range(1, 1001) if p not in draw.numbers)
    with pytest.raises(AssessmentError) as refused:
        recheck_results_record(
            campaign=world.campaign,
            county=world.county,
            user=world.lead_expert,
            results=[RecheckInput(outside, "income", True), RecheckInput(a, "income", False)],
        )
    assert f"第 {outside} 份问卷不在本次抽查之列" in str(refused.value)
    assert f"第 {a} 份“收入”：不一致时须填写说明" in str(refused.value)
    recheck_results_record(
        campaign=world.campaign,
        county=world.county,
        user=world.lead_expert,
        results=[
            RecheckInput(a, "income", True),
            RecheckInput(b, "income", False, "问卷收入漏记务工收入"),
            RecheckInput(c, "income", True),
            RecheckInput(a, "recognition", True),
        ],
    )
    # A correction supersedes: b's income now agrees, the old row stays.
    recheck_results_record(
        campaign=world.campaign,
        county=world.county,
        user=world.working_group,
        results=[RecheckInput(c, "income", False, "家庭人口数与问卷不符")],
    )
    rates = {x.group: x for x in recheck_of(world.campaign, world.county).agreements}
    assert (rates["income"].agreed, rates["income"].checked) == (1, 3)
    assert rates["recognition"].percent == "100.0%"
    assert (rates[""].agreed, rates[""].checked) == (2, 4)
    assert RecheckResult.objects.count() == 5

    with pytest.raises(AssessmentError, match="重抽须填写“重抽原因”"):
        recheck_draw(
            campaign=world.campaign, county=world.county, user=world.lead_expert, frame_size=900
        )
    again = recheck_draw(
        campaign=world.campaign,
        county=world.county,
        user=world.working_group,
        frame_size=900,
        size=5,
        reason="省里补报了问卷份数",
    )
    assert again.supersedes_id == draw.pk and recheck_replay(again)
    assert recheck_of(world.campaign, world.county).results == {}  # the new draw starts clean
    assert RecheckDraw.objects.count() == 2


def test_who_may_record_the_two_checks(world: World):
    scoped(world)
    stranger = make_user("other_lead", Role.LEAD_EXPERT)
    for user in (world.county_officer, world.enumerator_user, world.department, stranger):
        with pytest.raises(AssessmentError, match="评估工作组或该县的带队专家"):
            standard_check_record(
                campaign=world.campaign,
                county=world.county,
                user=user,
                items=[StandardInput("food", "conforms")],
            )
        with pytest.raises(AssessmentError, match="评估工作组或该县的带队专家"):
            recheck_draw(campaign=world.campaign, county=world.county, user=user, frame_size=50)
    assert not StandardCheckItem.objects.exists() and not RecheckDraw.objects.exists()


def test_pages_record_both_checks_and_the_judgement_page_shows_them(world: World):
    scoped(world)
    base = f"/assessments/{world.campaign.pk}/other-checks/{world.county.code}/"
    c = Client()
    c.force_login(world.working_group)
    page = body(c.get(base + "standard/"))
    assert "2020 年国家扶贫标准 约 4000 元" in page and 'id="standard-form"' in page

    bad = c.post(base + "standard/", {"housing-finding": "lowered", "housing-note": "x"})
    assert bad.status_code == 400
    assert "“住房安全有保障”：拔高或降低时须填写“省级方案的表述”" in body(bad)
    assert 'value="lowered" checked' in body(bad)  # what was typed is kept
    ok = c.post(
        base + "standard/",
        {
            "housing-finding": "lowered",
            "housing-plan_says": "住房安全只看有无住房",
            "housing-standard": "住房安全有保障须鉴定为非危房",
            "housing-note": "降低了住房安全标准",
            "food-finding": "conforms",
        },
    )
    assert ok.status_code == 302
    assert StandardCheckItem.objects.count() == 2
    # Posting the same again writes nothing new for unchanged items.
    c.post(base + "standard/", {"food-finding": "conforms", "food-standard": ""})
    assert StandardCheckItem.objects.count() == 2

    bad = c.post(base + "recheck/draw/", {"frame_size": "abc", "size": "10"})
    assert bad.status_code == 400 and "“省级问卷份数”须为整数" in body(bad)
    ok = c.post(base + "recheck/draw/", {"frame_size": "200", "size": "4", "seed": "7"})
    assert ok.status_code == 302
    draw = RecheckDraw.objects.get()
    assert draw.numbers == recheck_positions(200, 4, 7)
    first, second = draw.numbers[:2]
    bad = c.post(base + "recheck/results/", {f"p{first}-identity": "disagree"})
    assert bad.status_code == 400 and "不一致时须填写说明" in body(bad)
    ok = c.post(
        base + "recheck/results/",
        {
            f"p{first}-identity": "disagree",
            f"p{first}-identity-note": "身份证号与户主不符",
            f"p{first}-income": "agree",
            f"p{second}-income": "agree",
        },
    )
    assert ok.status_code == 302
    page = body(c.get(base + "recheck/"))
    assert "已按种子复现" in page and "、".join(str(p) for p in draw.numbers) in page
    assert '<td class="rate">100.0%</td><td class="counts">2 / 2</td>' in page
    assert '<td class="rate">66.7%</td><td class="counts">2 / 3</td>' in page

    judged = body(c.get(f"/assessments/{world.campaign.pk}/judgements/{world.county.code}/"))
    assert "住房安全有保障：<strong>降低</strong>（方案：住房安全只看有无住房" in judged
    assert "从 200 份省级问卷中随机抽查 4 份（随机种子 7）" in judged
    assert "身份识别一致率 <strong>0.0%</strong>（0/1）" in judged
    assert "身份证号与户主不符" in judged

    # The leading group reads both pages without forms and is refused a post.
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=world.campaign)
    c.force_login(leader)
    page = body(c.get(base + "standard/"))
    assert "降低" in page and 'id="standard-form"' not in page
    assert 'id="recheck-results-form"' not in body(c.get(base + "recheck/"))
    assert c.post(base + "standard/", {"food-finding": "raised"}).status_code == 403
    assert c.post(base + "recheck/draw/", {"frame_size": "9"}).status_code == 403
    # A department user sees the campaign but may not read these; the county office and an
    # enumerator do not see the campaign while it is in the field at all.
    for user, refused in (
        (world.department, 403),
        (world.county_officer, 404),
        (world.enumerator_user, 404),
    ):
        c.force_login(user)
        for path in ("standard/", "recheck/"):
            assert c.get(base + path).status_code == refused
        assert c.post(base + "recheck/draw/", {"frame_size": "9"}).status_code == refused
    assert RecheckDraw.objects.count() == 1 and StandardCheckItem.objects.count() == 2


def test_api_records_and_refuses_and_the_judgement_api_shows_them(world: World):
    scoped(world)
    base = f"/api/campaigns/{world.campaign.pk}/other-checks/{world.county.code[:6]}/"
    api = APIClient()
    api.force_authenticate(world.lead_expert)
    got = api.get(base + "standard/")
    assert got.status_code == 200
    assert got.json()[0]["item_label"] == "收入标准"
    assert "4000 元" in got.json()[0]["reference"]
    posted = api.post(
        base + "standard/",
        {"items": [{"item": "water", "finding": "undetermined", "note": "方案未提饮水"}]},
        format="json",
    )
    assert posted.status_code == 201 and posted.json()[6]["finding_label"] == "无法判断"
    bad = api.post(
        base + "standard/", {"items": [{"item": "water", "finding": "ok"}]}, format="json"
    )
    assert bad.status_code == 400

    assert api.get(base + "recheck/").status_code == 404
    drawn = api.post(base + "recheck/draw/", {"frame_size": 50, "seed": "99"}, format="json")
    assert drawn.status_code == 201
    positions = drawn.json()["positions"]
    assert positions == recheck_positions(50, 10, 99) and drawn.json()["replays"] is True
    done = api.post(
        base + "recheck/results/",
        {
            "results": [
                {"position": positions[0], "group": "recognition", "agree": True},
                {"position": positions[1], "group": "recognition", "agree": False, "note": "代答"},
            ]
        },
        format="json",
    )
    assert done.status_code == 201
    rates = {a["label"]: a for a in done.json()["agreements"]}
    assert rates["认可度"]["percent"] == "50.0%" and rates["认可度"]["checked"] == 2

    for user, code in (
        (world.department, 403),
        (world.county_officer, 404),
        (world.enumerator_user, 404),
    ):
        api.force_authenticate(user)
        assert api.get(base + "standard/").status_code == code
        assert api.get(base + "recheck/").status_code == code
        refused = api.post(base + "recheck/draw/", {"frame_size": 50}, format="json")
        assert refused.status_code == code
        refused = api.post(
            base + "standard/", {"items": [{"item": "food", "finding": "conforms"}]}, format="json"
        )
        assert refused.status_code == code
        refused = api.post(
            base + "recheck/results/",
            {"results": [{"position": positions[0], "group": "income", "agree": True}]},
            format="json",
        )
        assert refused.status_code == code
    assert RecheckDraw.objects.count() == 1 and StandardCheckItem.objects.count() == 1

    api.force_authenticate(world.working_group)
    dossier = api.get(f"/api/campaigns/{world.campaign.pk}/judgements/{world.county.code[:6]}/")
    assert dossier.status_code == 200
    other = dossier.json()["other_checks"]
    assert other["standard"][6]["finding"] == "undetermined"
    assert other["recheck"]["agreements"][-1]["percent"] == "50.0%"
    assert other["procedure"][0]["document_label"] == "县级申请"
