"""Links to each county's 干部群众满意度 survey on a campaign's page, for those who may open it."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from fupin.assessments.services import assessed_counties, in_working_group
from fupin.assessments.services.cadre_survey import may_enter, survey_applies
from fupin.assessments.services.judgement import in_leading_group

register = template.Library()


@register.simple_tag
def cadre_survey_links(campaign: Any, user: Any) -> SafeString:
    if not survey_applies(campaign):
        return SafeString("")
    every = in_working_group(user, campaign) or in_leading_group(user, campaign)
    links = [
        (
            reverse("assessments:cadre_survey", args=[campaign.pk, county.code]),
            f"{county.name}干部群众满意度",
        )
        for county in assessed_counties(campaign)
        if every or may_enter(user, campaign, county)
    ]
    return format_html_join("\n  ", '<a href="{}">{}</a>', links)
