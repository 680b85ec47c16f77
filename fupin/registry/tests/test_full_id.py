"""The full-ID page: confirmation first, then the number, and every view in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.accounts.models import AuditEntry
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db


def _url(world: World) -> str:
    return f"/households/{world.household.household_no}/id/{world.household.members.get().pk}/"


def test_get_asks_for_confirmation_and_logs_nothing(client: Any, world: World) -> None:
    client.force_login(world.users["county_officer"])
    page = client.get(_url(world)).content.decode()
    assert "确认查看" in page and "621126198001010019" not in page
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_ID).exists()


def test_post_shows_the_number_and_writes_an_audit_entry(client: Any, world: World) -> None:
    officer = world.users["county_officer"]
    client.force_login(officer)
    response = client.post(_url(world))
    assert "621126198001010019" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.VIEW_ID)
    person = world.household.members.get()
    assert (entry.user, entry.household, entry.object_key) == (
        officer,
        world.household,
        str(person.pk),
    )
    client.post(_url(world))
    assert AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_ID).count() == 2


def test_the_view_appears_in_the_household_history(client: Any, world: World) -> None:
    client.force_login(world.users["county_officer"])
    client.post(_url(world))
    page = client.get(f"/households/{world.household.household_no}/").content.decode()
    assert "查看完整身份证号" in page


def test_the_household_page_links_to_it_only_for_allowed_roles(client: Any, world: World) -> None:
    for name, linked in (
        ("county_officer", True),
        ("province_officer", False),
        ("superuser", False),
    ):
        client.force_login(world.users[name])
        page = client.get(f"/households/{world.household.household_no}/").content.decode()
        assert (_url(world) in page) == linked, name


def test_refused_views_are_not_logged(client: Any, world: World) -> None:
    client.force_login(world.users["province_officer"])
    assert client.post(_url(world)).status_code == 403
    client.force_login(world.users["neighbour_officer"])
    assert client.post(_url(world)).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.VIEW_ID).exists()
