"""Forms of the help appraisal pages (一年一考核、三年结硬帐): Chinese labels, every field named in
its error."""

from __future__ import annotations

from django import forms

from fupin.assistance.models import AppraisalSide, FollowUpKind

RESULT_CHOICES = [("pass", "合格"), ("fail", "不合格")]


class CreateAppraisalForm(forms.Form):
    side = forms.ChoiceField(label="考核对象", choices=AppraisalSide.choices)
    village = forms.RegexField(label="帮扶村", regex=r"^[0-9]{12}$")
    unit = forms.IntegerField(label="帮扶单位", required=False)
    year = forms.IntegerField(label="考核年度", min_value=2000, max_value=2100)


class JudgeForm(forms.Form):
    result = forms.ChoiceField(label="评定结果", choices=RESULT_CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class ConcludeForm(forms.Form):
    opinion = forms.CharField(
        label="考核意见", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )
    confirm = forms.BooleanField(
        label="我已核对各项结果，确定结论（确定后不能修改，只能作废）",
        error_messages={"required": "请勾选“确定结论”以确认"},
    )


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="作废理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    confirm = forms.BooleanField(
        label="确认作废（记录保留并标为作废）", error_messages={"required": "请勾选“确认作废”"}
    )


class FollowUpForm(forms.Form):
    kind = forms.ChoiceField(label="问责方式", choices=FollowUpKind.choices)
    date = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    target = forms.CharField(label="对象（单位或负责人）", max_length=100)
    note = forms.CharField(
        label="情况说明", widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=4000
    )


class FollowUpVoidForm(forms.Form):
    reason = forms.CharField(label="撤销理由", max_length=200)
    confirm = forms.BooleanField(label="确认撤销", error_messages={"required": "请勾选“确认撤销”"})
