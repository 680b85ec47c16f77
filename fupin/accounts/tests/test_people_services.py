"""People services: each office grants what it may and is refused what it may not, the last
holder cannot stop themselves, every step audited with its actor and never a password."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.accounts.people import (
    PeopleError,
    password_reset,
    people_for,
    person_create,
    person_deactivate,
    person_for,
    person_update,
    region_find,
    role_end,
    role_grant,
)
from fupin.accounts.roles import has_role_in
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

TOWNSHIP = "621126100000"  # 岷阳镇, 岷县
VILLAGE = "621126100001"  # 东街村
NEXT_VILLAGE = "621223100001"  # 城关村, 宕昌县


def region(code: str) -> Region:
    return Region.objects.get(code=code)


def new_township_officer(world, username="zhanzhang"):
    return person_create(
        actor=world.users["county_officer"],
        name="王站长",
        username=username,
        role=Role.TOWNSHIP_OFFICE,
        region=region(TOWNSHIP),
        phone="13800000001",
        unit="岷阳镇人民政府",
        post="扶贫工作站站长",
    )


def test_county_office_creates_a_township_officer_who_holds_the_role(world):
    user, password = new_township_officer(world)
    assert user.check_password(password) and len(password) >= 8
    row = Membership.objects.get(user=user)
    assert (row.role, row.region.code) == (Role.TOWNSHIP_OFFICE, TOWNSHIP)
    assert user.profile.unit == "岷阳镇人民政府" and user.profile.region.code == TOWNSHIP


def test_county_office_creates_a_cadre_tied_to_a_village(world):
    user, _pw = person_create(
        actor=world.users["county_officer"],
        name="李干部",
        username="li-cadre",
        role=Role.HELPING_CADRE,
        region=region(VILLAGE),
    )
    assert Membership.objects.get(user=user).role == Role.HELPING_CADRE
    assert person_for(world.users["county_officer"], user.pk) == user
    assert person_for(world.users["township_officer"], user.pk) == user


@pytest.mark.parametrize(
    ("actor", "role", "code", "words"),
    [
        ("county_officer", Role.COUNTY_OFFICE, "621126000000", "不能授予"),  # its own level
        ("county_officer", Role.CITY_OFFICE, "621100000000", "不能授予"),  # above it
        ("county_officer", Role.VILLAGE_OFFICE, NEXT_VILLAGE, "不在本单位辖区内"),  # outside
        ("township_officer", Role.TOWNSHIP_OFFICE, TOWNSHIP, "不能授予"),
        ("province_officer", Role.TOWNSHIP_OFFICE, TOWNSHIP, "不能授予"),  # not the province's job
        ("cadre", Role.HELPING_CADRE, VILLAGE, "不能管理人员"),
    ],
)
def test_refused_what_the_office_may_not_grant_and_nothing_written(world, actor, role, code, words):
    before = get_user_model().objects.count()
    with pytest.raises(PeopleError, match=words):
        person_create(
            actor=world.users[actor],
            name="某人",
            username="someone",
            role=role,
            region=region(code),
        )
    assert get_user_model().objects.count() == before
    assert not get_user_model().objects.filter(username="someone").exists()


def test_province_grants_a_county_office_and_city_office(world):
    province = world.users["province_officer"]
    user, _pw = person_create(
        actor=province,
        name="赵主任",
        username="zhao",
        role=Role.CITY_OFFICE,
        region=region("621100000000"),
    )
    role_grant(actor=province, person=user, role=Role.COUNTY_OFFICE, region=region("621126000000"))
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.CITY_OFFICE,
        Role.COUNTY_OFFICE,
    }


def test_nobody_grants_themselves_anything(world):
    officer = world.users["county_officer"]
    with pytest.raises(PeopleError, match="不能给自己"):
        role_grant(actor=officer, person=officer, role=Role.HELPING_CADRE, region=region(VILLAGE))


def test_guessed_user_from_the_next_county_is_not_found(world):
    neighbour_cadre, _pw = person_create(
        actor=world.users["neighbour_officer"],
        name="邻县干部",
        username="next-cadre",
        role=Role.HELPING_CADRE,
        region=region(NEXT_VILLAGE),
    )
    officer = world.users["county_officer"]
    assert person_for(officer, neighbour_cadre.pk) is None
    assert not people_for(officer).filter(pk=neighbour_cadre.pk).exists()
    assert people_for(officer).filter(pk=world.users["township_officer"].pk).exists()
    with pytest.raises(PeopleError):
        password_reset(actor=officer, person=neighbour_cadre)


def test_county_office_cannot_change_a_colleague_or_a_higher_office(world):
    officer = world.users["county_officer"]
    user, _pw = new_township_officer(world)
    role_grant(  # the province makes the township officer a county office too
        actor=world.users["province_officer"],
        person=user,
        role=Role.COUNTY_OFFICE,
        region=region("621126000000"),
    )
    with pytest.raises(PeopleError, match="无权授予该角色"):
        person_deactivate(actor=officer, person=user)
    with pytest.raises(PeopleError, match="无权授予该角色"):
        password_reset(actor=officer, person=user)


def test_last_holder_cannot_deactivate_themselves_but_a_second_may(world):
    officer = world.users["county_officer"]
    with pytest.raises(PeopleError, match="唯一在用的账号"):
        person_deactivate(actor=officer, person=officer)
    officer.refresh_from_db()
    assert officer.is_active
    second, _pw = person_create(  # the city office adds a second county officer
        actor=world.users["province_officer"],
        name="副主任",
        username="xian-b",
        role=Role.COUNTY_OFFICE,
        region=region("621126000000"),
    )
    person_deactivate(actor=officer, person=officer)
    officer.refresh_from_db()
    assert not officer.is_active and second.is_active


def test_usernames_are_unique_case_insensitively(world):
    new_township_officer(world, username="WangZZ")
    with pytest.raises(PeopleError, match="已被使用"):
        new_township_officer(world, username="wangzz")


def test_region_by_name_or_code_never_by_id(world):
    officer = world.users["county_officer"]
    assert region_find(officer, "东街村").code == VILLAGE
    assert region_find(officer, f"东街村（{VILLAGE}）").code == VILLAGE
    assert region_find(officer, VILLAGE).code == VILLAGE
    with pytest.raises(PeopleError, match="找不到"):
        region_find(officer, str(region(VILLAGE).pk))
    with pytest.raises(PeopleError, match="不在本单位辖区内"):
        region_find(officer, NEXT_VILLAGE)


def test_every_step_is_audited_with_its_actor_and_never_the_password(world):
    officer = world.users["county_officer"]
    user, first = new_township_officer(world)
    person_update(actor=officer, person=user, name="王站长", phone="13900000000")
    second = password_reset(actor=officer, person=user)
    cadre_row = role_grant(
        actor=officer, person=user, role=Role.HELPING_CADRE, region=region(VILLAGE)
    )
    role_end(actor=officer, membership=cadre_row)
    person_deactivate(actor=officer, person=user, reason="调离")
    rows = AuditEntry.objects.filter(actor="county_officer")
    notes = [r.note for r in rows.order_by("id")]
    assert notes[0].startswith("新增人员")
    for words in (
        "授予角色：乡(镇)扶贫工作站",
        "修改人员信息",
        "重置密码",
        "授予角色：帮扶责任人",
        "撤销角色：帮扶责任人",
        "停用账号：调离",
    ):
        assert any(n.startswith(words) for n in notes), words
    assert all(r.user_id == officer.pk for r in rows)
    dumped = str(list(AuditEntry.objects.values("before", "after", "note", "object_key")))
    assert first not in dumped and second not in dumped
    assert not Membership.objects.filter(pk=cadre_row.pk).exists()


def test_the_working_group_grants_in_its_campaign_only(world):
    group = world.users["working_group"]
    user, _pw = person_create(
        actor=group,
        name="钱核查",
        username="qian",
        role=Role.DEPARTMENT,
        campaign=world.campaign,
    )
    assert Membership.objects.get(user=user).campaign == world.campaign
    assert person_for(group, user.pk) == user
    with pytest.raises(PeopleError, match="不能授予"):
        person_create(
            actor=group,
            name="某人",
            username="x-county",
            role=Role.COUNTY_OFFICE,
            region=region("621126000000"),
        )
    with pytest.raises(PeopleError, match="请选择评估任务"):
        person_create(actor=group, name="某人", username="x-none", role=Role.DEPARTMENT)


def test_county_office_gives_a_county_officer_of_its_own_county_only(world):
    """The 县级干部 who explains and rectifies the assessment's problems is a role of one county,
    granted by that county's office on its people pages (no separate record, no /admin/)."""
    office = world.users["county_officer"]  # the 岷县 poverty office persona
    user, _pw = person_create(
        actor=office,
        name="赵干部",
        username="zhao",
        role=Role.COUNTY_OFFICER,
        region=region("621126000000"),
    )
    assert has_role_in(user, Role.COUNTY_OFFICER, region("621126000000").pk)
    assert not has_role_in(user, Role.COUNTY_OFFICER, region("621223000000").pk)
    with pytest.raises(PeopleError, match="须对应一个县"):
        person_create(
            actor=office,
            name="钱干部",
            username="qian",
            role=Role.COUNTY_OFFICER,
            region=region(TOWNSHIP),
        )
    with pytest.raises(PeopleError, match="不在本单位辖区内"):
        person_create(
            actor=office,
            name="孙干部",
            username="sun",
            role=Role.COUNTY_OFFICER,
            region=region("621223000000"),
        )
    assert not get_user_model().objects.filter(username__in=["qian", "sun"]).exists()


def test_a_password_reset_by_the_office_lifts_a_login_lock(world, client):
    """Someone guessed a township officer's password from many addresses, locking the username
    everywhere; the county office's one-time password lets the officer in at once."""
    from fupin.accounts.services import (
        MAX_FAILURES_ANY_ADDRESS,
        login_failure_record,
        login_locked_until,
    )

    user, first = new_township_officer(world)
    for k in range(MAX_FAILURES_ANY_ADDRESS):
        login_failure_record(username=user.username, ip=f"10.1.{k}.1")
    assert login_locked_until(username=user.username, ip="10.0.0.1") is not None
    second = password_reset(actor=world.users["county_officer"], person=user)
    assert login_locked_until(username=user.username, ip="10.0.0.1") is None
    response = client.post(
        "/accounts/login/", {"username": user.username, "password": second}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302
