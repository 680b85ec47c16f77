"""Links to 部门提供情况 and 综合研判与审定 on a campaign's page, for those who may open them."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from fupin.assessments.services import in_working_group
from fupin.assessments.services.department_reports import may_read
from fupin.assessments.services.judgement import in_leading_group

register = template.Library()


@register.simple_tag
def judgement_links(campaign: Any, user: Any) -> SafeString:
    links = []
    if may_read(user, campaign):
        links.append(
            (reverse("assessments:department_reports", args=[campaign.pk]), "部门提供情况")
        )
    if in_working_group(user, campaign) or in_leading_group(user, campaign):
        links.append((reverse("assessments:judgements", args=[campaign.pk]), "综合研判与审定"))
    return format_html_join("\n  ", '<a href="{}">{}</a>', links)
