"""The link to 暗访 on a campaign's page, for those who may open it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from fupin.assessments.services.unannounced import may_see

register = template.Library()


@register.simple_tag
def unannounced_link(campaign: Any, user: Any) -> SafeString:
    if not may_see(user, campaign):
        return SafeString("")
    return format_html(
        '<a href="{}" id="unannounced-link">{}</a>',
        reverse("assessments:unannounced", args=[campaign.pk]),
        "暗访",
    )
