"""Refusals of the API read in Chinese, whoever raised them."""

from __future__ import annotations

from collections.abc import Callable

from rest_framework.test import APIClient

from fupin.api.errors import NOT_FOUND
from fupin.testing.worlds import World


def test_a_campaign_that_is_not_there_is_not_found_in_chinese(
    api: Callable[[str | None], APIClient], world: World
) -> None:
    missing = world.campaign.pk + 1000
    for path in (f"/api/campaigns/{missing}/results/", f"/api/campaigns/{missing}/"):
        response = api("province_officer").get(path)
        assert response.status_code == 404, path
        assert response.json() == {"detail": NOT_FOUND}, path
