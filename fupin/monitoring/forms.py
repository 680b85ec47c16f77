"""Forms of the monitoring pages: a report, opening an object, a step of its procedure, a
training, a reduction target, a reason for undoing one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.monitoring.models import TrainingLevel
from fupin.monitoring.workflows import MonitoringStatus, ObjectKind, ReportSource, SpendingKind


class ReportForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=20)
    year = forms.IntegerField(label=_("年度"), min_value=2010, max_value=2100)
    date = forms.DateField(label=_("上报日期"), required=False, help_text=_("空为今天"))
    source = forms.ChoiceField(label=_("来源"), choices=ReportSource.choices)
    income_per_capita = forms.FloatField(
        label=_("人均纯收入(元)"), required=False, min_value=0, max_value=1e8
    )
    rigid_spending = forms.FloatField(
        label=_("刚性支出(元)"), required=False, min_value=0, max_value=1e8
    )
    spending_kind = forms.ChoiceField(
        label=_("支出类别"), required=False, choices=[("", "—"), *SpendingKind.choices]
    )
    description = forms.CharField(label=_("情况说明"), max_length=300, required=False)


class OpenForm(forms.Form):
    household_no = forms.CharField(max_length=20, widget=forms.HiddenInput)
    year = forms.IntegerField(min_value=2010, max_value=2100, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类别"), choices=ObjectKind.choices)
    report = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    opinion = forms.CharField(label=_("说明"), max_length=500, required=False)


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=MonitoringStatus.choices, widget=forms.HiddenInput)
    date = forms.DateField(label=_("办理日期"), required=False, help_text=_("空为今天"))
    opinion = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("佐证材料（每行一项）"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    notice_start = forms.DateField(label=_("公示开始"), required=False)
    notice_end = forms.DateField(label=_("公示结束"), required=False)


class TrainingForm(forms.Form):
    date = forms.DateField(label=_("培训日期"))
    level = forms.ChoiceField(label=_("组织层级"), choices=TrainingLevel.choices)
    organiser = forms.CharField(label=_("组织单位"), max_length=100)
    topic = forms.CharField(label=_("培训主题"), max_length=200)
    participants = forms.IntegerField(
        label=_("参训人数"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("可只填名单，人数按名单计"),
    )
    participant_names = forms.CharField(
        label=_("参训人员名单（每行一人，可不填）"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, levels: list[tuple[str, str]] | None = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        if levels is not None:
            self.fields["level"].choices = levels  # type: ignore[attr-defined]


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2013, max_value=2100)
    people = forms.IntegerField(label=_("计划减贫人数"), min_value=0, max_value=10_000_000)
    source = forms.CharField(label=_("依据文件"), max_length=200, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)
