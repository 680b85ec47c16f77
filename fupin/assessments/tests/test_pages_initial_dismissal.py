"""The 初核 dismissal button is offered only where the step would allow it: never to the team that
raised the problem (the page asks the service's own predicate, `may_dismiss_at_initial`)."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.assessments.services.verification import may_dismiss_at_initial
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import body, raise_problem, scoped

pytestmark = pytest.mark.django_db

DISMISS = 'value="initial_dismiss"'
CHECK = 'value="initial_check"'


@pytest.fixture
def w(world: World) -> World:
    return scoped(world)


def test_the_raising_team_is_not_offered_the_dismissal(client: Any, w: World):
    problem = raise_problem(w)  # raised by the mentor of team T01
    for member in (w.enumerator_user, w.newcomer_user):
        assert not may_dismiss_at_initial(problem, member)
        client.force_login(member)
        for url in (
            f"/assessments/{w.campaign.pk}/review/initial/",
            f"/assessments/{w.campaign.pk}/problems/{problem.pk}/",
        ):
            page = body(client.get(url))
            assert f'id="problem-{problem.pk}"' in page
            assert CHECK in page and DISMISS not in page


def test_a_team_checking_a_problem_it_did_not_raise_is_offered_the_dismissal(client: Any, w: World):
    problem = raise_problem(w, user=w.lead_expert)
    assert may_dismiss_at_initial(problem, w.enumerator_user)
    client.force_login(w.enumerator_user)
    page = body(client.get(f"/assessments/{w.campaign.pk}/review/initial/"))
    assert CHECK in page and DISMISS in page
