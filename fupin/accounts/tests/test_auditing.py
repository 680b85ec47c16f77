"""Issue #18 item 4: role grants and revocations, privilege flags, logins and failed logins are
written to fupin's audit trail, by whatever path they happen (services, the Django admin, groups),
and the audit page shows them in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from fupin.accounts.auditing import acting_as
from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.services import membership_grant, membership_revoke
from fupin.registry.selectors import audit_changes, registry_version
from fupin.testing.worlds import PASSWORD, World

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action


def _rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def test_a_grant_and_a_revocation_by_the_service_name_who_did_them(world: World) -> None:
    target = world.users["nobody"]
    admin = world.users["superuser"]
    AuditEntry.objects.all().delete()
    membership = membership_grant(
        user=target, role=Role.COUNTY_OFFICE, region="621126000000", actor=admin
    )
    (grant,) = _rows(Action.GRANT)
    assert (grant.model, grant.object_key, grant.actor, grant.user) == (
        "Membership",
        str(membership.pk),
        "superuser",
        admin,
    )
    assert grant.after["user"] == "nobody" and grant.after["role"] == Role.COUNTY_OFFICE
    shown = {c["field"]: c["after"] for c in audit_changes(grant)}
    assert shown["角色"] == "县扶贫办" and "岷县" in shown["所辖区划"]
    assert membership_revoke(user=target, role=Role.COUNTY_OFFICE, actor="运维脚本") == 1
    (revoke,) = _rows(Action.REVOKE)
    assert revoke.actor == "运维脚本" and revoke.before["role"] == Role.COUNTY_OFFICE
    assert revoke.note == "撤销角色：县扶贫办"


def test_granting_an_existing_role_again_writes_nothing(world: World) -> None:
    before = AuditEntry.objects.filter(action=Action.GRANT).count()
    membership_grant(
        user=world.users["county_officer"], role=Role.COUNTY_OFFICE, region="621126000000"
    )
    assert AuditEntry.objects.filter(action=Action.GRANT).count() == before


def test_the_superuser_granting_itself_a_county_role_in_the_admin_is_audited(
    client: Any, world: World
) -> None:
    """The attack: a superuser adds itself as 县扶贫办 through /admin/, which used to leave a
    trace only in Django's admin log; now fupin's audit trail shows it, naming the superuser."""
    admin = world.users["superuser"]
    county = world.household.village.parent.parent
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/membership/add/",
        {
            "user": admin.pk,
            "role": Role.COUNTY_OFFICE,
            "region": county.pk,
            "institution": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=admin, role=Role.COUNTY_OFFICE)
    grant = AuditEntry.objects.get(
        action=Action.GRANT, model="Membership", object_key=str(membership.pk)
    )
    assert (grant.actor, grant.user) == ("superuser", admin)
    page = client.get("/audit/?action=grant").content.decode()
    assert "授予角色" in page and "县扶贫办" in page and ">county_office<" not in page

    response = client.post(f"/admin/accounts/membership/{membership.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    revoke = AuditEntry.objects.get(
        action=Action.REVOKE, model="Membership", object_key=str(membership.pk)
    )
    assert revoke.actor == "superuser"
    assert "撤销角色" in client.get("/audit/?action=revoke").content.decode()


def test_a_change_of_role_in_the_admin_is_audited_with_before_and_after(
    client: Any, world: World
) -> None:
    admin = world.users["superuser"]
    membership = Membership.objects.get(user=world.users["county_officer"])
    neighbour = type(membership.region).objects.get(code="621223000000")
    client.force_login(admin)
    response = client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {
            "user": membership.user_id,
            "role": Role.COUNTY_OFFICE,
            "region": neighbour.pk,
            "institution": "",
        },
    )
    assert response.status_code == 302
    change = AuditEntry.objects.get(action=Action.UPDATE, model="Membership")
    assert change.actor == "superuser"
    assert "岷县" in change.before["region"] and "宕昌县" in change.after["region"]


def test_assessment_roles_given_as_groups_are_audited_both_ways(world: World) -> None:
    user = world.users["nobody"]
    group = Group.objects.get_or_create(name="enumerator")[0]
    AuditEntry.objects.all().delete()
    with acting_as("县扶贫办:王"):
        user.groups.add(group)
        user.groups.remove(group)
        group.user_set.add(user)
        user.groups.clear()
    rows = list(AuditEntry.objects.order_by("id").values_list("action", "actor", "note"))
    assert rows == [
        (Action.GRANT, "县扶贫办:王", "授予角色：调查员"),
        (Action.REVOKE, "县扶贫办:王", "撤销角色：调查员"),
        (Action.GRANT, "县扶贫办:王", "授予角色：调查员"),
        (Action.REVOKE, "县扶贫办:王", "撤销角色：调查员"),
    ]


def test_making_a_user_superuser_is_audited_and_a_login_is_not_a_flag_change(
    world: World,
) -> None:
    user = world.users["staff_only"]
    AuditEntry.objects.all().delete()
    user.last_login = None
    user.save(update_fields=["last_login"])
    assert not AuditEntry.objects.exists()
    user.is_superuser = True
    with acting_as(world.users["superuser"]):
        user.save()
    change = AuditEntry.objects.get()
    assert (change.action, change.model, change.actor) == (Action.UPDATE, "User", "superuser")
    assert change.before == {"user": "staff_only", "is_superuser": False}
    assert change.after == {"user": "staff_only", "is_superuser": True}
    created = get_user_model().objects.create_superuser("root2", password=PASSWORD)
    assert (
        AuditEntry.objects.get(action=Action.GRANT, object_key=str(created.pk)).after[
            "is_superuser"
        ]
        is True
    )


@pytest.mark.parametrize(
    "entrance, url", [("网页登录", "/accounts/login/"), ("管理后台", "/admin/login/")]
)
def test_logins_and_failed_logins_are_audited_at_every_entrance(
    client: Any, world: World, entrance: str, url: str
) -> None:
    admin = world.users["superuser"]
    admin.set_password(PASSWORD)
    admin.save(update_fields=["password"])
    AuditEntry.objects.all().delete()
    version = registry_version()
    client.post(url, {"username": "superuser", "password": "wrong-password"})
    failed = AuditEntry.objects.get(action=Action.LOGIN_FAILED)
    assert failed.after == {"username": "superuser", "ip": "127.0.0.1", "entrance": entrance}
    assert "wrong-password" not in str(failed.after) + failed.note
    client.post(url, {"username": "superuser", "password": PASSWORD})
    ok = AuditEntry.objects.get(action=Action.LOGIN)
    assert ok.user == world.users["superuser"] and ok.after["entrance"] == entrance
    assert registry_version() == version  # logins leave cached dashboards alone
    page = client.get("/audit/?action=login_fail").content.decode()
    assert "登录失败" in page and "用户名" in page and entrance in page


def test_account_rows_are_for_superusers_only(client: Any, world: World) -> None:
    membership_grant(user=world.users["nobody"], role=Role.WORKING_GROUP, actor="t")
    client.force_login(world.users["province_officer"])
    page = client.get("/audit/?action=grant").content.decode()
    assert "授予角色：" not in page
