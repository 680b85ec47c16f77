"""Review queue pages (五核): who sees which problems, which buttons, and what a POST does."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import Role
from fupin.assessments.models import Problem
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import (
    ID_NUMBER,
    MASKED,
    attach_photo,
    body,
    close_window,
    confirmed_problem,
    decide,
    raise_problem,
    scoped,
    steps_of,
    to_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def queue(w: World, step: str) -> str:
    return f"/assessments/{w.campaign.pk}/review/{step}/"


def act(w: World, problem: Problem) -> str:
    return f"/assessments/{w.campaign.pk}/problems/{problem.pk}/act/"


def test_the_initial_queue_shows_the_problem_with_a_masked_id_and_its_history(
    client: Any, w: World
):
    problem = raise_problem(w)
    attach_photo(problem)
    client.force_login(w.enumerator_user)
    page = body(client.get(queue(w, "initial")))
    assert f'id="problem-{problem.pk}"' in page
    assert "人均纯收入低于标准线却已标注脱贫" in page and "错退" in page
    assert w.household.household_no in page and "张三" in page
    assert MASKED in page and ID_NUMBER not in page
    assert "roof.jpg" in page  # the evidence
    assert "提出疑点" in page  # the history of steps
    # The enumerator raised it: her team may pass it on but never dismiss it (the button is hidden).
    assert 'value="initial_check"' in page and 'value="initial_dismiss"' not in page


def test_each_step_page_lists_only_problems_waiting_at_it(client: Any, w: World):
    problem = to_status(w, raise_problem(w), "pending_review")
    client.force_login(w.working_group)
    assert f'id="problem-{problem.pk}"' not in body(client.get(queue(w, "initial")))
    assert f'id="problem-{problem.pk}"' in body(client.get(queue(w, "review")))
    assert client.get(queue(w, "nonsense")).status_code == 404


def test_an_enumerator_takes_the_initial_check_and_a_step_is_written(client: Any, w: World):
    problem = raise_problem(w)
    before = steps_of(problem)
    client.force_login(w.enumerator_user)
    response = client.post(
        act(w, problem),
        {"action": "initial_check", "opinion": "入户核实，疑点成立", "step": "initial"},
    )
    assert response.status_code == 302 and response["Location"] == queue(w, "initial")
    problem.refresh_from_db()
    assert problem.status == "pending_review"
    assert steps_of(problem) == before + 1
    last = problem.steps.order_by("-id").first()
    assert (last.action, last.user, last.opinion) == (
        "initial_check",
        w.enumerator_user,
        "入户核实，疑点成立",
    )
    assert "已完成" in body(client.get(response["Location"]))


def test_a_user_without_the_role_sees_no_button_and_a_forged_post_is_refused(client: Any, w: World):
    problem = raise_problem(w)
    before = steps_of(problem)
    client.force_login(w.lead_expert)
    page = body(client.get(queue(w, "initial")))
    assert f'id="problem-{problem.pk}"' in page
    assert 'value="initial_check"' not in page and "待调查员办理" in page
    response = client.post(act(w, problem), {"action": "initial_check", "opinion": "越权"})
    assert response.status_code == 403
    assert "只有调查员才能进行初核" in body(response)
    problem.refresh_from_db()
    assert problem.status == "pending_initial" and steps_of(problem) == before


def test_an_action_the_status_does_not_allow_is_a_conflict(client: Any, w: World):
    problem = raise_problem(w)
    client.force_login(w.working_group)
    response = client.post(act(w, problem), {"action": "final_confirm", "opinion": "直接认定"})
    assert response.status_code == 409
    assert "不能进行“终核：认定”" in body(response)
    problem.refresh_from_db()
    assert problem.status == "pending_initial" and steps_of(problem) == 1


def test_a_missing_opinion_is_refused_with_the_services_message(client: Any, w: World):
    problem = raise_problem(w)
    client.force_login(w.enumerator_user)
    response = client.post(act(w, problem), {"action": "initial_check", "opinion": "  "})
    assert response.status_code == 409 and "请填写初核意见" in body(response)
    assert Problem.objects.get(pk=problem.pk).status == "pending_initial"


def test_the_review_conclusion_asks_whether_the_sides_disagree(client: Any, w: World):
    problem = to_status(w, raise_problem(w), "explaining")
    close_window(problem)
    client.force_login(w.lead_expert)
    page = body(client.get(queue(w, "review")))
    assert 'name="disputed"' in page and 'value="review_conclude"' in page
    response = client.post(act(w, problem), {"action": "review_conclude", "opinion": "x"})
    assert response.status_code == 409 and "是否存在争议" in body(response)
    response = client.post(
        act(w, problem), {"action": "review_conclude", "opinion": "复核属实", "disputed": "no"}
    )
    assert response.status_code == 302
    assert Problem.objects.get(pk=problem.pk).status == "pending_expert"


def test_the_explanation_window_must_close_before_the_conclusion(client: Any, w: World):
    problem = to_status(w, raise_problem(w), "explaining")
    client.force_login(w.lead_expert)
    response = client.post(
        act(w, problem), {"action": "review_conclude", "opinion": "x", "disputed": "no"}
    )
    assert response.status_code == 409 and "期满后才能作出复核结论" in body(response)
    assert Problem.objects.get(pk=problem.pk).status == "explaining"


def test_later_steps_belong_to_their_roles(client: Any, w: World):
    problem = to_status(w, raise_problem(w), "pending_expert")
    client.force_login(w.lead_expert)
    page = body(client.get(queue(w, "expert")))
    assert f'id="problem-{problem.pk}"' in page and 'value="expert_judge"' not in page
    assert (
        client.post(act(w, problem), {"action": "expert_judge", "opinion": "x"}).status_code == 403
    )
    client.force_login(w.expert_group)
    assert 'value="expert_judge"' in body(client.get(queue(w, "expert")))
    assert (
        client.post(act(w, problem), {"action": "expert_judge", "opinion": "属实"}).status_code
        == 302
    )
    attach_photo(problem)
    client.force_login(w.working_group)
    page = body(client.get(queue(w, "final")))
    assert 'value="final_confirm"' in page and 'value="final_reject"' in page
    assert (
        client.post(act(w, problem), {"action": "final_confirm", "opinion": "认定"}).status_code
        == 302
    )
    assert Problem.objects.get(pk=problem.pk).status == "confirmed"


def test_evidence_cited_from_another_problem_is_refused(client: Any, w: World):
    problem = raise_problem(w)
    other = raise_problem(w, "另一疑点")
    foreign = attach_photo(other, b"another photo")
    client.force_login(w.enumerator_user)
    response = client.post(
        act(w, problem), {"action": "initial_check", "opinion": "x", "evidence": [str(foreign.pk)]}
    )
    assert response.status_code == 409 and "不属于该问题" in body(response)
    assert Problem.objects.get(pk=problem.pk).status == "pending_initial"


def test_the_problem_page_shows_history_and_acts_too(client: Any, w: World):
    problem = raise_problem(w, user=w.working_group)  # the raising team never dismisses
    client.force_login(w.enumerator_user)
    url = f"/assessments/{w.campaign.pk}/problems/{problem.pk}/"
    assert "提出疑点" in body(client.get(url))
    response = client.post(
        act(w, problem), {"action": "initial_dismiss", "opinion": "不成立", "back": "problem"}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert Problem.objects.get(pk=problem.pk).status == "rejected"


def test_problems_are_scoped_to_the_users_households_and_campaigns(client: Any, w: World):
    problem = raise_problem(w)
    # An enumerator of a team with no households here, and a lead expert of no county here.
    stranger = make_user("stranger_lead", Role.LEAD_EXPERT)
    for user in (w.outsider_user, stranger, w.county_officer, w.neighbour_officer):
        client.force_login(user)
        assert client.get(queue(w, "initial")).status_code == 404
        assert client.get(f"/assessments/{w.campaign.pk}/problems/{problem.pk}/").status_code == 404
        assert (
            client.post(act(w, problem), {"action": "initial_check", "opinion": "x"}).status_code
            == 404
        )
    assert Problem.objects.get(pk=problem.pk).status == "pending_initial" and steps_of(problem) == 1


def test_the_neighbour_officer_cannot_see_the_countys_problems_after_the_decision(
    client: Any, w: World
):
    problem = confirmed_problem(w)
    decide(w)
    client.force_login(w.neighbour_officer)
    assert client.get(f"/assessments/{w.campaign.pk}/").status_code == 200  # assesses 漳县 too
    for step in ("initial", "review", "department", "expert", "final"):
        assert f"problem-{problem.pk}" not in body(client.get(queue(w, step)))
    assert client.get(f"/assessments/{w.campaign.pk}/problems/{problem.pk}/").status_code == 404
    client.force_login(w.county_officer)
    assert client.get(f"/assessments/{w.campaign.pk}/problems/{problem.pk}/").status_code == 200


def test_anonymous_is_sent_to_the_login_page(client: Any, w: World):
    problem = raise_problem(w)
    for url in (queue(w, "initial"), f"/assessments/{w.campaign.pk}/problems/{problem.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(act(w, problem), {"action": "initial_check", "opinion": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert steps_of(problem) == 1
