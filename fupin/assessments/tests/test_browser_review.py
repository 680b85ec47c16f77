"""In a real browser: a lead expert advances a problem one step, and cannot advance it past their role."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.models import Problem
from fupin.assessments.services import problem_transition
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import (
    ID_NUMBER,
    MASKED,
    attach_photo,
    close_window,
    raise_problem,
    scoped,
    steps_of,
    to_status,
)
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_an_expert_advances_a_problem_one_step_and_no_further(world: World, browser_page: Any):
    w = scoped(world)
    problem = raise_problem(w)
    attach_photo(problem)
    problem = to_status(w, problem, "pending_review")
    page = browser_page
    log_in(page, with_password(w.lead_expert))

    # 复核: the lead expert's own step, taken through the form.
    page.goto(f"/assessments/{w.campaign.pk}/review/review/")
    card = page.locator(f"#problem-{problem.pk}")
    assert MASKED in card.inner_text() and ID_NUMBER not in page.content()
    card.locator("textarea[name=opinion]").fill("入户复核属实，请地方说明")
    card.get_by_role("button", name="复核：反馈地方说明").click()
    page.wait_for_load_state("networkidle")
    assert "现为“地方说明期”" in page.inner_text("main")
    problem.refresh_from_db()
    assert problem.status == "explaining"
    last = problem.steps.order_by("-id").first()
    assert (last.action, last.user, last.opinion) == (
        "review",
        w.lead_expert,
        "入户复核属实，请地方说明",
    )

    # After the window the conclusion sends it to the expert group, whose step is not the expert's.
    close_window(problem)
    problem_transition(
        problem=problem,
        action="review_conclude",
        user=w.lead_expert,
        opinion="复核结论：属实",
        disputed=False,
    )
    problem.refresh_from_db()
    assert problem.status == "pending_expert"
    before = steps_of(problem)
    page.goto(f"/assessments/{w.campaign.pk}/review/expert/")
    card = page.locator(f"#problem-{problem.pk}")
    assert card.count() == 1
    assert card.locator("button").count() == 0
    assert "待专家组成员办理" in card.inner_text()

    # A forged POST (with a valid CSRF token) is refused by the service, and nothing changes.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post(
        f"/assessments/{w.campaign.pk}/problems/{problem.pk}/act/",
        form={"csrfmiddlewaretoken": token, "action": "expert_judge", "opinion": "越权判定"},
        headers={"Referer": page.url},
    )
    assert response.status == 403
    assert "只有专家组成员才能进行专家组核" in response.text()
    assert Problem.objects.get(pk=problem.pk).status == "pending_expert"
    assert steps_of(problem) == before
