"""The form a province office records or changes its relative standard with (shares in percent,
as the provinces publish them). Thin: `fupin.registry.standards` checks the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.regions.models import Region
from fupin.registry.models import RelativeStandard

TEXT = forms.Textarea(attrs={"rows": 2})


def _percent(label: str, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=0.01,
        max_value=99.99,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        error_messages={
            "min_value": _("请填写大于 0 的百分比"),
            "max_value": _("请填写小于 100 的百分比"),
        },
    )


class StandardForm(forms.Form):
    province = forms.ModelChoiceField(
        label=_("省份"), queryset=Region.objects.none(), empty_label=None
    )
    name = forms.CharField(label=_("标准名称"), max_length=100)
    household_percent = _percent(
        _("贫困户：家庭人均纯收入低于全省农民人均纯收入的（%）"), help_text=_("如广东 2013 年为 33")
    )
    village_percent = _percent(
        _("重点帮扶村：村农民人均纯收入低于全省农民人均纯收入的（%）"),
        required=False,
        help_text=_("如广东 2013 年为 60；不认定重点帮扶村的留空"),
    )
    reference_year = forms.IntegerField(
        label=_("参照年度"), min_value=1978, max_value=2100, help_text=_("全省农民人均纯收入的年度")
    )
    reference_yuan = forms.FloatField(
        label=_("全省农民人均纯收入（元）"),
        min_value=1,
        max_value=1e6,
        help_text=_("按统计公报填写，系统不代填"),
    )
    reference_source = forms.CharField(
        label=_("收入来源"),
        max_length=300,
        widget=TEXT,
        help_text=_("如：《2011年广东省国民经济和社会发展统计公报》"),
    )
    first_year = forms.IntegerField(label=_("起始年度"), min_value=1978, max_value=2100)
    last_year = forms.IntegerField(
        label=_("截止年度"),
        min_value=1978,
        max_value=2100,
        required=False,
        help_text=_("长期有效的留空"),
    )
    requires_labour_ability = forms.BooleanField(label=_("贫困户须有劳动能力"), required=False)
    requires_poor_village = forms.BooleanField(label=_("贫困户须在重点帮扶村内"), required=False)
    reason = forms.CharField(
        label=_("制定或修改理由（文件依据）"),
        max_length=300,
        widget=TEXT,
        help_text=_("每次修改都记录为新版本，原版本保留"),
    )

    def __init__(self, *args: Any, provinces: Any = None, fixed: Region | None = None, **kw: Any):
        super().__init__(*args, **kw)
        field = self.fields["province"]
        if fixed is not None:
            field.queryset = Region.objects.filter(pk=fixed.pk)  # type: ignore[attr-defined]
            field.disabled = True
            field.initial = fixed.pk
        else:
            field.queryset = provinces if provinces is not None else Region.objects.none()  # type: ignore[attr-defined]

    @staticmethod
    def initial_of(v: RelativeStandard) -> dict[str, Any]:
        return {
            "province": v.province_id,
            "name": v.name,
            "household_percent": round(v.household_share * 100, 2),
            "village_percent": None if v.village_share is None else round(v.village_share * 100, 2),
            "reference_year": v.reference_year,
            "reference_yuan": v.reference_yuan,
            "reference_source": v.reference_source,
            "first_year": v.first_year,
            "last_year": v.last_year,
            "requires_labour_ability": v.requires_labour_ability,
            "requires_poor_village": v.requires_poor_village,
        }

    def data_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        village = d.get("village_percent")
        return {
            "name": d["name"],
            "household_share": float(d["household_percent"]) / 100,
            "village_share": None if village is None else float(village) / 100,
            "reference_year": d["reference_year"],
            "reference_yuan": d["reference_yuan"],
            "reference_source": d["reference_source"],
            "first_year": d["first_year"],
            "last_year": d.get("last_year"),
            "requires_labour_ability": d["requires_labour_ability"],
            "requires_poor_village": d["requires_poor_village"],
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("撤回理由"), max_length=300, widget=TEXT)
    confirm = forms.BooleanField(
        label=_("确认撤回（该版本保留在历史中；如有上一版本，恢复执行上一版本）"),
        error_messages={"required": _("请勾选确认")},
    )
