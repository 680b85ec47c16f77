"""The local-explanations page (地方说明): who sees which problems in the window, and what a POST does."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.models import Role as AccountRole
from fupin.accounts.services import membership_grant
from fupin.assessments.models import Problem, ProblemExplanation
from fupin.assessments.selectors import problems_awaiting_explanation_for
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import (
    ID_NUMBER,
    MASKED,
    body,
    close_window,
    raise_problem,
    scoped,
    steps_of,
    to_status,
)

pytestmark = pytest.mark.django_db

PAGE = "/assessments/explanations/"


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def explaining(w: World, description: str = "人均纯收入低于标准线却已标注脱贫") -> Problem:
    return to_status(w, raise_problem(w, description), "explaining")


def neighbour_problem(w: World) -> Problem:
    """A county-level problem of 漳县 in its window (no team works there, so made directly)."""
    return Problem.objects.create(
        campaign=w.campaign,
        county=w.neighbour,
        kind="policy_not_delivered",
        description="漳县危房改造资金未到位",
        status="explaining",
        explain_until=timezone.now() + dt.timedelta(hours=48),
        raised_by=w.working_group,
    )


def shown(page: str, problem: Problem) -> bool:
    return f'id="problem-{problem.pk}"' in page


def test_the_county_officer_sees_exactly_their_countys_problems_in_the_window(
    client: Any, w: World
):
    mine = explaining(w)
    waiting = to_status(w, raise_problem(w, "另一户待复核"), "pending_review")
    theirs = neighbour_problem(w)
    client.force_login(w.county_officer)
    response = client.get(PAGE)
    assert response.status_code == 200
    page = body(response)
    assert shown(page, mine) and not shown(page, waiting) and not shown(page, theirs)
    assert "错退" in page and "人均纯收入低于标准线却已标注脱贫" in page
    assert w.household.household_no in page and "张三" in page
    assert MASKED in page and ID_NUMBER not in page
    assert "review 意见" in page  # the lead expert's review opinion that opened the window
    assert timezone.localtime(mine.explain_until).strftime("%Y-%m-%d %H:%M") in page
    assert "剩余" in page and 'name="text"' in page
    assert list(problems_awaiting_explanation_for(w.county_officer)) == [mine]


def test_the_neighbour_countys_officer_sees_none_of_them(client: Any, w: World):
    mine = explaining(w)
    theirs = neighbour_problem(w)
    client.force_login(w.neighbour_officer)
    page = body(client.get(PAGE))
    assert not shown(page, mine) and shown(page, theirs)
    assert "人均纯收入低于标准线却已标注脱贫" not in page and w.household.household_no not in page
    assert list(problems_awaiting_explanation_for(w.neighbour_officer)) == [theirs]


def test_the_county_officer_explains_and_sees_the_explanation(client: Any, w: World):
    problem = explaining(w)
    before = steps_of(problem)
    client.force_login(w.county_officer)
    response = client.post(
        PAGE, {"problem": problem.pk, "text": "该户已于2019年纳入低保，收入已核实"}
    )
    assert response.status_code == 302 and response["Location"] == PAGE
    explanation = ProblemExplanation.objects.get(problem=problem)
    assert (explanation.user, explanation.text) == (
        w.county_officer,
        "该户已于2019年纳入低保，收入已核实",
    )
    assert AuditEntry.objects.filter(
        model="ProblemExplanation", object_key=str(explanation.pk)
    ).exists()
    problem.refresh_from_db()
    assert problem.status == "explaining" and steps_of(problem) == before
    page = body(client.get(response["Location"]))
    assert "已提交对问题" in page and "该户已于2019年纳入低保，收入已核实" in page


def test_a_forged_post_by_the_neighbours_officer_is_refused_and_changes_nothing(
    client: Any, w: World
):
    problem = explaining(w)
    client.force_login(w.neighbour_officer)
    response = client.post(PAGE, {"problem": problem.pk, "text": "伪造的说明"})
    assert response.status_code == 404
    assert "未作任何更改" in body(response) and "人均纯收入" not in body(response)
    assert not ProblemExplanation.objects.exists()
    problem.refresh_from_db()
    assert problem.status == "explaining"


def test_after_the_window_the_form_is_gone_and_a_post_shows_the_services_refusal(
    client: Any, w: World
):
    problem = explaining(w)
    close_window(problem)
    client.force_login(w.county_officer)
    page = body(client.get(PAGE))
    assert shown(page, problem) and "说明期已过" in page and 'name="text"' not in page
    response = client.post(PAGE, {"problem": problem.pk, "text": "迟到的说明"})
    assert response.status_code == 409
    assert "地方说明期已过，不能再作说明" in body(response)
    assert not ProblemExplanation.objects.exists()


def test_an_empty_explanation_is_refused_with_the_services_message(client: Any, w: World):
    problem = explaining(w)
    client.force_login(w.county_officer)
    response = client.post(PAGE, {"problem": problem.pk, "text": "  "})
    assert response.status_code == 409 and "请填写说明" in body(response)
    assert not ProblemExplanation.objects.exists()


def test_only_a_county_officer_of_the_problems_county_is_given_the_page(client: Any, w: World):
    problem = explaining(w)
    office = make_user("minxian_office")  # county poverty office of 岷县, not a county officer
    membership_grant(user=office, role=AccountRole.COUNTY_OFFICE, region=w.county)
    unplaced = make_user("unplaced", Role.COUNTY_OFFICER)  # the role tied to no county
    membership_grant(user=unplaced, role=AccountRole.COUNTY_OFFICE, region=w.county)
    for user in (office, unplaced, w.neighbour_officer, w.working_group):
        client.force_login(user)
        assert not shown(body(client.get(PAGE)), problem)
        assert client.post(PAGE, {"problem": problem.pk, "text": "说明"}).status_code == 404
    assert not ProblemExplanation.objects.exists()


def test_anonymous_users_are_sent_to_log_in(client: Any, w: World):
    problem = explaining(w)
    for response in (client.get(PAGE), client.post(PAGE, {"problem": problem.pk, "text": "x"})):
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ProblemExplanation.objects.exists()


def test_the_campaign_list_links_to_the_page_only_for_users_with_problems_to_explain(
    client: Any, w: World
):
    explaining(w)
    client.force_login(w.county_officer)
    assert PAGE in body(client.get("/assessments/"))
    for user in (w.neighbour_officer, w.working_group):
        client.force_login(user)
        assert PAGE not in body(client.get("/assessments/"))
