"""The audit list names a page's records (households, people, campaigns, memberships, regions,
helping units, and the records their values point to) in a fixed number of queries, whatever the
number of rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.auditing import membership_values
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.services import campaign_create
from fupin.assistance.models import HelpingUnit, UnitKind
from fupin.registry.models import Household, Person
from fupin.registry.selectors import audit_rows

pytestmark = pytest.mark.django_db

ROWS = 50
KINDS = 6  # kinds of rows in the trail, one of each in turn


@pytest.fixture
def mixed_trail(gansu_village) -> list[AuditEntry]:
    """Fifty-four audit rows about nine each of households, people, campaigns, memberships,
    regions and helping units: every row names a different record (the units' region, named by
    the assistance app's own function, is the same)."""
    county = gansu_village.parent.parent
    User = get_user_model()
    rows = []
    for i in range(ROWS // KINDS + 1):
        h = Household.objects.create(
            household_no=f"621126100001{i:04d}", village=gansu_village, size=1
        )
        p = Person.objects.create(
            household=h,
            id_number="621126198001010019",
            name=f"成员{i}",
            relation="head",
            sex="male",
            birth_date=dt.date(1980, 1, 1),
        )
        c = campaign_create(
            kind="county_exit_assessment", year=2019, name=f"评估任务{i}", scope=[county], actor="t"
        )
        u = User.objects.create_user(username=f"officer{i}")
        m = Membership.objects.create(user=u, role=Role.WORKING_GROUP, campaign=c)
        unit = HelpingUnit.objects.create(name=f"帮扶单位{i}", kind=UnitKind.values[0])
        rows += [
            AuditEntry(
                actor="录入员",
                action=AuditEntry.Action.UPDATE,
                model="Household",
                object_key=h.household_no,
                household=h,
                before={"size": 1, "village": None},
                after={"size": 2, "village": gansu_village.pk},
            ),
            AuditEntry(
                actor="录入员",
                action=AuditEntry.Action.CREATE,
                model="Person",
                object_key=str(p.pk),
                household=h,
                after={"household": h.pk, "name": p.name},
            ),
            AuditEntry(
                actor="工作组",
                action=AuditEntry.Action.CREATE,
                model="Campaign",
                object_key=str(c.pk),
                after={"year": 2019},
            ),
            AuditEntry(
                actor="管理员",
                action=AuditEntry.Action.GRANT,
                model="Membership",
                object_key=str(m.pk),
                after=membership_values(m),
            ),
            AuditEntry(
                actor="管理员",
                action=AuditEntry.Action.UPDATE,
                model="Region",
                object_key=str(gansu_village.pk),
                after={"exit_year": 2019},
            ),
            AuditEntry(
                actor="管理员",
                action=AuditEntry.Action.CREATE,
                model="HelpingUnit",
                object_key=str(unit.pk),
                after={"name": unit.name, "region": county.pk},
            ),
        ]
    AuditEntry.objects.all().delete()
    AuditEntry.objects.bulk_create(rows)
    return list(AuditEntry.objects.select_related("household").order_by("id"))


def _queries(entries: list[AuditEntry]) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as ctx:
        rows = audit_rows(entries)
    return len(ctx.captured_queries), rows


def test_a_page_of_fifty_mixed_rows_is_named_in_as_many_queries_as_a_page_of_five(mixed_trail):
    few, _ = _queries(mixed_trail[:KINDS])
    many, rows = _queries(mixed_trail[:ROWS])
    assert len(rows) == ROWS
    assert many == few <= 8  # one query per model named: region, person, campaign, unit …

    by_model = {}
    for r in rows:
        by_model.setdefault(r["entry"].model, r)
    assert by_model["Campaign"]["object_key"] == "2019 评估任务0"
    assert by_model["Person"]["object_key"] == "成员0（621126********0019）"
    assert {c["field"]: c["after"] for c in by_model["Household"]["changes"]}["所在村"] == "东街村"
    membership = {c["field"]: c["after"] for c in by_model["Membership"]["changes"]}
    assert membership["用户"] == "officer0" and membership["所属评估任务"] == "评估任务0"
    assert by_model["Region"]["object_key"] == "东街村（621126100001）"
    unit = {c["field"]: c["after"] for c in by_model["HelpingUnit"]["changes"]}
    assert (
        by_model["HelpingUnit"]["object_key"].startswith("帮扶单位0") and unit["所在区划"] == "岷县"
    )


def test_the_audit_page_of_fifty_rows_stays_within_a_fixed_number_of_queries(
    client, mixed_trail, django_assert_max_num_queries
):
    admin = get_user_model().objects.create_superuser(username="root", password=None)
    client.force_login(admin)
    with django_assert_max_num_queries(20):
        page = client.get("/audit/")
    assert page.status_code == 200 and len(page.context["rows"]) == ROWS
    assert "评估任务8" in page.content.decode()
