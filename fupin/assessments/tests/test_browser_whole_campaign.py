"""A whole campaign in real browsers (issue #14, "Done means"): on a fresh database with a small
registry, each person with their own login plays their step on the pages — the working group
creates the campaign, draws the county's villages and households, registers an institution and
uploads its XLSX roster (the one-time passwords read off the page), runs the assignment and gives
the verification roles; two enumerators survey on /field/ (one offline, sending when back online)
and raise a proposed and a hand-made problem; the team's initial check (初核), the lead expert's
review (复核), the county officer's explanation within the window (地方说明), the lead expert's
conclusion that the two sides disagree, the department's check (部门核, a role the working group
gives on its page), another expert's judgement (专家组核) and the working group's final
confirmation (终核) on the verification pages; the working group computes, decides the county and
downloads the DOCX report; the county office reads its feedback and submits the rectification with
a proof file, which the working group downloads and accepts.

Only the registry, the working group's first login, the county office's login and the department
checker's login are set up here (the set-up the pages do not offer); every later record is made by
a page. The explanation window is in whole hours: instead of waiting one, the test moves the
simulated clock (`clock`) past it, as the simulated campaign passes its own time to the services.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from openpyxl import Workbook

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.models import (
    Campaign,
    CountyDecision,
    CountyResult,
    Draw,
    Expert,
    ExpertCounty,
    Problem,
    Questionnaire,
    Rectification,
    Submission,
    TeamHousehold,
)
from fupin.assessments.services.roster import ROSTER_COLUMNS
from fupin.assessments.tests.conftest import MINXIAN, make_user
from fupin.assessments.tests.test_draw_services import county_world
from fupin.assessments.workflows import ProblemStatus
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household
from fupin.testing.browser import WAIT_MS, log_in, with_password

pytestmark = pytest.mark.browser

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)
# The roster: three experts (two assigned to the county, one left for the expert group) and the
# two enumerators of the one team (an experienced one and a new one).
PEOPLE = [
    ("王专家", "专家", "是", "wang_expert"),
    ("李专家", "专家", "否", "li_expert"),
    ("赵专家", "专家", "是", "zhao_expert"),
    ("调查员甲", "调查员", "是", "enum_a"),
    ("调查员乙", "调查员", "否", "enum_b"),
]
LOW_INCOME = "2500"  # under the poverty line: fupin proposes a suspected 错退
HIGH_INCOME = "20000"
CAMPAIGN_NAME = "岷县退出专项评估检查"
WINDOW_HOURS = 1  # the local explanation window (地方说明期), in whole hours
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def fast_hashes(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def evidence_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


class Clock:
    """The simulated clock of the server under test: every `timezone.now()` (the pages' and the
    services') reads the real time plus `ahead`; `advance` moves it on instead of sleeping."""

    def __init__(self, real: Callable[[], dt.datetime]) -> None:
        self.real = real
        self.ahead = dt.timedelta(0)

    def now(self) -> dt.datetime:
        return self.real() + self.ahead

    def advance(self, by: dt.timedelta) -> None:
        self.ahead += by


@pytest.fixture
def clock(monkeypatch: Any) -> Clock:
    simulated = Clock(timezone.now)
    monkeypatch.setattr(timezone, "now", simulated.now)
    return simulated


@pytest.fixture
def people(chromium: Any, live_server: Any) -> Iterator[Callable[..., Any]]:
    """Opens a page in a browser profile of its own (one per person), failing the test on any
    JavaScript error or anything the Content-Security-Policy blocked."""
    contexts: list[Any] = []
    errors: list[str] = []

    def open_page(*, phone: bool = False) -> Any:
        options: dict[str, Any] = {"base_url": live_server.url, "locale": "zh-CN"}
        if phone:
            options |= {
                "viewport": {"width": 390, "height": 844},
                "is_mobile": True,
                "has_touch": True,
            }
        context = chromium.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(WAIT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "console",
            lambda m: (
                m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text)
            ),
        )
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the pages: {errors}"


def roster_file(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(ROSTER_COLUMNS))
    for name, kind, experienced, username in PEOPLE:
        row = {
            "姓名": name,
            "类别": kind,
            "单位省份": "湖北省",
            "有评估经验": experienced,
            "通过考试": "是",
            "用户名": username,
        }
        ws.append([row.get(c, "") for c in ROSTER_COLUMNS])
    wb.save(path)
    return path


