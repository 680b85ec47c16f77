"""Posts of the 3342 chain: the office above assigns and ends them, one holder at a time, in its
own region only, never for itself; every step audited; the pages list, assign and end."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from fupin.accounts.models import AuditEntry, Post, PostKind, Role
from fupin.accounts.posts import PostError, post_assign, post_current, post_end
from fupin.accounts.services import membership_grant
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

CITY = "621100000000"  # 定西市
COUNTY = "621126000000"  # 岷县
TOWNSHIP = "621126100000"  # 岷阳镇
VILLAGE = "621126100001"  # 东街村
TERM = dt.date(2019, 1, 1)


def region(code: str) -> Region:
    return Region.objects.get(code=code)


@pytest.fixture
def city_officer(world):
    user = get_user_model().objects.create_user("city_officer", first_name="赵市办")
    membership_grant(user=user, role=Role.CITY_OFFICE, region=CITY)
    return user


def test_county_office_assigns_a_township_post_audited(world):
    office, holder = world.users["county_officer"], world.users["township_officer"]
    post = post_assign(
        actor=office,
        region=region(TOWNSHIP),
        kind=PostKind.TOWNSHIP_SECRETARY,
        holder=holder,
        start_date=TERM,
    )
    assert post_current(region(TOWNSHIP), PostKind.TOWNSHIP_SECRETARY) == post
    assert post.granted_by == office and post.label == "岷阳镇乡镇党委书记"
    entry = AuditEntry.objects.get(model="Post", object_key=str(post.pk))
    assert entry.user == office and entry.action == AuditEntry.Action.GRANT
    assert entry.after["holder"] == "township_officer" and "岷阳镇乡镇党委书记" in entry.note


def test_county_office_cannot_assign_a_county_post_for_itself(world):
    with pytest.raises(PostError, match=r"县\(区\)级职务（县委书记）由市\(州\)扶贫办任免"):
        post_assign(
            actor=world.users["county_officer"],
            region=region(COUNTY),
            kind=PostKind.COUNTY_SECRETARY,
            holder=world.users["township_officer"],
            start_date=TERM,
        )
    assert not Post.objects.exists()


def test_city_office_assigns_a_county_post_but_not_to_itself(world, city_officer):
    post = post_assign(
        actor=city_officer,
        region=region(COUNTY),
        kind=PostKind.COUNTY_HEAD,
        holder=world.users["county_officer"],
        start_date=TERM,
    )
    assert post.holder == world.users["county_officer"]
    with pytest.raises(PostError, match="不能给自己任免职务"):
        post_assign(
            actor=city_officer,
            region=region(COUNTY),
            kind=PostKind.COUNTY_SECRETARY,
            holder=city_officer,
            start_date=TERM,
        )


def test_a_post_of_another_county_or_a_person_outside_is_refused(world):
    office = world.users["county_officer"]
    neighbour_village = region("621223100001")  # 宕昌县's village in the world
    with pytest.raises(PostError, match="不在本单位辖区内"):
        post_assign(
            actor=office,
            region=neighbour_village,
            kind=PostKind.VILLAGE_HEAD,
            holder=world.users["township_officer"],
            start_date=TERM,
        )
    with pytest.raises(PostError, match="不在本单位辖区的人员名单中"):
        post_assign(
            actor=office,
            region=region(VILLAGE),
            kind=PostKind.VILLAGE_HEAD,
            holder=world.users["neighbour_officer"],
            start_date=TERM,
        )
    with pytest.raises(PostError, match="须设在村级区划"):
        post_assign(
            actor=office,
            region=region(TOWNSHIP),
            kind=PostKind.VILLAGE_HEAD,
            holder=world.users["township_officer"],
            start_date=TERM,
        )


def test_overlapping_terms_are_refused_naming_the_holder(world):
    office = world.users["county_officer"]
    first = post_assign(
        actor=office,
        region=region(TOWNSHIP),
        kind=PostKind.TOWNSHIP_HEAD,
        holder=world.users["township_officer"],
        start_date=TERM,
    )
    cadre = world.users["cadre"]
    membership_grant(user=cadre, role=Role.HELPING_CADRE, region=VILLAGE)
    with pytest.raises(PostError, match="已由township_officer担任（2019-01-01至今），任期不能重叠"):
        post_assign(
            actor=office,
            region=region(TOWNSHIP),
            kind=PostKind.TOWNSHIP_HEAD,
            holder=cadre,
            start_date=dt.date(2020, 6, 1),
        )
    # A past term before it is history, not an overlap; one that reaches into it is refused.
    post_assign(
        actor=office,
        region=region(TOWNSHIP),
        kind=PostKind.TOWNSHIP_HEAD,
        holder=cadre,
        start_date=dt.date(2016, 1, 1),
        end_date=TERM,
    )
    with pytest.raises(PostError, match="任期不能重叠"):
        post_assign(
            actor=office,
            region=region(TOWNSHIP),
            kind=PostKind.TOWNSHIP_HEAD,
            holder=cadre,
            start_date=dt.date(2015, 1, 1),
            end_date=dt.date(2019, 2, 1),
        )
    # Ended, the post takes its next holder from the day the last one left.
    post_end(actor=office, post=first, end_date=dt.date(2020, 6, 1), reason="调任")
    second = post_assign(
        actor=office,
        region=region(TOWNSHIP),
        kind=PostKind.TOWNSHIP_HEAD,
        holder=cadre,
        start_date=dt.date(2020, 6, 1),
    )
    assert post_current(region(TOWNSHIP), PostKind.TOWNSHIP_HEAD, dt.date(2020, 5, 31)) == first
    assert post_current(region(TOWNSHIP), PostKind.TOWNSHIP_HEAD, dt.date(2020, 6, 1)) == second


def test_ending_a_term_is_audited_and_only_once(world):
    office = world.users["county_officer"]
    post = post_assign(
        actor=office,
        region=region(VILLAGE),
        kind=PostKind.WORK_TEAM_LEADER,
        holder=world.users["township_officer"],
        start_date=TERM,
    )
    with pytest.raises(PostError, match="离任日期不能早于任职日期"):
        post_end(actor=office, post=post, end_date=dt.date(2018, 1, 1))
    post_end(actor=office, post=post, end_date=dt.date(2021, 3, 1), reason="期满轮换")
    post.refresh_from_db()
    assert post.end_date == dt.date(2021, 3, 1)
    entry = AuditEntry.objects.filter(model="Post", action=AuditEntry.Action.REVOKE).get()
    assert entry.user == office and "期满轮换" in entry.note
    with pytest.raises(PostError, match="已于2021-03-01离任"):
        post_end(actor=office, post=post, end_date=dt.date(2021, 4, 1))
    with pytest.raises(PostError, match="由县扶贫办任免"):
        post_end(actor=world.users["township_officer"], post=post, end_date=dt.date(2021, 4, 1))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_posts_page_assigns_lists_and_ends_a_term(world):
    membership_grant(user=world.users["cadre"], role=Role.HELPING_CADRE, region=VILLAGE)
    client = _client(world.users["county_officer"])
    html = client.get(reverse("people:posts")).content.decode()
    assert "任命任职人" in html and "乡镇党委书记" in html and "县委书记" not in html
    r = client.post(
        reverse("people:post_assign"),
        {
            "region": "岷阳镇（621126100000）",
            "kind": "township_station_head",
            "holder": "township_officer",
            "start_date": "2019-01-01",
        },
    )
    assert r.status_code == 302
    post = Post.objects.get()
    html = client.get(r["Location"]).content.decode()
    assert "<td>乡镇扶贫工作站站长</td>" in html and "现任" in html
    # Overlap through the page: the refusal on the page, nothing written.
    r = client.post(
        reverse("people:post_assign"),
        {
            "region": "621126100000",
            "kind": "township_station_head",
            "holder": "cadre",
            "start_date": "2020-01-01",
        },
    )
    assert r.status_code == 400 and "任期不能重叠" in r.content.decode()
    assert Post.objects.count() == 1
    # Ending asks first, then ends.
    url = reverse("people:post_end", args=[post.pk])
    assert "确认" in client.get(url).content.decode()
    assert Post.objects.get().end_date is None
    r = client.post(url, {"end_date": "2022-01-01", "reason": "调任"})
    assert r.status_code == 302 and Post.objects.get().end_date == dt.date(2022, 1, 1)
    # The person's page shows the term.
    html = client.get(reverse("people:detail", args=[post.holder_id])).content.decode()
    assert "岷阳镇乡镇扶贫工作站站长" in html and "已离任" in html


def test_an_office_that_manages_no_posts_and_a_guessed_post_are_refused(world, city_officer):
    post = post_assign(
        actor=city_officer,
        region=region(COUNTY),
        kind=PostKind.COUNTY_HEAD,
        holder=world.users["county_officer"],
        start_date=TERM,
    )
    township = _client(world.users["township_officer"])
    assert township.get(reverse("people:posts")).status_code == 403
    county = _client(world.users["county_officer"])
    assert county.get(reverse("people:post_end", args=[post.pk])).status_code == 404
    r = county.post(reverse("people:post_end", args=[post.pk]), {"end_date": "2022-01-01"})
    assert r.status_code == 404 and Post.objects.get().end_date is None
