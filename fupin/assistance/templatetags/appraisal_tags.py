"""`{% unit_appraisals unit %}`: a helping unit's 双到 appraisal results and follow-up actions
(通报、点名、约谈), as the user may see them, for the unit's page."""

from __future__ import annotations

from typing import Any

from django import template

from fupin.assistance import appraisal_selectors as sel
from fupin.assistance.models import HelpingUnit

register = template.Library()


@register.inclusion_tag("assistance/_appraisal_unit_summary.html", takes_context=True)
def unit_appraisals(context: dict[str, Any], unit: HelpingUnit) -> dict[str, Any]:
    record = sel.unit_record(context["request"].user, unit)
    return {
        "unit": unit,
        "appraisals": list(record["appraisals"][:10]),
        "follow_ups": [f for f in record["follow_ups"] if f.voided_at is None],
    }