def move_campaign(page: Any, pk: int, label: str) -> None:
    """The working group moves the campaign on its page, confirming on the next one."""
    page.goto(f"/assessments/{pk}/")
    page.get_by_role("link", name=f"转为“{label}”").click()
    page.wait_for_url(re.compile(r"/status/"))
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(re.compile(rf"/assessments/{pk}/$"))
    assert label in page.inner_text("h1 .tag")


def first_log_in(page: Any, username: str, one_time_password: str) -> None:
    """An evaluator logs in with the one-time password printed for them and sets their own."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", one_time_password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_selector("header .user")
    assert username in page.inner_text("header .user")
    page.goto("/accounts/password_change/")
    page.fill("input[name=old_password]", one_time_password)
    page.fill("input[name=new_password1]", f"{username}-own-Pass-2020")
    page.fill("input[name=new_password2]", f"{username}-own-Pass-2020")
    page.get_by_role("button", name="修改密码").click()
    page.get_by_role("heading", name="密码已修改").wait_for()


def open_field(page: Any, household_nos: list[str]) -> None:
    page.goto("/field/")
    page.wait_for_selector("body[data-ready=true]")
    for no in household_nos:
        page.wait_for_selector(f"button.household[data-household-no='{no}']")


def fill_survey(page: Any, household_no: str, income: str) -> None:
    """Every question answered: one person, the same income on every income line, each yes/no
    and choice its first answer (yes: the guarantees are met)."""
    page.click(f"button.household[data-household-no='{household_no}']")
    page.wait_for_selector("#view-form:not([hidden]) fieldset[data-section=household]")
    for box in page.locator("#view-form .q[data-type=int] input").all():
        box.fill("1")
    for box in page.locator("#view-form .q[data-type=number] input").all():
        box.fill(income)
    for group in page.locator(
        "#view-form .q[data-type=bool], #view-form .q[data-type=choice]"
    ).all():
        group.locator("label.choice").first.click()
    page.click("#save-final")


def list_drawn_again(page: Any, household_no: str) -> None:
    """Back on the list, drawn again with the household just surveyed marked (待发送 or 已发送):
    a tap on the list while it is being drawn again may fall on nothing."""
    page.wait_for_selector("#view-list:not([hidden])")
    page.wait_for_selector(
        f"button.household[data-household-no='{household_no}'] .badge:not(.state-draft)"
    )


def open_queue(page: Any, pk: int, step: str, label: str) -> None:
    """From the list of campaigns to the campaign, then to the step's queue by its link."""
    page.goto("/assessments/")
    page.get_by_role("link", name=CAMPAIGN_NAME).click()
    page.locator("#review").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(re.compile(rf"/assessments/{pk}/review/{step}/$"))


def act(
    page: Any,
    pk: int,
    step: str,
    problem: Problem,
    button: str,
    opinion: str,
    *,
    disputed: str | None = None,
) -> None:
    """Take one step on the problem's card in the step's queue; the page confirms it."""
    page.goto(f"/assessments/{pk}/review/{step}/")
    card = page.locator(f"#problem-{problem.pk}")
    card.locator("textarea[name=opinion]").fill(opinion)
    if disputed is not None:
        card.locator("select[name=disputed]").select_option(disputed)
    card.get_by_role("button", name=button).click()
    page.locator("ul.messages", has_text=f"问题 #{problem.pk} 已完成").wait_for()


