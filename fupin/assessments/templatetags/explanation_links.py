"""Whether to show the link to the local-explanations page (a template's own question, asked once)."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.assessments.selectors import problems_awaiting_explanation_for

register = template.Library()


@register.simple_tag
def awaiting_explanation(user: Any) -> bool:
    """True when the user has a problem in the explanation window (地方说明期) to explain."""
    return bool(problems_awaiting_explanation_for(user).exists())
