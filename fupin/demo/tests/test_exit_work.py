"""The demo shows an exit in progress and the years after the county's exit (issue #16): a still-poor
household's exit walked by the village through the services and waiting for the township's 3342
signatures, and trainings and a reduction target that the after-exit signs judge; a second run
adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from fupin import synth
from fupin.demo.exits import EXIT_YEAR, TRAININGS
from fupin.demo.loading import registry_load_synth
from fupin.demo.people import demo_accounts_create
from fupin.exits.models import ExitCase, ExitStep
from fupin.exits.workflows import ExitKind, ExitStatus
from fupin.monitoring.after_exit import county_after_exit
from fupin.monitoring.models import ReductionTarget, Training
from fupin.regions.models import Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def county(tmp_path: Path) -> Region:
    """A small synthetic 永登县 (摘帽 2018; its poor villages exited too) with households still poor."""
    regions_load_poverty_counties(provinces={"甘肃省"})
    config = synth.preset(
        "demo",
        seed=5,
        poor_villages=4,
        nonpoor_villages=2,
        registered_households=120,
        registered_persons=480,
        nonregistered_households=60,
    )
    batches = list(synth.generate(config))
    registry_load_synth(batches=batches, truth=tmp_path / "truth")
    return Region.objects.get(code=batches[0].county.code + "000000")


def test_the_demo_opens_an_exit_waiting_for_the_township_and_judges_the_years_after(
    county: Region,
) -> None:
    assert county.exit_year  # the county itself cannot exit again: the demo opens a household's
    demo_accounts_create(password="demo-pw-for-tests-2019")
    case = ExitCase.objects.select_related("household", "region").get()
    assert case.kind == ExitKind.HOUSEHOLD and case.status == ExitStatus.NOTICED
    assert case.year == EXIT_YEAR and case.household.status in (Status.POOR, Status.RETURNED)
    assert list(ExitStep.objects.filter(case=case).values_list("to_status", flat=True)) == [
        "proposed",
        "verified",
        "agreed",
        "in_notice",
        "noticed",
    ]
    signed = {(s.level, s.capacity, s.user.username) for s in case.signatures.all()}
    assert signed == {
        ("village", "village_leaders", "cun"),
        ("village", "work_team_leader", "cun2"),
        ("village", "household", "cun"),
    }
    # The township party secretary logs in and finds the case waiting for their signature.
    client = Client()
    client.force_login(get_user_model().objects.get(username="xiang2"))
    assert reverse("exits:case", args=[case.pk]) in client.get(reverse("exits:list")).text
    page = client.get(reverse("exits:case", args=[case.pk])).text
    assert 'value="township:township_secretary"' in page

    demo_accounts_create(password="demo-pw-for-tests-2019")  # a second run adds nothing
    assert ExitCase.objects.count() == 1 and case.signatures.count() == 3
    assert Training.objects.count() == len(TRAININGS)
    assert ReductionTarget.objects.count() == 1

    # The after-exit signs are judged from the trainings and the target the county office recorded.
    result = county_after_exit(county=county)
    signs = {s.code: s for s in result.signs}
    year = county.exit_year + 1
    assert signs["training_far_below"].state == "raised"
    assert f"{year} 年 1 期 24 人" in signs["training_far_below"].explanation
    target = ReductionTarget.objects.get(county=county)
    assert target.year == year and target.recorded_by.username == "xian"
    assert signs["target_missed"].state == "raised"
    assert f"{year} 年计划 {target.people} 人" in signs["target_missed"].explanation
    client = Client()
    client.force_login(get_user_model().objects.get(username="xian"))
    page = client.get(reverse("monitoring:signals", args=[county.code])).text
    assert "防止返贫监测业务培训" in page and f"计划减贫 {target.people} 人" in page
