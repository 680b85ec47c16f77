"""The campaign forms: its sampling settings as labelled fields (one per setting), and a new campaign.

Every value is checked by the model's own `sampling_errors`, one setting at a time, so that each
refusal stands next to the field it concerns.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import Campaign, sampling_errors
from fupin.assessments.models.campaigns import HOUSEHOLD_STRATA, default_sampling
from fupin.assessments.services import AssessmentError, scope_parse
from fupin.assessments.workflows import CampaignKind

VILLAGE_METHOD_CHOICES = [
    ("pps", _("与规模成比例抽样（按户数）")),
    ("srs", _("简单随机抽样")),
]
# The form's field of each sampling setting (households_per_stratum: one field per stratum).
SETTING_FIELDS = (
    "county_rate",
    "min_counties_per_province",
    "villages_per_county",
    "poor_village_share",
    "village_method",
    "at_risk_in_full",
)


class SamplingForm(forms.Form):
    """The campaign's sampling settings and explanation window (also the settings page's form)."""

    county_rate = forms.FloatField(
        label=_("县抽样比例"),
        help_text=_("0 到 1 之间，如 0.2 即抽取 20% 的县；为 1 时评估范围内的县全部评估，不抽县"),
    )
    min_counties_per_province = forms.IntegerField(label=_("每省至少抽取县数"))
    villages_per_county = forms.IntegerField(label=_("每县抽取村数"))
    poor_village_share = forms.FloatField(
        label=_("贫困村占比"), help_text=_("抽中的村里贫困村所占比例，0 到 1 之间，如 0.65")
    )
    village_method = forms.ChoiceField(label=_("抽村方法"), choices=VILLAGE_METHOD_CHOICES)
    exited = forms.IntegerField(label=_("每村抽取已脱贫户数"))
    poor = forms.IntegerField(label=_("每村抽取未脱贫户数"))
    non_registered = forms.IntegerField(label=_("每村抽取非建档立卡户数"))
    at_risk_in_full = forms.BooleanField(
        label=_("重点户全覆盖"),
        required=False,
        help_text=_("抽中村内的低保户、大病户、危房户全部入样，不计入上面各层户数"),
    )
    explain_window_hours = forms.IntegerField(
        label=_("地方说明期(小时)"), min_value=0, max_value=32767, initial=24
    )

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> SamplingForm:
        return cls(initial=cls.initial_for(campaign.sampling, campaign.explain_window_hours))

    @staticmethod
    def initial_for(sampling: dict[str, Any], explain_window_hours: int = 24) -> dict[str, Any]:
        per = sampling.get("households_per_stratum", {})
        return {
            **{k: v for k, v in sampling.items() if k != "households_per_stratum"},
            **per,
            "explain_window_hours": explain_window_hours,
        }

    def sampling(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            **{k: d[k] for k in SETTING_FIELDS},
            "households_per_stratum": {k: d[k] for k in HOUSEHOLD_STRATA},
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Each setting alone against the defaults: its refusals go next to its own field.
        for field in (*SETTING_FIELDS, *HOUSEHOLD_STRATA):
            if field not in cleaned:
                continue  # already refused by the field itself
            trial = default_sampling()
            if field in HOUSEHOLD_STRATA:
                trial["households_per_stratum"] = {
                    **trial["households_per_stratum"],
                    field: cleaned[field],
                }
            else:
                trial[field] = cleaned[field]
            for message in sampling_errors(trial):
                self.add_error(field, message)
        return cleaned


class CampaignForm(SamplingForm):
    """A new campaign: what, when, where, and its sampling settings."""

    field_order = ["kind", "year", "name", "scope", "starts_on", "ends_on"]

    kind = forms.ChoiceField(label=_("评估类型"), choices=CampaignKind.choices)
    year = forms.IntegerField(
        label=_("年度"),
        min_value=2014,
        max_value=2030,
        help_text=_("被评估的年度：抽查 2018 年退出的县填 2018"),
    )
    name = forms.CharField(label=_("任务名称"), max_length=120)
    scope = forms.CharField(
        label=_("评估范围"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "省或县的名称或区划代码，以顿号、逗号、斜杠或空格分隔，如“甘肃省、宁夏”或“621126 岷县”；"
            "列出省时包括其全部贫困县"
        ),
    )
    starts_on = forms.DateField(
        label=_("开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("结束日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(default_sampling()))
        super().__init__(*args, **kwargs)
        self.regions: list[Any] = []

    def clean_scope(self) -> str:
        text = self.cleaned_data["scope"]
        try:
            self.regions = scope_parse(text)
        except AssessmentError as e:
            raise forms.ValidationError(str(e).removeprefix("评估范围：")) from None
        if not self.regions:
            raise forms.ValidationError(_("请列出至少一个省或县"))
        return text

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        starts, ends = cleaned.get("starts_on"), cleaned.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("结束日期早于开始日期"))
        return cleaned
