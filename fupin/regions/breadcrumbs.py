"""A region's ancestors for a breadcrumb, each marked whether the user may open its page."""

from __future__ import annotations

from typing import Any

from fupin.regions.models import Region


def ancestors_for(user: Any, region: Region) -> list[Region]:
    """The regions above `region`, top first; `visible` is set on each (a township office may not
    open its county's page, so the breadcrumb names the county without linking to it)."""
    from fupin.accounts.scoping import regions_for

    out: list[Region] = []
    node = region.parent
    while node is not None:
        out.insert(0, node)
        node = node.parent
    visible = set(regions_for(user).filter(pk__in=[a.pk for a in out]).values_list("pk", flat=True))
    for a in out:
        a.visible = a.pk in visible
    return out
