"""Test support for the named posts of the 3342 chain: give a user a post without going through
the office above (fixtures; the services' own rules are tested in fupin/accounts/tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fupin.accounts.models import Post
from fupin.regions.models import Region

TERM_START = dt.date(2015, 1, 1)


def post_give(user: Any, region: Region | str, kind: str, start: dt.date = TERM_START) -> Post:
    """`user` holds `kind` in `region` (a Region or its code) from `start`, with no end."""
    if isinstance(region, str):
        region = Region.objects.get(code=region)
    return Post.objects.create(region=region, kind=kind, holder=user, start_date=start)
