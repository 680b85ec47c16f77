"""In a real browser, questionnaire v2's conditional question: after 不满意 the phone shows 不满意的原因,
refuses to finish without it (naming the question), and sends the questionnaire once it is given."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.migrations._questionnaire_v2 import SCHEMA_V2
from fupin.assessments.models import Questionnaire, Submission
from fupin.registry.models import Household
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import World, build_world

pytestmark = pytest.mark.browser

QUESTION = "“帮扶措施是否落实到村到户（对落实情况是否满意）”选择“不满意”"


@pytest.fixture
def field_world(household: Household) -> World:
    # Transactional tests flush the migrations' rows: install both versions when they are gone.
    for schema in (SCHEMA_V1, SCHEMA_V2):
        Questionnaire.objects.get_or_create(
            version=schema["version"], defaults={"title": schema["title"], "schema": schema}
        )
    world = build_world(household)
    with_password(world.users["enumerator"])
    return world


def test_not_satisfied_asks_for_its_reason_before_the_survey_can_be_finished(
    field_world: World, browser_page: Any
):
    page = browser_page
    log_in(page, field_world.users["enumerator"])
    page.goto("/field/")
    page.wait_for_selector("body[data-ready=true]")
    page.click(f"button.household[data-household-no='{field_world.household.household_no}']")
    page.wait_for_selector("#view-form:not([hidden]) fieldset[data-section=recognition_registered]")
    for box in page.locator(".q[data-type=int] input").all():
        box.fill("1")
    for box in page.locator(".q[data-type=number] input").all():
        box.fill("5000")
    for group in page.locator(".q[data-type=bool]:visible, .q[data-type=choice]:visible").all():
        group.locator("label.choice").first.click()
    reason = page.locator(".q[data-code=rec_delivered_reason]")
    assert reason.is_hidden()  # 满意: no reason asked

    page.locator(".q[data-code=rec_delivered] label.choice", has_text="不满意").click()
    reason.wait_for(state="visible")
    assert page.locator(".q[data-code=rec_effective_reason]").is_hidden()
    page.click("#save-final")
    error = page.locator("#form-errors li", has_text=QUESTION)
    error.wait_for()
    assert "须填写不满意的原因" in error.inner_text()
    assert page.locator("#outbox li.item").count() == 0

    reason.locator("textarea").fill("产业项目没有落实到户")
    page.click("#save-final")
    page.click("#send-now")
    page.locator("#outbox li.item[data-state=sent]").wait_for()
    stored = Submission.objects.get(household=field_world.household)
    assert stored.questionnaire.version == 2
    assert stored.answers["rec_delivered"] == "not_satisfied"
    assert stored.answers["rec_delivered_reason"] == "产业项目没有落实到户"
    assert "rec_effective_reason" not in stored.answers
