"""The demo's synthetic help: every registered household paired but a few, gaps planted, one audit row."""

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import password_reset, people_for
from fupin.accounts.services import membership_grant
from fupin.assistance.models import (
    AssistanceMeasure,
    ExitPlan,
    HouseholdPairing,
    Project,
    VillagePairing,
    VisitLog,
    WorkTeam,
)
from fupin.demo.assistance import assistance_load_synthetic
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


@pytest.fixture
def demo_county(gansu_village, tmp_path):
    from fupin.demo.loading import registry_load_synth
    from fupin.synth import generate, preset

    registry_load_synth(batches=generate(preset("demo")), truth=tmp_path)
    return Region.objects.get(code="620121000000")


def test_synthetic_help_pairs_households_and_plants_gaps(demo_county):
    counts = assistance_load_synthetic(county=demo_county, seed=1, year=2019)
    registered = Household.objects.filter(
        village__code__startswith="620121", registered=True
    ).count()
    assert counts.pairings == HouseholdPairing.objects.count() > 0.95 * registered
    assert ExitPlan.objects.count() == counts.plans == counts.pairings
    # Planted: a plan without measures, a household not visited in 2019, a poor village without a team.
    with_measures = set(AssistanceMeasure.objects.values_list("household_id", flat=True))
    assert ExitPlan.objects.exclude(household_id__in=with_measures).exists()
    visited = set(VisitLog.objects.filter(date__year=2019).values_list("household_id", flat=True))
    assert ExitPlan.objects.exclude(household_id__in=visited).exists()
    poor_villages = Region.objects.filter(
        code__startswith="620121", level=Level.VILLAGE, is_poor_village=True
    ).count()
    assert VillagePairing.objects.count() == poor_villages
    assert WorkTeam.objects.count() == poor_villages - 1
    assert Project.objects.count() == counts.projects > 0
    assert AuditEntry.objects.filter(model="Assistance", object_key="620121").count() == 1


def test_synthetic_help_refuses_a_second_load_of_one_county(demo_county):
    first = assistance_load_synthetic(county=demo_county, seed=1, year=2019)
    with pytest.raises(ValueError, match="已有帮扶数据"):
        assistance_load_synthetic(county=demo_county, seed=1, year=2019)
    assert first.measures == AssistanceMeasure.objects.count()


def test_the_county_office_sees_its_synthetic_cadres_and_hands_out_their_passwords(
    demo_county, settings
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assistance_load_synthetic(county=demo_county, seed=1, year=2019)
    cadres = Membership.objects.filter(role=Role.HELPING_CADRE).select_related("region", "user")
    assert cadres.exists() and all(m.region.code.startswith("620121") for m in cadres)
    office = get_user_model().objects.create_user("office")
    membership_grant(user=office, role=Role.COUNTY_OFFICE, region=demo_county)
    cadre = cadres.first().user
    assert cadre.profile.region is not None and not cadre.has_usable_password()
    seen = set(people_for(office).values_list("pk", flat=True))
    assert {m.user_id for m in cadres} <= seen
    password = password_reset(actor=office, person=cadre)
    cadre.refresh_from_db()
    assert cadre.check_password(password) and cadre.profile.must_change_password