def test_a_whole_campaign_in_the_browser(
    live_server: Any,
    browser_page: Any,
    people: Callable[..., Any],
    tmp_path: Path,
    clock: Clock,
) -> None:
    # --- set-up: the registry, the working group's and the county office's logins --------------
    Questionnaire.objects.get_or_create(  # the transactional flush removed the migration's row
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    regions_load_poverty_counties(provinces={"甘肃省"})
    county = county_world(MINXIAN, villages=4, poor=2, per_village=12)
    wg_user = with_password(make_user("wg", Role.WORKING_GROUP))
    office_user = with_password(make_user("minxian_office"))
    Membership.objects.create(user=office_user, role=Role.COUNTY_OFFICE, region=county)
    Membership.objects.create(user=office_user, role=Role.COUNTY_OFFICER, region=county)
    dept_user = with_password(make_user("dept_checker"))  # 部门核: its role comes from the group

    wg = browser_page
    log_in(wg, wg_user)

    # --- the working group creates the campaign: a small sample through its settings ------------
    wg.goto("/assessments/new/")
    wg.wait_for_selector("#campaign-form")
    wg.select_option("#id_kind", "county_exit_assessment")
    wg.fill("#id_year", "2020")
    wg.fill("#id_name", CAMPAIGN_NAME)
    wg.fill("#id_scope", "岷县")
    wg.fill("#id_county_rate", "1")
    wg.fill("#id_villages_per_county", "2")
    wg.select_option("#id_village_method", "srs")
    wg.fill("#id_exited", "1")
    wg.fill("#id_poor", "1")
    wg.fill("#id_non_registered", "1")
    wg.uncheck("#id_at_risk_in_full")
    wg.fill("#id_explain_window_hours", str(WINDOW_HOURS))
    wg.get_by_role("button", name="创建任务").click()
    wg.wait_for_url(re.compile(r"/assessments/\d+/$"))
    campaign = Campaign.objects.get()
    pk = campaign.pk
    move_campaign(wg, pk, "抽样")

    # --- draws: the county's villages and households ----------------------------------------------
    wg.click("#draws-link")
    wg.wait_for_selector("#county-draws")
    assert "不抽县" in wg.inner_text("#counties")
    wg.locator(f'#county-draws tr[data-county="{MINXIAN[:6]}"]').get_by_role(
        "button", name="抽取村和户"
    ).click()
    wg.wait_for_selector("#households")
    # Two villages of each stratum at least (poor and not), one household of each kind in each.
    assert "抽中的村（4 个）" in wg.inner_text("main")
    draw = Draw.objects.get(level="household", county=county)
    sampled = sorted(draw.items.values_list("unit_key", flat=True))
    assert len(sampled) == 12
    assert wg.locator("#households tbody tr").count() == len(sampled)

    # --- evaluators: an institution, then its roster uploaded; the logins read off the page -------
    wg.goto(f"/assessments/{pk}/")
    wg.click("#evaluators-link")
    form = wg.locator("#institution-form")
    form.wait_for()
    form.locator("input[name=name]").fill("华中科技大学")
    form.locator("select[name=province]").select_option(label="湖北省")
    form.get_by_role("button", name="登记机构").click()
    wg.locator("#institutions td", has_text="华中科技大学").wait_for()
    roster = wg.locator("#roster-form")
    roster.locator("input[type=file]").set_input_files(str(roster_file(tmp_path / "名单.xlsx")))
    roster.get_by_role("button", name="检查名单").click()
    wg.wait_for_selector("#roster-confirm")
    assert "共 5 人（专家 3 人，调查员 2 人）" in wg.inner_text("main")
    wg.get_by_role("button", name="确认导入").click()
    wg.wait_for_selector("#logins")
    passwords: dict[str, str] = {}
    rows = wg.locator("#logins tbody tr")
    assert rows.count() == len(PEOPLE)
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td").all_inner_texts()
        passwords[cells[3].strip()] = cells[4].strip()
    assert set(passwords) == {p[3] for p in PEOPLE}

    # --- the assignment, then the verification roles ---------------------------------------------
    wg.goto(f"/assessments/{pk}/")
    wg.get_by_role("link", name="运行分派与人工调整").click()
    wg.wait_for_selector("#run-form")
    wg.fill("#run-form input[name=seed]", "5")
    wg.get_by_role("button", name="运行分派").click()
    wg.wait_for_selector("#seed")
    assert "未分派" not in wg.locator(f"#county-{county.code}").inner_text()
    assigned = set(
        ExpertCounty.objects.filter(assignment__campaign=campaign).values_list(
            "expert__name", flat=True
        )
    )
    lead = Expert.objects.filter(name__in=assigned).order_by("-experienced", "name").first()
    group = Expert.objects.exclude(name__in=assigned).order_by("name").first()
    assert lead is not None and group is not None and lead.user and group.user
    wg.goto(f"/assessments/{pk}/")
    wg.click("#roles-link")
    wg.wait_for_selector("#role-experts")
    wg.locator("#role-experts tr", has_text=lead.name).get_by_role(
        "button", name="设为带队专家"
    ).click()
    wg.wait_for_selector(f"#role-holders tr:has-text('{lead.name}')")
    wg.locator("#role-experts tr", has_text=group.name).get_by_role(
        "button", name="设为专家组成员"
    ).click()
    wg.wait_for_selector(f"#role-holders tr:has-text('{group.name}')")
    wg.fill("#department-form input[name=username]", "dept_checker")
    wg.get_by_role("button", name="设为部门核查人员").click()
    wg.wait_for_selector("#role-holders tr:has-text('dept_checker')")
    move_campaign(wg, pk, "实地调查")

    # --- fieldwork: two enumerators on their phones -------------------------------------------------
    households = {h.household_no: h for h in Household.objects.filter(household_no__in=sampled)}
    team_of = dict(
        TeamHousehold.objects.filter(assignment__campaign=campaign).values_list(
            "household__household_no", "team_id"
        )
    )
    assert set(team_of) == set(sampled) and len(set(team_of.values())) == 1
    exited = [no for no in sampled if households[no].status == "exited"]
    assert exited
    suspect = exited[0]
    rest = [no for no in sampled if no != suspect]
    mine_a, mine_b = [suspect, *rest[: len(rest) // 2]], rest[len(rest) // 2 :]

    # 调查员甲 goes offline, surveys her households, raises the proposed and a hand-made problem.
    a = people(phone=True)
    first_log_in(a, "enum_a", passwords["enum_a"])
    open_field(a, sampled)
    a.evaluate("async () => { await navigator.serviceWorker.ready; }")
    a.wait_for_function("() => navigator.serviceWorker.controller !== null")
    a.reload()  # under the service worker, which caches the task list
    a.wait_for_selector("body[data-ready=true]")
    a.context.set_offline(True)
    a.reload()
    a.wait_for_selector("body[data-ready=true]")
    assert a.inner_text("#net") == "离线"

    fill_survey(a, suspect, LOW_INCOME)
    proposal = a.locator("#view-problems li.proposal[data-kind=wrong_exit]")
    proposal.wait_for()
    assert "疑似错退" in proposal.inner_text()
    proposal.get_by_role("button", name="确认提出").click()
    a.locator("#raised li.problem[data-kind=wrong_exit][data-state=waiting]").wait_for()
    a.select_option("#manual-kind", label="政策未落实")
    a.fill("#manual-note", "户主称产业扶持资金未到户，出示的存折无相应入账")
    a.set_input_files(
        "#manual-files", files=[{"name": "bankbook.png", "mimeType": "image/png", "buffer": PNG}]
    )
    a.click("#manual-add")
    a.locator("#raised li.problem[data-kind=policy_not_delivered][data-state=waiting]").wait_for()
    a.click("#problems-done")
    list_drawn_again(a, suspect)
    for no in mine_a[1:]:
        fill_survey(a, no, HIGH_INCOME)
        list_drawn_again(a, no)
    a.wait_for_function(
        "n => document.getElementById('n-waiting').textContent === String(n)", arg=len(mine_a)
    )
    assert not Submission.objects.exists() and not Problem.objects.exists()

    # 调查员乙, online, surveys the others.
    b = people(phone=True)
    first_log_in(b, "enum_b", passwords["enum_b"])
    open_field(b, sampled)
    for no in mine_b:
        fill_survey(b, no, HIGH_INCOME)
        list_drawn_again(b, no)
    b.wait_for_function(
        "n => document.getElementById('n-sent').textContent === String(n)", arg=len(mine_b)
    )

    # 甲 back online: the queue sends the questionnaires, then the problems.
    a.context.set_offline(False)
    a.click("#send-now")
    a.wait_for_function(
        "n => document.getElementById('n-sent').textContent === String(n)", arg=len(mine_a)
    )
    a.locator("#outbox li.item", has_text="疑点 2 条：已发送 2").wait_for()
    assert Submission.objects.filter(campaign=campaign).count() == len(sampled)
    proposed = Problem.objects.get(kind="wrong_exit")
    by_hand = Problem.objects.get(kind="policy_not_delivered")
    assert proposed.household.household_no == suspect == by_hand.household.household_no
    assert by_hand.evidence.count() == 1

    # --- 五核 on the verification pages, each step by its role ---------------------------------------
    move_campaign(wg, pk, "问题核实")
    # The county office does not see the campaign (nor its sample) before the decision.
    office = people()
    log_in(office, office_user)
    assert office.goto(f"/assessments/{pk}/").status == 404

    # 初核: the team (乙, the other member). A team never dismisses its own problem: the card
    # offers only passing it on to the lead expert.
    open_queue(b, pk, "initial", "初核")
    card = b.locator(f"#problem-{proposed.pk}")
    card.get_by_role("button", name="初核：疑点成立").wait_for()
    assert card.get_by_role("button", name="初核：疑点不成立").count() == 0
    act(b, pk, "initial", proposed, "初核：疑点成立", "收入低于标准线，报带队专家复核")
    act(b, pk, "initial", by_hand, "初核：疑点成立", "入户复问并核对存折，疑点成立")
    # 复核: the lead expert dismisses the proposal (the wages were left out of the income) and
    # sends the other to the county for its explanation.
    lead_page = people()
    first_log_in(lead_page, lead.user.username, passwords[lead.user.username])
    open_queue(lead_page, pk, "review", "复核")
    act(
        lead_page,
        pk,
        "review",
        proposed,
        "复核：不予认定",
        "核对务工合同与工资流水，人均纯收入高于标准，疑点不成立",
    )
    act(
        lead_page,
        pk,
        "review",
        by_hand,
        "复核：反馈地方说明",
        "复核资金拨付台账，疑点成立，请地方说明",
    )
    # 地方说明: the county officer explains within the window, from the notice on her list.
    office.goto("/assessments/")
    office.get_by_role("link", name="有疑点问题处于地方说明期，等待您作出说明").click()
    explained = office.locator(f"#problem-{by_hand.pk}")
    explained.locator("textarea[name=text]").fill("该户产业扶持资金已列入第二批计划，尚未到拨付期")
    explained.get_by_role("button", name="提交说明").click()
    office.locator("ul.messages", has_text=f"已提交对问题 #{by_hand.pk} 的说明").wait_for()
    # Before the window ends the lead expert cannot conclude; once it has (the clock moved on an
    # hour), he concludes that the two sides disagree, which sends it to the department.
    lead_page.goto(f"/assessments/{pk}/review/review/")
    card = lead_page.locator(f"#problem-{by_hand.pk}")
    assert "该户产业扶持资金已列入第二批计划" in card.inner_text()
    card.locator("textarea[name=opinion]").fill("地方说明与核查结果不一致")
    card.locator("select[name=disputed]").select_option("yes")
    card.get_by_role("button", name="复核结论").click()
    lead_page.locator(f"#problem-{by_hand.pk} p.refused", has_text="期满后").wait_for()
    clock.advance(dt.timedelta(hours=WINDOW_HOURS, minutes=1))
    act(
        lead_page,
        pk,
        "review",
        by_hand,
        "复核结论",
        "地方说明与核查结果不一致，存在争议，送部门核",
        disputed="yes",
    )
    # 部门核: the department checker the working group named.
    dept = people()
    log_in(dept, dept_user)
    open_queue(dept, pk, "department", "部门核")
    act(dept, pk, "department", by_hand, "部门核", "资金拨付台账显示该户未列入拨付计划，疑点成立")
    # 专家组核: an expert other than the one who reviewed.
    group_page = people()
    first_log_in(group_page, group.user.username, passwords[group.user.username])
    open_queue(group_page, pk, "expert", "专家组核")
    act(group_page, pk, "expert", by_hand, "专家组核", "证据充分，认定问题成立")
    # 终核: the working group.
    open_queue(wg, pk, "final", "终核")
    act(wg, pk, "final", by_hand, "终核：认定", "工作组终核认定")
    proposed.refresh_from_db()
    by_hand.refresh_from_db()
    assert proposed.status == ProblemStatus.REJECTED
    assert by_hand.status == ProblemStatus.CONFIRMED and by_hand.disputed
    assert list(by_hand.explanations.values_list("user__username", flat=True)) == ["minxian_office"]
    steps = list(by_hand.steps.order_by("id").values_list("action", "user__username"))
    assert steps == [
        ("raise", "enum_a"),
        ("initial_check", "enum_b"),
        ("review", lead.user.username),
        ("review_conclude", lead.user.username),
        ("department_appraise", "dept_checker"),
        ("expert_judge", group.user.username),
        ("final_confirm", "wg"),
    ]

    # --- compute, decide, report -------------------------------------------------------------------
    wg.goto(f"/assessments/{pk}/")
    wg.get_by_role("button", name="计算结果").click()
    wg.wait_for_selector("ul.messages")
    assert CountyResult.objects.filter(campaign=campaign, current=True).count() == 4
    wg.get_by_role("link", name=f"{county.name}结果详情").click()
    wg.wait_for_selector("form.decision-form")
    wg.check("input[name=outcome][value=pass]")
    wg.fill("textarea[name=note]", "四项指标均达标，综合研判通过")
    wg.get_by_role("button", name="记录县级结果").click()
    wg.wait_for_selector("p.decision")
    decision = CountyDecision.objects.get(campaign=campaign)
    assert (decision.outcome, decision.decided_by) == ("pass", wg_user)
    move_campaign(wg, pk, "已出结果")
    with wg.expect_download() as download:
        wg.get_by_role("link", name="Word 报告（DOCX）").click()
    saved = tmp_path / "report.docx"
    download.value.save_as(saved)
    from docx import Document

    assert county.name in "\n".join(p.text for p in Document(str(saved)).paragraphs)

    # --- feedback and rectification ----------------------------------------------------------------
    wg.goto(f"/assessments/{pk}/feedback/")
    wg.get_by_role("button", name="制作/补充问题反馈清单").click()
    item = wg.locator(f"#county-{county.code} tbody tr").first
    item.wait_for()
    item.locator("input[name=owner]").fill("岷县扶贫办")
    item.locator("input[name=deadline]").fill("2030-06-30")
    item.get_by_role("button", name="下达整改").click()
    wg.locator(".rect-open").wait_for()

    office.goto("/assessments/")
    office.get_by_role("link", name=CAMPAIGN_NAME).click()
    office.get_by_role("link", name="反馈整改").click()
    row = office.locator(f"#county-{county.code} tbody tr").first
    row.wait_for()
    assert "产业扶持资金" in row.inner_text()
    row.locator("textarea[name=proof_text]").fill("资金已于本月拨付到户，附银行流水")
    row.locator("input[name=files]").set_input_files(
        files=[{"name": "银行流水.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    row.get_by_role("button", name="提交整改情况").click()
    office.locator(".rect-submitted").wait_for()

    wg.goto(f"/assessments/{pk}/feedback/")
    row = wg.locator(f"#county-{county.code} tbody tr").first
    with wg.expect_download() as proof:
        row.get_by_role("link", name="银行流水.pdf").click()
    assert Path(proof.value.path()).read_bytes() == PDF
    row.locator("textarea[name=opinion]").fill("整改到位")
    row.get_by_role("button", name="验收通过").click()
    wg.locator(".rect-accepted").wait_for()
    rect = Rectification.objects.get()
    assert rect.status == "accepted" and rect.item.problem == by_hand
    assert list(rect.steps.order_by("id").values_list("user__username", flat=True))[-2:] == [
        "minxian_office",
        "wg",
    ]
    assert User.objects.filter(username__in=passwords).count() == len(PEOPLE)
    # Every person's steps audited under their own name.
    users = ("wg", "enum_a", "enum_b", "dept_checker", lead.user.username, group.user.username)
    for username in users:
        assert AuditEntry.objects.filter(user__username=username).exists(), username
    assert AuditEntry.objects.filter(user=office_user, model="Rectification").exists()
    # The campaign's page in Chinese: no setting code, no Python value.
    wg.goto(f"/assessments/{pk}/")
    assert not re.search(r"\b(True|False|None|pps|srs)\b", wg.inner_text("main"))
