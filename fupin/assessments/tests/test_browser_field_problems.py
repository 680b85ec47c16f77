"""On a phone, offline: an enumerator fills a questionnaire, sees the problem fupin proposes from the
answers, confirms it, adds one by hand with a note and a photo, and when the phone is back online
both problems arrive exactly once (a resend is answered from what is stored)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.models import Evidence, Problem, Questionnaire, Submission
from fupin.assessments.services import proposals_for
from fupin.assessments.tests.test_browser_field import (
    PNG,
    fill_survey,
    open_field_page_and_go_offline,
    outbox_item,
)
from fupin.assessments.workflows import ProblemStatus
from fupin.registry.models import Household, Status
from fupin.testing.browser import WAIT_MS, with_password
from fupin.testing.worlds import World, build_world, grant_role

pytestmark = pytest.mark.browser

# Put the device's problems back in the outbox (as if the replies had been lost).
REQUEUE_PROBLEMS = """async () => {
  for (const p of await window.FieldOutbox.all("problems")) {
    p.state = "waiting";
    await window.FieldOutbox.put("problems", p);
  }
}"""
ALL_RESENT = """async () => {
  const all = await window.FieldOutbox.all("problems");
  return all.length === 2 && all.every((p) => p.state === "sent" && p.already_stored);
}"""


@pytest.fixture
def field_world(household: Household) -> World:
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    Household.objects.filter(pk=household.pk).update(status=Status.EXITED)
    household.refresh_from_db()
    world = build_world(household)
    with_password(world.users["enumerator"])
    grant_role(world.users["enumerator"], Role.ENUMERATOR)
    return world


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A phone-sized, touch browser profile aimed at the live server."""
    context = chromium.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def phone_page(phone: Any) -> Iterator[Any]:
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "Content Security Policy" in m.text and errors.append(m.text)
        ),
    )
    yield page
    assert not errors, f"JavaScript errors on the page: {errors}"


def test_proposed_and_hand_raised_problems_go_out_once_after_going_offline(
    field_world: World, phone: Any, phone_page: Any
) -> None:
    page = phone_page
    household = field_world.household
    open_field_page_and_go_offline(page, phone, field_world)
    fill_survey(page, household.household_no)  # income 2500 per person, every answer the first
    page.locator(".q[data-code=housing_ok] label.choice").nth(1).click()  # 住房安全：否
    page.click("#save-final")

    # The proposal, from the answers, in Chinese: income under the 2018 line and unsafe housing
    # make the exited household a suspected 错退.
    proposal = page.locator("#view-problems li.proposal[data-kind=wrong_exit]")
    proposal.wait_for()
    text = proposal.locator("textarea").input_value()
    assert text == (
        "入户调查发现疑似错退（已脱贫户）：人均纯收入 2500 元，不高于2018 年国家扶贫标准 2995 元"
        "；住房安全有保障未达到"
    )
    assert "疑似错退" in proposal.inner_text()
    proposal.get_by_role("button", name="确认提出").click()
    page.locator("#raised li.problem[data-kind=wrong_exit][data-state=waiting]").wait_for()
    assert page.locator("li.proposal[data-decided=raised]").count() == 1

    # One by hand: recognition, with a note and a photo.
    page.select_option("#manual-kind", label="认可度")
    page.fill("#manual-note", "户主表示对帮扶干部的工作不认可，称一年未见人")
    page.set_input_files(
        "#manual-files", files=[{"name": "talk.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#manual-add")
    manual = page.locator("#raised li.problem[data-kind=recognition][data-state=waiting]")
    manual.wait_for()
    assert "（手工添加）" in manual.inner_text() and "照片/录音 1 个" in manual.inner_text()
    assert "帮扶干部" in manual.inner_text()
    page.click("#problems-done")

    row = outbox_item(page, "waiting")
    client_id = row.get_attribute("data-client-id")
    row.filter(has_text="疑点 2 条：待发送 2").wait_for()
    page.click("#send-now")  # still offline: nothing leaves the phone
    page.wait_for_function("() => !document.getElementById('send-now').disabled")
    assert not Submission.objects.exists() and not Problem.objects.exists()

    phone.set_offline(False)  # the `online` event sends the questionnaire, then the problems
    page.click("#send-now")
    sent = page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=sent]")
    sent.filter(has_text="疑点 2 条：已发送 2").wait_for()

    submission = Submission.objects.get(client_id=client_id)
    problems = {p.kind: p for p in Problem.objects.all()}
    assert set(problems) == {"wrong_exit", "recognition"}
    proposed, by_hand = problems["wrong_exit"], problems["recognition"]
    # What the phone proposed is what the server proposes from the stored answers.
    assert [p.description for p in proposals_for(submission)] == [proposed.description]
    for problem in (proposed, by_hand):
        assert problem.submission == submission and problem.household == household
        assert problem.status == ProblemStatus.PENDING_INITIAL
        assert problem.raised_by == field_world.users["enumerator"]
        assert problem.client_id is not None
    assert by_hand.description == "户主表示对帮扶干部的工作不认可，称一年未见人"
    page.wait_for_function(
        """async () => (await window.FieldOutbox.all("problem_files"))
            .every((f) => f.state === "sent")"""
    )
    assert Evidence.objects.filter(problem=by_hand).count() == 1

    # The replies were lost (say): the phone sends both again; still two rows.
    page.evaluate(REQUEUE_PROBLEMS)
    page.click("#send-now")
    page.wait_for_function(ALL_RESENT)
    assert Problem.objects.count() == 2
    assert Evidence.objects.filter(problem=by_hand).count() == 1

    # The enumerator can open the household's problems again from the outbox; no dismissal.
    sent.get_by_role("button", name="疑点问题").click()
    page.locator("#raised li.problem[data-state=sent]").nth(1).wait_for()
    assert "服务器此前已收到，未重复保存" in page.inner_text("#raised")
    assert page.locator("#view-problems").get_by_role("button", name="撤回").count() == 0
