"""`{% if user|registers_evaluators %}`: whether the campaign page links to the evaluators page."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.accounts.models import Role
from fupin.accounts.roles import roles_held

register = template.Library()


@register.filter
def registers_evaluators(user: Any) -> bool:
    """The working group and institution admins register evaluators (the page checks the rest)."""
    return bool(roles_held(user, [Role.WORKING_GROUP, Role.INSTITUTION_ADMIN]))
