"""County results page: the four figures with intervals, straddling highlighted, the decision,
the confirmed problems; offices see only their own counties, and only once decided."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.services import problem_transition
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import (
    ID_NUMBER,
    MASKED,
    body,
    confirmed_problem,
    decide,
    raise_problem,
    scoped,
    to_status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def results(w: World, code: str = "621126000000") -> str:
    return f"/assessments/{w.campaign.pk}/counties/{code}/"


def test_the_county_officer_sees_the_figures_decision_and_confirmed_problems(client: Any, w: World):
    confirmed = confirmed_problem(w)
    rejected = to_status(w, raise_problem(w, "另一户疑点，核实不成立"), "pending_review")
    problem_transition(
        problem=rejected, action="review_dismiss", user=w.lead_expert, opinion="不成立"
    )
    decide(w, straddling="missed_rate")
    client.force_login(w.county_officer)
    response = client.get(results(w))
    assert response.status_code == 200
    page = body(response)
    for label in ("错退率", "漏评率", "综合贫困发生率", "群众认可度"):
        assert label in page
    assert "1.50%" in page and "[0.60%, 3.10%]" in page  # the straddling figure and its CI
    assert 'class="figure-missed_rate straddles"' in page
    assert 'class="figure-wrong_exit_rate clear"' in page
    assert page.count("置信区间跨越阈值：") == 1
    assert "达标" in page and "不打分、不排队" in page
    assert f"#{confirmed.pk}" in page and "人均纯收入低于标准线却已标注脱贫" in page
    assert "另一户疑点" not in page  # only confirmed problems
    assert MASKED in page and ID_NUMBER not in page
    assert "排名" not in page and "得分" not in page


def test_the_page_takes_a_six_digit_code_too(client: Any, w: World):
    decide(w)
    client.force_login(w.county_officer)
    assert client.get(results(w, "621126")).status_code == 200


def test_the_neighbour_officer_gets_404_for_another_countys_results(client: Any, w: World):
    decide(w)
    client.force_login(w.neighbour_officer)
    assert client.get(results(w)).status_code == 404
    assert client.get(results(w, "621126")).status_code == 404
    own = client.get(results(w, "621125000000"))
    assert own.status_code == 200 and "尚未计算三率一度" in body(own)


def test_offices_see_nothing_before_the_decision(client: Any, w: World):
    client.force_login(w.county_officer)
    assert client.get(results(w)).status_code == 404


def test_a_county_the_campaign_does_not_assess_is_404(client: Any, w: World):
    decide(w)
    client.force_login(w.working_group)
    assert client.get(results(w)).status_code == 200
    assert client.get(results(w, "621223000000")).status_code == 404  # 宕昌县: not assessed
    assert client.get(results(w, "999999000000")).status_code == 404


def test_evaluators_see_their_countys_page_during_fieldwork(client: Any, w: World):
    client.force_login(w.lead_expert)
    response = client.get(results(w))
    assert response.status_code == 200 and "尚未作出县级结果" in body(response)
    assert client.get(results(w, "621125000000")).status_code == 404  # not assigned there


def test_anonymous_is_sent_to_the_login_page(client: Any, w: World):
    response = client.get(results(w))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_figure_without_enough_sample_says_so_in_chinese(client: Any, w: World):
    decide(w, straddling="missed_rate")
    from fupin.assessments.models import CountyResult

    CountyResult.objects.filter(campaign=w.campaign, figure="wrong_exit_rate").update(
        clarity="sparse"
    )
    client.force_login(w.county_officer)
    page = body(client.get(results(w)))
    assert "样本不足以给出可靠区间：判定交综合研判" in page
    assert 'class="figure-wrong_exit_rate straddles"' in page  # highlighted, not "clear"
    assert "sparse" not in page.replace("sparse-note", "")  # no raw code on the page
    client.force_login(w.working_group)
    detail = body(client.get(f"/assessments/{w.campaign.pk}/"))
    assert "错退率" in detail and "（样本不足以给出可靠区间）" in detail  # listed for the re-check
