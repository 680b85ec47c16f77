"""How the audit page names the codes in the exits' audit rows: a signature's level and capacity
by their Chinese labels (registered from ExitsConfig.ready, see registry.audit_values)."""

from __future__ import annotations

from typing import Any

from fupin.exits.workflows import CAPACITIES, level_label
from fupin.registry.audit_values import audit_value_source


def _post(pk: Any) -> str:
    from fupin.accounts.models import Post

    post = Post.objects.filter(pk=pk).select_related("region").first()
    return post.label if post is not None else "—"


def audit_values_register() -> None:
    levels = {lv: level_label(lv) for lv in CAPACITIES}
    capacities = {c.code: c.label for caps in CAPACITIES.values() for c in caps}
    audit_value_source("Signature", "level", "签字层级", levels)
    audit_value_source("Signature", "capacity", "签字身份", capacities)
    audit_value_source("Signature", "post", "所签职务", name=_post)
