"""`{% if user|manages_people %}`: whether the site navigation shows 人员管理."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.accounts.people import may_manage_people

register = template.Library()


@register.filter
def manages_people(user: Any) -> bool:
    return may_manage_people(user)
