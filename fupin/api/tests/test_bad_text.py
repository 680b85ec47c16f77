"""Issue #18 item 5 over the API: a control character in a text field is refused (400), the
message naming the field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from fupin.accounts.models import Role
from fupin.api.tests.conftest import Problems, grant_role
from fupin.assessments.models import ProblemStep
from fupin.testing.worlds import World


@pytest.mark.django_db
def test_the_api_refuses_a_control_character_in_an_opinion_and_writes_nothing(
    api: Callable[[str | None], APIClient], world: World, problems: Problems
) -> None:
    grant_role(world, "enumerator", Role.ENUMERATOR)
    response = api("enumerator").post(
        f"/api/problems/{problems.household.pk}/transition/",
        {"action": "initial_check", "opinion": "疑点\x00成立"},
        format="json",
    )
    assert response.status_code == 400
    (message,) = response.json()["opinion"]
    assert message.startswith("“opinion”含有不允许的空字符（NUL"), message
    assert not ProblemStep.objects.exists()
