"""Forms for the three ledgers; the views pass their cleaned data to `services.ledger_*`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.assistance.models import MeasureKind, Project

DATE = forms.DateInput(attrs={"type": "date"})


class ExitPlanForm(forms.Form):
    target_year = forms.IntegerField(label=_("计划脱贫年度"), min_value=2013, max_value=2030)
    income_target = forms.DecimalField(
        label=_("人均纯收入目标(元)"), required=False, min_value=0, max_digits=10, decimal_places=2
    )
    targets = forms.CharField(
        label=_("脱贫目标与措施计划"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("措施类别"), choices=MeasureKind.choices)
    description = forms.CharField(label=_("措施内容"), max_length=200)
    amount = forms.DecimalField(
        label=_("金额(元)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    start_date = forms.DateField(label=_("开始日期"), widget=DATE)
    end_date = forms.DateField(label=_("结束日期"), required=False, widget=DATE)
    project = forms.ModelChoiceField(
        label=_("关联项目"), required=False, queryset=Project.objects.none()
    )

    def __init__(self, *args: Any, projects: QuerySet[Project] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if projects is not None:
            self.fields["project"].queryset = projects  # type: ignore[attr-defined]


class VisitForm(forms.Form):
    date = forms.DateField(label=_("走访日期"), widget=DATE)
    content = forms.CharField(
        label=_("工作内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    visitor_name = forms.CharField(
        label=_("走访人"), required=False, max_length=32, help_text=_("留空则为当前用户")
    )
