"""In a real browser: an enumerator fills a survey offline, goes back online, and the submission
arrives once; refused questionnaires show the server's reason."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from fupin.assessments.migrations._questionnaire_v1 import SCHEMA_V1
from fupin.assessments.models import Campaign, Evidence, Questionnaire, Submission
from fupin.assessments.services import CONFLICT_MESSAGE
from fupin.assessments.workflows import CampaignStatus
from fupin.registry.models import Household
from fupin.testing.browser import log_in, with_password
from fupin.testing.worlds import World, build_world

pytestmark = pytest.mark.browser

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc000000301010018dd8db00000000049454e44ae426082"
)

# Put a stored questionnaire back in the outbox (as if its reply had been lost), optionally with
# changed answers (a forged conflict), straight through IndexedDB.
REQUEUE = """async ([clientId, wages]) => {
  const item = await window.FieldOutbox.get("submissions", clientId);
  item.state = "waiting";
  if (wages !== null) item.answers.income_wages = wages;
  await window.FieldOutbox.put("submissions", item);
}"""

FIELD_CACHES = "async () => (await caches.keys()).filter(k => k.startsWith('fupin-field-'))"


@pytest.fixture
def field_world(household: Household) -> World:
    # Transactional tests flush the migration's rows: install questionnaire v1 when it is gone.
    Questionnaire.objects.get_or_create(
        version=SCHEMA_V1["version"], defaults={"title": SCHEMA_V1["title"], "schema": SCHEMA_V1}
    )
    world = build_world(household)
    with_password(world.users["enumerator"])
    return world


def open_field_page_and_go_offline(page: Any, context: Any, world: World) -> None:
    log_in(page, world.users["enumerator"])
    page.goto("/field/")
    page.wait_for_selector("body[data-ready=true]")
    page.wait_for_selector(f"button.household[data-household-no='{world.household.household_no}']")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()  # now under the service worker, which caches this visit's task list
    page.wait_for_selector("body[data-ready=true]")
    cached_at = page.get_attribute("body", "data-generated-at")
    context.set_offline(True)
    page.reload()  # from the service worker's cache: there is no network
    page.wait_for_selector("body[data-ready=true]")
    assert page.inner_text("#net") == "离线"
    assert page.get_attribute("body", "data-generated-at") == cached_at  # not fetched anew
    assert (
        page.locator(f"button.household[data-household-no='{world.household.household_no}']")
        .inner_text()
        .startswith("张三")
    )


def fill_survey(page: Any, household_no: str) -> None:
    page.click(f"button.household[data-household-no='{household_no}']")
    page.wait_for_selector("#view-form:not([hidden]) fieldset[data-section=household]")
    for box in page.locator(".q[data-type=int] input").all():
        box.fill("1")
    for box in page.locator(".q[data-type=number] input").all():
        box.fill("2500")
    for group in page.locator(".q[data-type=bool], .q[data-type=choice]").all():
        group.locator("label.choice").first.click()


def outbox_item(page: Any, state: str) -> Any:
    item = page.locator(f"#outbox li.item[data-state={state}]")
    item.first.wait_for()
    return item


def test_a_survey_filled_offline_arrives_once_when_back_online(
    field_world, browser_context, browser_page
):
    page = browser_page
    open_field_page_and_go_offline(page, browser_context, field_world)
    fill_survey(page, field_world.household.household_no)
    page.locator(".q[data-code=housing_ok] input[type=file]").set_input_files(
        files=[{"name": "house.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.wait_for_selector("[data-thumbs=housing_ok] img")
    page.click("#save-final")

    item = outbox_item(page, "waiting")
    assert item.count() == 1
    assert "待发送" in item.inner_text()
    assert page.inner_text("#n-waiting") == "1"
    client_id = item.get_attribute("data-client-id")
    page.click("#send-now")  # offline: fails and leaves it waiting
    # a function, not an expression: Playwright polls an expression with eval(), which the
    # page's Content-Security-Policy (rightly) forbids
    page.wait_for_function("() => !document.getElementById('send-now').disabled")
    row = page.locator(f"#outbox li[data-client-id='{client_id}']")
    assert row.get_attribute("data-state") == "waiting"
    assert not Submission.objects.filter(client_id=client_id).exists()

    browser_context.set_offline(False)  # the `online` event starts the sending
    page.click("#send-now")
    sent = page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=sent]")
    sent.wait_for()
    assert "已发送" in sent.inner_text()
    assert Submission.objects.filter(client_id=client_id).count() == 1
    stored = Submission.objects.get(client_id=client_id)
    assert str(stored.pk) in sent.inner_text()
    assert stored.answers["income_wages"] == 2500 and stored.answers["food_ok"] is True
    row.filter(has_text="照片 1 张：已发送 1").wait_for()
    evidence = Evidence.objects.get(submission=stored)
    assert evidence.sha256 == hashlib.sha256(PNG).hexdigest()

    # The reply was lost (say): the device sends the same questionnaire again; still one row.
    page.evaluate(REQUEUE, [client_id, None])
    page.click("#send-now")
    again = page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=sent]")
    again.filter(has_text="未重复保存").wait_for()
    assert Submission.objects.filter(client_id=client_id).count() == 1
    assert Evidence.objects.filter(submission=stored).count() == 1


def test_a_forged_change_under_a_sent_id_is_refused_with_the_reason(
    field_world, browser_context, browser_page
):
    page = browser_page
    open_field_page_and_go_offline(page, browser_context, field_world)
    fill_survey(page, field_world.household.household_no)
    page.click("#save-final")
    client_id = outbox_item(page, "waiting").get_attribute("data-client-id")
    browser_context.set_offline(False)
    page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=sent]").wait_for()

    page.evaluate(REQUEUE, [client_id, 99999])
    page.click("#send-now")
    refused = page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=refused]")
    refused.wait_for()
    assert "被拒绝" in refused.inner_text()
    assert CONFLICT_MESSAGE in refused.inner_text()
    assert page.inner_text("#n-refused") == "1"
    assert Submission.objects.filter(client_id=client_id).count() == 1
    assert Submission.objects.get(client_id=client_id).answers["income_wages"] == 2500


def test_a_survey_for_a_campaign_closed_meanwhile_is_refused(
    field_world, browser_context, browser_page
):
    page = browser_page
    open_field_page_and_go_offline(page, browser_context, field_world)
    fill_survey(page, field_world.household.household_no)
    page.click("#save-final")
    client_id = outbox_item(page, "waiting").get_attribute("data-client-id")
    Campaign.objects.filter(pk=field_world.campaign.pk).update(status=CampaignStatus.CLOSED)

    browser_context.set_offline(False)
    refused = page.locator(f"#outbox li[data-client-id='{client_id}'][data-state=refused]")
    refused.wait_for()
    assert "不在实地调查阶段" in refused.inner_text()
    assert not Submission.objects.exists()
    # A refused questionnaire can be copied (a new id) to correct and send again.
    refused.get_by_role("button", name="复制为新问卷修改").click()
    page.wait_for_selector("#view-form:not([hidden])")
    assert page.locator(".q[data-code=income_wages] input").input_value() == "2500"


def test_logging_out_from_the_field_page_drops_the_cached_pages(
    field_world, browser_context, browser_page
):
    page = browser_page
    log_in(page, field_world.users["enumerator"])
    page.goto("/field/")
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate("async () => { await navigator.serviceWorker.ready; }")
    keys = page.evaluate(FIELD_CACHES)
    assert keys
    page.click("#logout")
    page.wait_for_url("**/accounts/login/**")
    assert page.evaluate(FIELD_CACHES) == []
    response = page.goto("/field/")  # logged out: the login page, nothing from the cache
    assert "/accounts/login/" in page.url and response.status == 200
    assert "张三" not in page.content()


def test_a_session_expired_while_offline_keeps_the_survey_waiting(
    field_world, browser_context, browser_page
):
    from django.contrib.sessions.models import Session

    page = browser_page
    open_field_page_and_go_offline(page, browser_context, field_world)
    fill_survey(page, field_world.household.household_no)
    page.click("#save-final")
    client_id = outbox_item(page, "waiting").get_attribute("data-client-id")
    Session.objects.all().delete()

    browser_context.set_offline(False)
    page.locator("#sync-note a", has_text="重新登录").wait_for()
    row = page.locator(f"#outbox li[data-client-id='{client_id}']")
    assert row.get_attribute("data-state") == "waiting"
    assert not Submission.objects.exists()
