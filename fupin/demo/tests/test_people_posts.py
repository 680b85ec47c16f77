"""The demo's post holders: the offices above assign the 3342 posts to the demo logins through
the posts service, and a second run keeps them."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry, Post
from fupin.demo.people import DEMO_POSTS, demo_accounts_create

pytestmark = pytest.mark.django_db


def test_the_demo_logins_hold_the_3342_posts_assigned_by_the_office_above(household):
    demo_accounts_create(password="demo-pw-for-tests-2019")
    held = {
        (p.region.level, p.kind): (p.holder.username, p.granted_by.username)
        for p in Post.objects.filter(end_date__isnull=True).select_related(
            "region", "holder", "granted_by"
        )
    }
    assert held == {(lv, str(k)): (holder, office) for lv, k, holder, office in DEMO_POSTS}
    assert Post.objects.get(kind="county_secretary").region.name == "岷县"
    assert AuditEntry.objects.filter(model="Post").count() == len(DEMO_POSTS)
    demo_accounts_create(password="demo-pw-for-tests-2019")
    assert Post.objects.count() == len(DEMO_POSTS)
