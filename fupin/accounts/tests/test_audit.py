"""The one audit writer: who, what and why, keyed as the audit page and the exports expect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from fupin.accounts.audit import (
    actor_name,
    audit_entry,
    audit_record,
    audit_record_many,
    canonical_json,
)
from fupin.accounts.models import AuditEntry
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def test_a_household_is_keyed_by_its_number_and_a_member_by_its_id(world: World) -> None:
    officer = world.users["county_officer"]
    person = world.household.members.get()
    on_household = audit_record(actor=officer, action=AuditEntry.Action.UPDATE, obj=world.household)
    on_person = audit_record(actor=officer, action=AuditEntry.Action.UPDATE, obj=person)
    assert (on_household.model, on_household.object_key) == (
        "Household",
        world.household.household_no,
    )
    assert (on_person.model, on_person.object_key) == ("Person", str(person.pk))


def test_a_command_is_named_by_its_label_and_nobody_by_system(world: World) -> None:
    entry = audit_record(
        actor=None,
        actor_label="import:members.csv",
        action=AuditEntry.Action.IMPORT,
        obj=world.household,
    )
    assert (entry.user, entry.actor) == (None, "import:members.csv")
    anonymous = audit_record(
        actor=AnonymousUser(), action=AuditEntry.Action.EVENT, obj=world.household
    )
    assert (anonymous.user, anonymous.actor) == (None, "system")
    officer = world.users["county_officer"]
    signed = audit_record(actor=officer, action=AuditEntry.Action.EVENT, obj=world.household)
    assert (signed.user, signed.actor) == (officer, officer.get_username())


def test_long_names_and_reasons_are_cut_to_their_columns(world: World) -> None:
    entry = audit_record(
        actor=None,
        actor_label="导" * 80,
        action=AuditEntry.Action.UPDATE,
        obj=world.household,
        reason="因" * 300,
    )
    entry.refresh_from_db()
    assert (len(entry.actor), len(entry.note)) == (64, 200)
    assert actor_name(None, "x" * 70) == "x" * 64


def test_dates_and_amounts_are_stored_as_text(world: World) -> None:
    entry = audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.UPDATE,
        obj=world.household,
        before={"on": dt.date(2019, 3, 1), "amounts": [Decimal("1.50")]},
    )
    entry.refresh_from_db()
    assert entry.before == {"on": "2019-03-01", "amounts": ["1.50"]}


def test_an_object_named_without_a_row_needs_its_model(world: World) -> None:
    entry = audit_record(
        actor=None,
        actor_label="synth",
        action=AuditEntry.Action.DELETE,
        obj=None,
        model="County",
        key="621126",
    )
    assert (entry.model, entry.object_key, entry.household) == ("County", "621126", None)
    with pytest.raises(ValueError):
        audit_record(actor=None, action=AuditEntry.Action.DELETE, obj=None, key="621126")


def test_audit_entry_builds_the_same_row_unsaved_for_bulk_inserts(world: World) -> None:
    officer = world.users["county_officer"]
    row = audit_entry(
        actor=officer,
        action=AuditEntry.Action.EVENT,
        obj=world.household,
        household=world.household,
        reason="核实",
    )
    assert row.pk is None and not AuditEntry.objects.filter(note="核实").exists()
    AuditEntry.objects.bulk_create([row])
    stored = AuditEntry.objects.get(note="核实")
    assert (stored.user, stored.actor, stored.object_key, stored.household, stored.note) == (
        officer,
        officer.get_username(),
        world.household.household_no,
        world.household,
        "核实",
    )


def test_a_batch_writes_the_rows_audit_record_writes(world: World) -> None:
    """audit_record_many stores what audit_record stores for the same values: who, the object and
    household, the values as JSON text with any ID number masked, the time given."""
    officer = world.users["county_officer"]
    at = dt.datetime(2019, 6, 1, 10, 30, tzinfo=dt.UTC)
    id_number = "62012119800101123X"
    values = {
        "action": AuditEntry.Action.SUBMIT,
        "obj": world.household,
        "household": world.household,
        "after": {"on": dt.date(2019, 3, 1), "id_number": id_number, "text": f"身份证 {id_number}"},
        "reason": f"核实 {id_number}",
        "now": at,
    }
    one = audit_record(actor=officer, **values)
    assert audit_record_many([audit_entry(actor=officer, **values)] * 3) == 3
    assert audit_record_many([]) == 0
    columns = ("at", "user", "actor", "action", "model", "object_key", "household", "before")
    rows = list(
        AuditEntry.objects.filter(action="submit").order_by("id").values(*columns, "after", "note")
    )
    assert len(rows) == 4 and all(r == rows[0] for r in rows)
    assert rows[0]["at"] == at and rows[0]["user"] == officer.pk == one.user_id
    assert rows[0]["household"] == world.household.pk and rows[0]["before"] is None
    assert rows[0]["after"]["on"] == "2019-03-01"
    assert id_number not in str(rows[0]["after"]) and id_number not in rows[0]["note"]


def test_a_batch_refuses_a_row_naming_an_unsaved_household(world: World) -> None:
    from fupin.registry.models import Household

    row = audit_entry(actor=None, action=AuditEntry.Action.EVENT, obj=world.household, reason="x")
    row.household = Household(household_no="6211261000019999", village=world.household.village)
    with pytest.raises(ValueError):
        audit_record_many([row])
    assert not AuditEntry.objects.filter(note="x").exists()


def test_canonical_json_ignores_key_order() -> None:
    assert canonical_json({"b": 1, "a": [1, "二"]}) == canonical_json({"a": [1, "二"], "b": 1})
    assert canonical_json({"a": "二"}) == '{"a":"二"}'.encode()
