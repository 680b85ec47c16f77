"""The campaign page's 各县结果 actions: 计算结果 for the working group in verification, and the
report downloads for the working group (a template's own question, asked once)."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.assessments.models import Campaign
from fupin.assessments.services import in_working_group
from fupin.assessments.workflows import CampaignStatus

register = template.Library()


@register.inclusion_tag("assessments/_results_actions.html", takes_context=True)
def results_actions(context: Any, campaign: Campaign) -> dict[str, Any]:
    wg = in_working_group(context["request"].user, campaign)
    return {
        "campaign": campaign,
        "can_compute": wg and campaign.status == CampaignStatus.VERIFICATION,
        "can_download": wg,
        "csrf_token": context.get("csrf_token"),
    }
