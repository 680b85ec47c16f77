"""The one role model: a role is a Membership row, read by every permission check and by scoping;
Django's Groups grant nothing, and the data migration turns the old role Groups into rows."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.roles import has_role, roles_held
from fupin.accounts.services import AccountError, membership_grant, working_group_add
from fupin.assessments.selectors import campaigns_for
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

one_role_model = importlib.import_module("fupin.accounts.migrations.0003_one_role_model")


def test_a_persona_with_only_a_role_row_has_the_role(world: World) -> None:
    user = world.users["nobody"]
    assert not has_role(user, Role.LEAD_EXPERT)
    membership_grant(user=user, role=Role.LEAD_EXPERT, actor="test")
    assert not user.groups.exists()
    assert has_role(user, Role.LEAD_EXPERT)
    assert not has_role(user, Role.DEPARTMENT)
    assert roles_held(user) == {Role.LEAD_EXPERT}
    assert roles_held(user, [Role.DEPARTMENT, Role.LEAD_EXPERT]) == {Role.LEAD_EXPERT}


def test_a_group_named_by_a_role_grants_nothing(world: World) -> None:
    user = world.users["nobody"]
    user.groups.add(Group.objects.get_or_create(name=Role.WORKING_GROUP)[0])
    assert not has_role(user, Role.WORKING_GROUP)
    assert roles_held(user) == set()


def test_inactive_anonymous_and_superusers_without_a_row_hold_no_role(world: World) -> None:
    user = world.users["nobody"]
    membership_grant(user=user, role=Role.DEPARTMENT, actor="test")
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    user.refresh_from_db()
    assert not has_role(user, Role.DEPARTMENT) and roles_held(user) == set()
    assert not has_role(AnonymousUser(), Role.DEPARTMENT)
    assert not has_role(None, Role.DEPARTMENT)
    assert not has_role(world.users["superuser"], Role.WORKING_GROUP)  # 分工负责: no shortcut


def test_a_working_group_member_is_one_row_tied_to_the_campaign(world: World) -> None:
    user = get_user_model().objects.create_user("wg2", password=None)
    AuditEntry.objects.all().delete()
    row = working_group_add(campaign=world.campaign, user=user, actor="test")
    assert list(Membership.objects.filter(user=user)) == [row]
    assert row.role == Role.WORKING_GROUP and row.campaign_id == world.campaign.pk
    assert has_role(user, Role.WORKING_GROUP)
    assert list(campaigns_for(user)) == [world.campaign]
    grant = AuditEntry.objects.get()
    assert (
        grant.action == AuditEntry.Action.GRANT and grant.after["campaign"] == world.campaign.name
    )


def test_a_role_not_tied_to_campaigns_refuses_one(world: World) -> None:
    with pytest.raises(AccountError, match="不对应评估任务"):
        membership_grant(user=world.users["nobody"], role=Role.LEAD_EXPERT, campaign=world.campaign)


def test_the_migration_turns_group_memberships_into_role_rows(world: World) -> None:
    user, other = world.users["nobody"], world.users["staff_only"]
    lead = Group.objects.get_or_create(name=Role.LEAD_EXPERT)[0]
    wg = Group.objects.get_or_create(name=Role.WORKING_GROUP)[0]
    kept = Group.objects.create(name="报表查看")  # not a role: left alone
    user.groups.add(lead, wg, kept)
    other.groups.add(lead)
    membership_grant(user=other, role=Role.LEAD_EXPERT, actor="test")  # already a row: kept once
    AuditEntry.objects.all().delete()

    one_role_model.groups_to_memberships(apps)

    rows = set(
        Membership.objects.filter(user__in=[user, other]).values_list(
            "user__username", "role", "region", "institution", "campaign"
        )
    )
    assert rows == {
        ("nobody", Role.LEAD_EXPERT, None, None, None),
        ("nobody", Role.WORKING_GROUP, None, None, None),
        ("staff_only", Role.LEAD_EXPERT, None, None, None),
    }
    assert has_role(user, Role.LEAD_EXPERT) and has_role(user, Role.WORKING_GROUP)
    assert set(Group.objects.values_list("name", flat=True)) == {"报表查看"}
    assert list(user.groups.values_list("name", flat=True)) == ["报表查看"]
    notes = set(
        AuditEntry.objects.filter(actor="系统", action=AuditEntry.Action.GRANT).values_list(
            "note", flat=True
        )
    )
    assert "授予角色：带队专家（由用户组迁移）" in notes
    assert "授予角色：评估工作组成员（由用户组迁移）" in notes
