"""Feedback and rectification page: the working group lists and orders, the county officer submits,
the working group accepts or reopens; every move through the services, refusals change nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fupin.assessments.models import FeedbackItem, Problem, Rectification, RectificationStep
from fupin.assessments.services import (
    campaign_transition,
    feedback_list_build,
    rectification_open,
)
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import body, confirmed_problem, decide, scoped
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


@pytest.fixture
def problem(w: World) -> Problem:
    p = confirmed_problem(w)
    decide(w)
    return p


@pytest.fixture
def rect(w: World, problem: Problem) -> Rectification:
    fl = feedback_list_build(
        campaign=w.campaign, province=Region.objects.get(code="620000000000"), user=w.working_group
    )
    campaign_transition(campaign=w.campaign, to="feedback", user=w.working_group)
    return rectification_open(
        item=fl.items.get(), owner="岷县扶贫办", deadline=dt.date(2021, 6, 30), user=w.working_group
    )


def page(w: World) -> str:
    return f"/assessments/{w.campaign.pk}/feedback/"


def act(w: World, rect: Rectification) -> str:
    return f"/assessments/{w.campaign.pk}/rectifications/{rect.pk}/act/"


def test_the_working_group_builds_the_list_and_orders_rectification(
    client: Any, w: World, problem: Problem
):
    client.force_login(w.working_group)
    assert "还没有反馈问题" in body(client.get(page(w)))
    response = client.post(
        f"/assessments/{w.campaign.pk}/feedback/build/", {"province": "620000000000"}
    )
    assert response.status_code == 302
    item = FeedbackItem.objects.get(problem=problem)
    assert "尚未下达整改" in body(client.get(page(w)))
    response = client.post(
        f"/assessments/{w.campaign.pk}/feedback/items/{item.pk}/rectify/",
        {"owner": "岷县扶贫办", "deadline": "2021-06-30"},
    )
    assert response.status_code == 302
    rect = Rectification.objects.get(item=item)
    assert (rect.owner, rect.deadline, rect.status) == ("岷县扶贫办", dt.date(2021, 6, 30), "open")


def test_the_county_officer_submits_and_the_working_group_accepts(
    client: Any, w: World, rect: Rectification
):
    client.force_login(w.county_officer)
    listing = body(client.get(page(w)))
    assert "岷县" in listing and "待整改" in listing and 'value="submit"' in listing
    assert 'value="accept"' not in listing
    response = client.post(act(w, rect), {"action": "submit", "proof_text": "已补录务工收入并复核"})
    assert response.status_code == 302
    rect.refresh_from_db()
    assert rect.status == "submitted" and rect.proof_text == "已补录务工收入并复核"
    assert RectificationStep.objects.filter(rectification=rect).count() == 1
    client.force_login(w.working_group)
    listing = body(client.get(page(w)))
    assert 'value="accept"' in listing and 'value="reopen"' in listing
    assert "已提交整改" in listing and "已补录务工收入并复核" in listing
    assert client.post(act(w, rect), {"action": "accept", "opinion": "验收通过"}).status_code == 302
    rect.refresh_from_db()
    assert rect.status == "accepted"
    assert "整改验收通过" in body(client.get(page(w)))


def test_a_county_officer_cannot_accept_their_own_rectification(
    client: Any, w: World, rect: Rectification
):
    client.force_login(w.county_officer)
    client.post(act(w, rect), {"action": "submit", "proof_text": "已整改"})
    response = client.post(act(w, rect), {"action": "accept", "opinion": "自己验收"})
    assert response.status_code == 403 and "只有评估工作组成员" in body(response)
    rect.refresh_from_db()
    assert rect.status == "submitted"
    assert RectificationStep.objects.filter(rectification=rect).count() == 1


def test_reopening_needs_a_reason_and_a_wrong_state_is_a_conflict(
    client: Any, w: World, rect: Rectification
):
    client.force_login(w.working_group)
    response = client.post(act(w, rect), {"action": "accept"})
    assert response.status_code == 409 and "不能“验收通过”" in body(response)
    client.force_login(w.county_officer)
    client.post(act(w, rect), {"action": "submit", "proof_text": "已整改"})
    client.force_login(w.working_group)
    response = client.post(act(w, rect), {"action": "reopen", "opinion": ""})
    assert response.status_code == 409 and "退回须说明理由" in body(response)
    assert Rectification.objects.get(pk=rect.pk).status == "submitted"
    assert (
        client.post(act(w, rect), {"action": "reopen", "opinion": "证明材料不足"}).status_code
        == 302
    )
    assert Rectification.objects.get(pk=rect.pk).status == "reopened"


def test_the_neighbour_officer_sees_nothing_of_the_county(
    client: Any, w: World, rect: Rectification
):
    client.force_login(w.neighbour_officer)
    listing = client.get(page(w))
    assert listing.status_code == 200 and "岷县扶贫办" not in body(listing)
    response = client.post(act(w, rect), {"action": "submit", "proof_text": "x"})
    assert response.status_code == 404
    assert Rectification.objects.get(pk=rect.pk).status == "open"


def test_anonymous_is_sent_to_the_login_page(client: Any, w: World, rect: Rectification):
    response = client.get(page(w))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post(act(w, rect), {"action": "submit", "proof_text": "x"})
    assert Rectification.objects.get(pk=rect.pk).status == "open"
