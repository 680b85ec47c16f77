"""The batch writer and reads behind the recorded assessment's speed write and read what the plain
Django paths do: `rows_insert` the rows `bulk_create` writes, `frame_checksum` the digest key by
key, `households_by_number(fields=...)` the same households with fewer columns read."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fupin.accounts.audit import audit_entry, audit_record_many
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Draw, DrawItem, frame_checksum
from fupin.assessments.services import campaign_create, campaign_transition
from fupin.assessments.services.surveys import SUBMISSION_HOUSEHOLD_FIELDS, households_by_number
from fupin.assessments.tests.conftest import MINXIAN, ZHANGXIAN
from fupin.regions.models import Region
from fupin.rows import rows_insert

pytestmark = pytest.mark.django_db


def _key_by_key(keys: list[str]) -> str:
    h = hashlib.sha256()
    for key in keys:
        h.update(str(key).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


@pytest.mark.parametrize(
    "keys", [[], [""], ["", ""], [MINXIAN], [MINXIAN, ZHANGXIAN], ["中文", "a\nb"]]
)
def test_frame_checksum_is_the_digest_of_each_key_and_a_newline(keys):
    assert frame_checksum(keys) == _key_by_key(keys)
    assert frame_checksum(iter(keys)) == _key_by_key(keys)


@pytest.fixture
def draw(gansu_village):
    campaign = campaign_create(
        kind="central_spot_check",
        year=2018,
        name="抽查",
        scope=[Region.objects.get(code="620000000000")],
        actor="test",
    )
    campaign_transition(campaign=campaign, to="sampling", user=None, actor="test")
    return Draw.objects.create(
        campaign=campaign,
        level="county",
        seed="1",
        method="srs",
        frame_size=2,
        frame_checksum="x",
        actor="test",
    )


def _items(draw: Draw, tag: str) -> list[DrawItem]:
    # Recurring values (the draw, the stratum, False) among distinct ones; 1 and True, 0 and
    # False are equal in Python but not the same value of a field.
    return [
        DrawItem(
            draw=draw,
            unit_key=f"{tag}{n}",
            stratum=["62", "1", "True"][n % 3],
            inclusion_probability=[1.0, 0.5, -0.0 + 0.25][n % 3],
            certainty=n % 3 == 0,
            order=[1, 0, 2][n % 3],
        )
        for n in range(7)
    ]


def _rows(draw: Draw, tag: str) -> list[tuple]:
    return list(
        DrawItem.objects.filter(draw=draw, unit_key__startswith=tag)
        .order_by("unit_key")
        .values_list("unit_key", "stratum", "inclusion_probability", "certainty", "order")
    )


def test_rows_insert_writes_the_rows_bulk_create_writes(draw):
    DrawItem.objects.bulk_create(_items(draw, "b"))
    fast = _items(draw, "f")
    rows_insert(fast, batch_size=3)
    assert [r[1:] for r in _rows(draw, "f")] == [r[1:] for r in _rows(draw, "b")]
    assert all(not o._state.adding for o in fast)


def test_rows_insert_sets_the_ids_read_back_by_a_unique_key(gansu_village):
    entries = [
        Region(code=f"62990000{n:04d}", name=f"测试{n}", level="village", is_poor_village=n == 1)
        for n in range(5)
    ]
    rows_insert(entries, key="code", batch_size=2)
    stored = dict(Region.objects.filter(code__startswith="62990000").values_list("code", "pk"))
    assert {e.code: e.pk for e in entries} == stored and len(stored) == 5
    poor = Region.objects.filter(code__startswith="62990000", is_poor_village=True)
    assert list(poor.values_list("code", flat=True)) == ["629900000001"]


def test_rows_insert_refuses_an_unsaved_related_record(draw):
    unsaved = Draw(campaign=draw.campaign, level="county", seed="2", method="srs", frame_size=1)
    with pytest.raises(ValueError):
        rows_insert([DrawItem(draw=unsaved, unit_key="x", inclusion_probability=1, order=0)])
    assert not DrawItem.objects.filter(unit_key="x").exists()


def test_audit_rows_in_a_batch_keep_each_time_and_actor(draw):
    first = dt.datetime(2019, 5, 1, 8, tzinfo=dt.UTC)
    entries = [
        audit_entry(
            actor=None,
            actor_label=label,
            action=AuditEntry.Action.CREATE,
            obj=draw,
            after={"n": n},
            now=first + dt.timedelta(hours=n % 2),
        )
        for n, label in enumerate(["甲", "乙", "甲", "丙"])
    ]
    audit_record_many(entries)
    rows = list(
        AuditEntry.objects.filter(model="Draw").order_by("id").values_list("actor", "at", "after")
    )
    assert rows[-4:] == [
        ("甲", first, {"n": 0}),
        ("乙", first + dt.timedelta(hours=1), {"n": 1}),
        ("甲", first, {"n": 2}),
        ("丙", first + dt.timedelta(hours=1), {"n": 3}),
    ]


def test_households_read_with_fewer_fields_are_the_same_households(household):
    numbers = [household.household_no]
    full = households_by_number(numbers)
    narrow = households_by_number(numbers, fields=SUBMISSION_HOUSEHOLD_FIELDS)
    assert set(narrow) == set(full)
    with CaptureQueriesContext(connection) as reads:
        for no, h in narrow.items():
            assert (h.pk, h.registered, h.status, h.village.is_poor_village) == (
                full[no].pk,
                full[no].registered,
                full[no].status,
                full[no].village.is_poor_village,
            )
    assert len(reads) == 0  # what a questionnaire's check reads was read with them
