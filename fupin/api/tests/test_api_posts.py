"""The posts API: the office above assigns a term and ends it; the county office is refused a
county post (403), an overlap is a 409, a term of another county a 404; audited as on the pages."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry, Post

pytestmark = pytest.mark.django_db

TOWNSHIP = "621126100000"  # 岷阳镇


def test_the_county_office_assigns_and_ends_a_township_post(api, world):
    county = api("county_officer")
    r = county.post(
        "/api/posts/",
        {
            "region": TOWNSHIP,
            "kind": "township_head",
            "holder": "township_officer",
            "start_date": "2019-01-01",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    body = r.json()
    assert (body["label"], body["holder"], body["current"]) == (
        "岷阳镇乡镇长",
        "township_officer",
        True,
    )
    r = county.post(
        "/api/posts/",
        {
            "region": "岷阳镇",
            "kind": "township_head",
            "holder": "county_officer",
            "start_date": "2020-01-01",
        },
        format="json",
    )
    assert r.status_code == 403 and "不能给自己任免职务" in r.json()["detail"]
    r = county.get("/api/posts/", {"current": "true"})
    assert [p["label"] for p in r.json()["results"]] == ["岷阳镇乡镇长"]
    r = county.post(f"/api/posts/{body['id']}/end/", {"end_date": "2021-06-30", "reason": "调任"})
    assert r.status_code == 200 and r.json()["end_date"] == "2021-06-30"
    assert Post.objects.get().end_date == dt.date(2021, 6, 30)
    assert AuditEntry.objects.filter(model="Post", user=world.users["county_officer"]).count() == 2
    r = county.post(f"/api/posts/{body['id']}/end/", {"end_date": "2021-07-30"})
    assert r.status_code == 409 and "已于2021-06-30离任" in r.json()["detail"]


def test_a_county_post_an_overlap_and_another_countys_term_are_refused(api, world):
    county = api("county_officer")
    r = county.post(
        "/api/posts/",
        {
            "region": "621126000000",
            "kind": "county_head",
            "holder": "township_officer",
            "start_date": "2019-01-01",
        },
        format="json",
    )
    assert r.status_code == 403 and "由市(州)扶贫办任免" in r.json()["detail"]
    first = {"region": TOWNSHIP, "kind": "township_head", "holder": "township_officer"}
    assert county.post("/api/posts/", {**first, "start_date": "2019-01-01"}).status_code == 201
    r = county.post("/api/posts/", {**first, "start_date": "2020-01-01"})
    assert r.status_code == 409 and "任期不能重叠" in r.json()["detail"]
    post = Post.objects.get()
    neighbour = api("neighbour_officer")
    assert (
        neighbour.post(f"/api/posts/{post.pk}/end/", {"end_date": "2022-01-01"}).status_code == 404
    )
    assert api("township_officer").get("/api/posts/").status_code == 403
    assert Post.objects.get().end_date is None
