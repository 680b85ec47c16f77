"""双到 pairings: one responsible cadre at a time, three more years after exit, scoping by pairing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.accounts.services import AccountError
from fupin.assistance.models import HelpingUnit, HelpingUnitMember, HouseholdPairing
from fupin.assistance.services import (
    AssistanceError,
    cadre_households_set,
    pairing_household_create,
    pairing_household_end,
    pairing_household_handover,
    pairing_village_create,
)
from fupin.assistance.tests.conftest import exit_on, make_cadre
from fupin.registry.selectors import households_for, regions_for
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def _pairing(world: World) -> HouseholdPairing:
    return HouseholdPairing.objects.get(household=world.household, cadre=world.users["cadre"])


def test_the_cadre_persona_is_paired_through_a_pairing_row(world: World) -> None:
    pairing = _pairing(world)
    assert pairing.is_active() and pairing.end is None
    assert list(households_for(world.users["cadre"])) == [world.household]


def test_a_cadres_pairing_continues_three_years_after_exit(world: World) -> None:
    cadre = world.users["cadre"]
    pairing = pairing_household_create(
        household=world.other_household, cadre=cadre, start=dt.date(2016, 1, 1), actor="test"
    )
    exit_on(world.other_household, dt.date(2019, 6, 30))
    assert pairing.tracking_until() == dt.date(2022, 6, 30)
    assert world.other_household in households_for(cadre)  # exit does not end it
    with pytest.raises(AssistanceError, match="脱贫后须继续帮扶满三年"):
        pairing_household_end(pairing=pairing, end=dt.date(2022, 6, 29), actor="test")
    pairing.refresh_from_db()
    assert pairing.end is None
    pairing_household_end(
        pairing=pairing, end=dt.date(2022, 6, 30), reason="跟踪期满", actor="test"
    )
    pairing.refresh_from_db()
    assert pairing.end == dt.date(2022, 6, 30) and not pairing.is_active()
    assert world.other_household not in households_for(cadre)


def test_a_pairing_created_with_an_end_inside_the_tracking_years_is_refused(world: World) -> None:
    exit_on(world.other_household, dt.date(2019, 6, 30))
    with pytest.raises(AssistanceError, match="满三年"):
        pairing_household_create(
            household=world.other_household,
            cadre=world.users["cadre"],
            start=dt.date(2018, 1, 1),
            end=dt.date(2020, 1, 1),
            actor="t",
        )


def test_overlapping_pairings_of_one_household_are_refused(world: World) -> None:
    other = make_cadre("赵干部")
    with pytest.raises(AssistanceError, match="已有帮扶责任人"):
        pairing_household_create(
            household=world.household, cadre=other, start=dt.date(2030, 1, 1), actor="test"
        )
    with pytest.raises(AssistanceError, match="已有帮扶责任人"):
        pairing_household_create(
            household=world.household,
            cadre=world.users["cadre"],
            start=dt.date(2020, 1, 1),
            actor="test",
        )


def test_a_pairing_that_ends_before_another_starts_does_not_overlap(world: World) -> None:
    other = make_cadre("赵干部")
    earlier = pairing_household_create(
        household=world.other_household,
        cadre=other,
        start=dt.date(2016, 1, 1),
        end=dt.date(2018, 1, 1),
        actor="test",
    )
    later = pairing_household_create(
        household=world.other_household,
        cadre=world.users["cadre"],
        start=dt.date(2018, 1, 1),
        actor="test",
    )
    assert not earlier.is_active() and later.is_active()


def test_a_handover_during_the_tracking_years_keeps_the_household_covered(world: World) -> None:
    exit_on(world.household, timezone.localdate() - dt.timedelta(days=400))
    successor = make_cadre("钱干部")
    new = pairing_household_handover(
        pairing=_pairing(world), cadre=successor, on=timezone.localdate(), actor="test"
    )
    assert new.cadre == successor and new.is_active()
    assert list(households_for(successor)) == [world.household]
    assert world.household not in households_for(world.users["cadre"])


def test_only_a_helping_cadre_can_be_paired(world: World) -> None:
    with pytest.raises(AssistanceError, match="不是帮扶责任人"):
        pairing_household_create(
            household=world.other_household,
            cadre=world.users["nobody"],
            start=dt.date(2020, 1, 1),
            actor="test",
        )


def test_pairing_changes_are_audited_on_the_household(world: World) -> None:
    pairing = _pairing(world)
    created = AuditEntry.objects.get(
        model="HouseholdPairing", object_key=str(pairing.pk), action="create"
    )
    assert created.household == world.household
    pairing_household_end(pairing=pairing, end=timezone.localdate(), actor="county_officer")
    ended = AuditEntry.objects.get(
        model="HouseholdPairing", object_key=str(pairing.pk), action="update"
    )
    assert (
        ended.actor == "county_officer" and ended.after["end"] == timezone.localdate().isoformat()
    )


def test_cadre_households_set_ends_and_starts_pairings(world: World) -> None:
    cadre = world.users["cadre"]
    cadre_households_set(user=cadre, households=[world.other_household])
    assert list(households_for(cadre)) == [world.other_household]
    assert _pairing(world).end == timezone.localdate()


def test_cadre_households_set_refuses_to_drop_a_recently_exited_household(world: World) -> None:
    exit_on(world.household, timezone.localdate() - dt.timedelta(days=30))
    with pytest.raises(AccountError, match="满三年"):
        cadre_households_set(user=world.users["cadre"], households=[])


def test_a_helping_units_liaison_sees_its_paired_villages_whole(world: World) -> None:
    unit = HelpingUnit.objects.create(name="甘肃省财政厅", kind="government")
    liaison = world.users["nobody"]
    HelpingUnitMember.objects.create(unit=unit, user=liaison)
    assert not households_for(liaison).exists()
    pairing_village_create(
        unit=unit, village=world.household.village, start=dt.date(2016, 1, 1), actor="test"
    )
    assert list(households_for(liaison)) == [world.household]
    assert set(regions_for(liaison).values_list("code", flat=True)) == {
        world.household.village.code
    }
    assert world.other_household not in households_for(liaison)


def test_an_ended_village_pairing_no_longer_shows_the_village(world: World) -> None:
    unit = HelpingUnit.objects.create(name="兰州大学", kind="university")
    HelpingUnitMember.objects.create(unit=unit, user=world.users["nobody"])
    pairing_village_create(
        unit=unit,
        village=world.household.village,
        start=dt.date(2013, 1, 1),
        end=dt.date(2016, 1, 1),
        actor="test",
    )
    assert not households_for(world.users["nobody"]).exists()
