"""Issue #18 item 1: no full ID number in the audit trail, whoever wrote the row and however.

The attack: import a file changing one member's name; the import's audit row was keyed by the
member's full ID number and the pages masked values, not keys, so /audit/ and the household page
showed the full number to every office on a plain GET.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.policy import idnumber
from fupin.registry.bulk import bulk_insert
from fupin.registry.io.importing import import_file
from fupin.registry.models import Household, Person
from fupin.registry.selectors import audit_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed(tree, rows, write_files):
    """H1 imported, then re-imported with its head's name changed, a member dropped and one added."""
    members, events = rows.household("H1", members=3)
    mp, ep = write_files(members, events)
    import_file(path=mp, events_path=ep)
    dropped = members.pop()
    newcomer = {**members[0], **rows.person("其他", dt.date(1999, 9, 9), male=False, name="新成员")}
    members.append(newcomer)
    members[0]["姓名"] = "马文山改"
    mp, ep = write_files(members, events)
    report = import_file(path=mp, events_path=ep, actor="县扶贫办:王")
    assert report.problems == [] and report.households_updated == 1
    return {
        "head": members[0]["证件号码"],
        "dropped": dropped["证件号码"],
        "newcomer": newcomer["证件号码"],
    }


def _stored_audit_text() -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT object_key, before, after, note FROM {AuditEntry._meta.db_table}")
        return json.dumps(cursor.fetchall(), ensure_ascii=False)


def test_the_import_keys_members_by_their_internal_id(renamed):
    entry = AuditEntry.objects.get(object_key="H1", action=AuditEntry.Action.UPDATE)
    head = Person.objects.get(id_number=renamed["head"])
    newcomer = Person.objects.get(id_number=renamed["newcomer"])
    assert entry.before["members"][str(head.pk)] == {"name": "马文山"}
    assert entry.after["members"][str(head.pk)] == {"name": "马文山改"}
    assert entry.before["members"][str(newcomer.pk)] is None
    assert entry.after["members"][str(newcomer.pk)]["name"] == "新成员"
    removed = [k for k, v in entry.after["members"].items() if v is None]
    assert len(removed) == 1 and removed[0].isdigit()


def test_no_full_id_number_is_stored_in_the_audit_trail(renamed):
    stored = _stored_audit_text()
    assert idnumber.numbers_in(stored) == []
    for number in renamed.values():
        assert number not in stored


@pytest.mark.parametrize(
    "role, region", [(Role.PROVINCE_OFFICE, "620000000000"), (Role.COUNTY_OFFICE, "621126000000")]
)
def test_offices_see_no_full_id_number_on_the_audit_page_or_the_household_page(
    client, renamed, role, region
):
    user = get_user_model().objects.create_user("office", password="pw-office-2019")
    membership_grant(user=user, role=role, region=region)
    client.force_login(user)
    for url in ["/audit/", "/audit/?action=update", "/households/H1/"]:
        page = client.get(url).content.decode()
        assert "马文山改" in page, url
        assert idnumber.numbers_in(page) == [], url


def test_the_superuser_sees_no_full_id_number_either(client, renamed):
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-root-2019"))
    for url in ["/audit/", "/households/H1/"]:
        assert idnumber.numbers_in(client.get(url).content.decode()) == [], url


def test_every_writer_stores_id_numbers_masked_in_keys_values_and_notes(tree, rows):
    """Whatever a writer puts in a row (a service, a bulk insert, bulk_create) is masked on save."""
    members, _ = rows.household("H9", members=1)
    full = members[0]["证件号码"]
    household = Household.objects.create(household_no="H9", village=tree.village_a)
    nested = {"members": {full: {"id_number": full, "name": ["张三", f"证 {full}"]}}}
    audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.UPDATE,
        obj=household,
        household=household,
        before=nested,
        after=nested,
        reason=f"改 {full}",
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor="t",
                action="update",
                model="Household",
                object_key=full,
                before=nested,
                after=[full],
            )
        ]
    )
    bulk_insert(
        AuditEntry,
        ["at", "actor", "action", "model", "object_key", "before", "after", "note"],
        [(household.updated_at, "t", "import", "Household", "H9", nested, nested, full)],
    )
    stored = _stored_audit_text()
    assert full not in stored and idnumber.numbers_in(stored) == []
    assert idnumber.mask(full) in stored


def test_the_member_changes_read_with_chinese_labels(renamed):
    entry = AuditEntry.objects.get(object_key="H1", action=AuditEntry.Action.UPDATE)
    head = Person.objects.get(id_number=renamed["head"])
    (members,) = [c for c in audit_changes(entry) if c["field"] == "家庭成员"]
    assert f"成员 #{head.pk}：姓名：马文山" in members["before"]
    assert f"成员 #{head.pk}：姓名：马文山改" in members["after"]
    assert "与户主关系：其他" in members["after"] and "（无）" in members["after"]
    assert "relation" not in members["after"] and "id_number" not in members["after"]


def test_the_migration_masks_full_id_numbers_already_stored(tree, rows):
    """Rows written before the fix hold full numbers in the database; the data migration masks
    them (the function the migration runs, on a row inserted past the masking fields)."""
    from importlib import import_module

    from django.db.migrations.loader import MigrationLoader

    # The models as the migration sees them: AuditEntry was registry's then (accounts' now).
    apps = (
        MigrationLoader(connection)
        .project_state(("registry", "0004_audit_accounts_and_submissions"))
        .apps
    )
    full = rows.household("H8", members=1)[0][0]["证件号码"]
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (at, actor, action, model, object_key, before, after, note) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [
                "2019-01-01T00:00:00+00:00",
                "import",
                "update",
                "Household",
                full,
                json.dumps({"members": {full: {"name": "张三"}}}),
                json.dumps([full]),
                f"核对 {full}",
            ],
        )
    assert full in _stored_audit_text()
    migration = import_module("fupin.registry.migrations.0005_mask_ids_in_audit")
    migration.mask_stored_ids(apps, None)
    stored = _stored_audit_text()
    assert full not in stored and idnumber.mask(full) in stored
