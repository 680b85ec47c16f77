"""The sample-size planner on a campaign's settings: households and villages for a target precision.

It reads no registry data (the user types the county's frame), so it needs only the campaign
to be visible to the user; the arithmetic is `fupin.stats.planning` (as `fupin plan-sample`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from fupin.assessments.views.common import campaign_or_404

DOMAIN_LABELS = {"exited": _("已脱贫户（错退率）"), "non_registered": _("非建档立卡户（漏评率）")}


class PlanForm(forms.Form):
    """Expected rates, the county's frame and the target precision (Chinese labels and errors)."""

    wrong_exit_rate = forms.FloatField(
        label=_("预期错退率"), initial=0.02, min_value=0.0001, max_value=0.5
    )
    missed_rate = forms.FloatField(
        label=_("预期漏评率"), initial=0.02, min_value=0.0001, max_value=0.5
    )
    exited_households = forms.IntegerField(label=_("全县已脱贫户数"), min_value=1)
    nonregistered_households = forms.IntegerField(label=_("全县非建档立卡户数"), min_value=1)
    villages = forms.IntegerField(label=_("全县行政村数"), min_value=1)
    half_width = forms.FloatField(
        label=_("目标精度：95%置信区间半宽"), initial=0.01, min_value=0.001, max_value=0.2
    )
    per_village = forms.IntegerField(
        label=_("每村每层抽取户数"), initial=30, min_value=1, max_value=500
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # Chinese messages naming the field
            name = field.label
            field.error_messages.update(
                {
                    "required": f"请填写“{name}”",
                    "invalid": f"“{name}”须为数值",
                    "min_value": f"“{name}”不能小于 %(limit_value)s",
                    "max_value": f"“{name}”不能大于 %(limit_value)s",
                }
            )


@login_required
def campaign_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """GET with no query: the empty form; GET with the fields: the plan, or the errors (400)."""
    from fupin.stats.planning import PlanError, plan_sample

    campaign = campaign_or_404(request, pk)
    form = PlanForm(request.GET or None)
    context: dict[str, Any] = {"campaign": campaign, "form": form, "plan": None, "rows": []}
    status = 200
    if request.GET:
        if form.is_valid():
            d = form.cleaned_data
            try:
                plan = plan_sample(
                    rates={"exited": d["wrong_exit_rate"], "non_registered": d["missed_rate"]},
                    populations={
                        "exited": d["exited_households"],
                        "non_registered": d["nonregistered_households"],
                    },
                    villages_in_county=d["villages"],
                    half_width=d["half_width"],
                    per_village=d["per_village"],
                )
            except PlanError as e:
                form.add_error(None, str(e))
                status = 400
            else:
                context["plan"] = plan
                context["rows"] = [
                    {"label": DOMAIN_LABELS[p.name], "plan": p} for p in plan.domains
                ]
        else:
            status = 400
    return render(request, "assessments/campaign_plan.html", context, status=status)
