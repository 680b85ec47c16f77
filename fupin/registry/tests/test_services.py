"""Registry services: append-only status history, derived status, audit of every change."""

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry
from fupin.registry.models import AppendOnlyError, StatusEvent
from fupin.registry.services import (
    RegistryError,
    household_record_event,
    household_update,
    person_update,
    status_from_events,
)

pytestmark = pytest.mark.django_db


def test_events_move_the_status_and_years(household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    household_record_event(
        household=household, kind="exited", date=dt.date(2017, 11, 20), actor="t"
    )
    household.refresh_from_db()
    assert (household.status, household.identified_year, household.exited_year) == (
        "exited",
        2014,
        2017,
    )
    kinds = list(household.events.order_by("date").values_list("kind", flat=True))
    assert status_from_events(kinds) == household.status
    assert AuditEntry.objects.filter(household=household, action="event").count() == 2


def test_exit_before_identification_is_refused(household):
    with pytest.raises(RegistryError, match="未登记"):
        household_record_event(
            household=household, kind="exited", date=dt.date(2016, 1, 1), actor="t"
        )
    assert not household.events.exists()


def test_an_event_dated_before_the_last_one_is_refused(household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2015, 3, 1), actor="t"
    )
    with pytest.raises(RegistryError, match="早于上一条记录"):
        household_record_event(
            household=household, kind="exited", date=dt.date(2014, 3, 1), actor="t"
        )
    household.refresh_from_db()
    assert household.status == "poor"


def test_a_future_date_is_refused(household):
    with pytest.raises(RegistryError, match="在未来"):
        household_record_event(
            household=household,
            kind="identified",
            date=dt.date.today() + dt.timedelta(days=2),
            actor="t",
        )


def test_removal_needs_a_reason(household):
    household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    with pytest.raises(RegistryError, match="原因"):
        household_record_event(
            household=household, kind="removed", date=dt.date(2015, 9, 1), actor="t"
        )
    household_record_event(
        household=household, kind="removed", date=dt.date(2015, 9, 1), reason="错评清退", actor="t"
    )
    household.refresh_from_db()
    assert household.status == "removed"
    assert not household.registered  # on the village roster only, the frame for missed households


def test_status_events_cannot_be_edited_or_deleted(household):
    event = household_record_event(
        household=household, kind="identified", date=dt.date(2014, 9, 1), actor="t"
    )
    event.reason = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert StatusEvent.objects.get(pk=event.pk).reason == ""


def test_status_cannot_be_set_directly(household):
    with pytest.raises(RegistryError, match="状态只能通过状态变更记录"):
        household_update(household=household, changes={"status": "exited"}, actor="t")


def test_updates_are_audited_with_before_and_after(household):
    household_update(
        household=household,
        changes={"income_per_capita": 3500.0, "housing_ok": False},
        actor="county-officer",
    )
    entry = AuditEntry.objects.get(household=household, action="update")
    assert entry.actor == "county-officer"
    assert entry.before == {"income_per_capita": 2000.0, "housing_ok": True}
    assert entry.after == {"income_per_capita": 3500.0, "housing_ok": False}


def test_person_audit_stores_and_displays_ids_masked(household):
    person = household.members.get()
    person_update(person=person, changes={"id_number": "621126198001020014"}, actor="t")
    entry = AuditEntry.objects.get(model="Person")
    # Masked when stored (issue #18): the audit trail never holds a full ID number.
    assert entry.before["id_number"] == "621126********0019"
    assert entry.before_display["id_number"] == "621126********0019"
    assert entry.after_display["id_number"] == "621126********0014"


def test_an_update_that_changes_nothing_writes_no_audit(household):
    household_update(household=household, changes={"income_per_capita": 2000.0}, actor="t")
    assert not AuditEntry.objects.filter(action="update").exists()
