"""Forms for the exit pages; the views pass their cleaned data to `exits.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.exits.criteria import HOUSEHOLD_FACTS, VILLAGE_INDICATORS
from fupin.exits.workflows import ExitKind

DATE = forms.DateInput(attrs={"type": "date"})
OPINION = forms.Textarea(attrs={"rows": 2})


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class EvidenceField(forms.CharField):
    """One piece of evidence (a file name or a note) per line."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("佐证材料"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("每行一项，如文件名"))
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 2}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        return _lines(super().to_python(value) or "")


class OpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("退出类型"), choices=ExitKind.choices)
    household_no = forms.CharField(
        label=_("户编号"), max_length=20, required=False, help_text=_("贫困户退出时填写")
    )
    region_code = forms.RegexField(
        label=_("村或县区划代码"),
        regex=r"^[0-9]{12}$",
        required=False,
        help_text=_("贫困村、贫困县退出时填写（12位代码）"),
    )
    # No exit year to type: the case's year is the year it is proposed in, and the approval must
    # fall in it (services.exit_case_open, _check_exit_year).
    date = forms.DateField(
        label=_("办理日期"),
        required=False,
        widget=DATE,
        help_text=_("留空为今天；退出年度即提出之年，须在当年批准退出"),
    )
    opinion = forms.CharField(label=_("意见"), required=False, widget=OPINION)
    evidence = EvidenceField()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind == ExitKind.HOUSEHOLD and not data.get("household_no"):
            self.add_error("household_no", _("贫困户退出须填写户编号"))
        if kind in (ExitKind.VILLAGE, ExitKind.COUNTY) and not data.get("region_code"):
            self.add_error("region_code", _("贫困村、贫困县退出须填写区划代码"))
        return data


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("办理日期"), required=False, widget=DATE, help_text=_("留空为今天")
    )
    opinion = forms.CharField(label=_("意见"), required=False, widget=OPINION)
    evidence = EvidenceField()
    notice_start = forms.DateField(label=_("公示开始"), required=False, widget=DATE)
    notice_end = forms.DateField(label=_("公示结束"), required=False, widget=DATE)
    assessment_result = forms.IntegerField(label=_("专项评估检查结果"), required=False, min_value=1)
    confirm = forms.BooleanField(label=_("我已确认此操作"), required=False)


class ObjectionForm(forms.Form):
    raised_by_name = forms.CharField(label=_("异议人"), max_length=64, required=False)
    content = forms.CharField(label=_("异议内容"), widget=OPINION)


class ResolveForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("核实结论"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(label=_("核实意见"), widget=OPINION)


class SignForm(forms.Form):
    capacity = forms.ChoiceField(label=_("签字身份"))
    signatory_name = forms.CharField(
        label=_("签字人（户主）姓名"),
        max_length=64,
        required=False,
        help_text=_("仅贫困户签字时填写，留空为户主"),
    )
    stand_in_reason = forms.CharField(
        label=_("代签事由"),
        max_length=200,
        required=False,
        help_text=_("本人不是该职务现任任职人、代为签字时必填"),
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["capacity"].choices = choices  # type: ignore[attr-defined]

    def level_and_code(self) -> tuple[str, str]:
        level, _sep, code = self.cleaned_data["capacity"].partition(":")
        return level, code


class RevokeForm(forms.Form):
    level = forms.ChoiceField(label=_("撤销哪一级及以上的签字"))
    reason = forms.CharField(label=_("撤销理由"), widget=OPINION)
    confirm = forms.BooleanField(label=_("确认撤销（该级及以上签字全部作废）"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["level"].choices = choices  # type: ignore[attr-defined]


YES_NO = [("", _("（不变）")), ("1", _("是")), ("0", _("否"))]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, required=False, coerce=lambda v: v == "1", empty_value=None
    )


class DataChangeForm(forms.Form):
    """The case's entered data: a household's checked facts (changed in the registry) or a
    village's indicators; a county has none (its figures are linked from the assessment). Only
    fields whose value differs from now are changed."""

    reason = forms.CharField(label=_("变更原因"), widget=OPINION)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, case_kind: str, current: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.current = current
        fields: dict[str, forms.Field] = {}
        if case_kind == ExitKind.HOUSEHOLD:
            fields["income_year"] = forms.IntegerField(
                label=HOUSEHOLD_FACTS["income_year"], required=False, min_value=2000, max_value=2100
            )
            fields["income_per_capita"] = forms.FloatField(
                label=HOUSEHOLD_FACTS["income_per_capita"],
                required=False,
                min_value=0,
                max_value=10_000_000,
            )
            fields["size"] = forms.IntegerField(
                label=HOUSEHOLD_FACTS["size"], required=False, min_value=1, max_value=99
            )
            for key in (
                "food_ok",
                "clothing_ok",
                "education_ok",
                "medical_ok",
                "housing_ok",
                "water_ok",
            ):
                fields[key] = _yes_no(HOUSEHOLD_FACTS[key])
        elif case_kind == ExitKind.VILLAGE:
            fields["population"] = forms.IntegerField(
                label=_("农村人口（统计部门）"), required=False, min_value=1, max_value=10_000_000
            )
            for key, label in VILLAGE_INDICATORS.items():
                fields[key] = _yes_no(label)
        # A county's figures come from its 专项评估检查 (exits.assessment): nothing to enter.
        for name, field in fields.items():
            value = current.get(name)
            if isinstance(field, forms.TypedChoiceField):
                field.initial = "" if value is None else ("1" if value else "0")
            else:
                field.initial = value
            self.fields[name] = field
        # the reason and confirmation last
        self.order_fields([*fields, "reason", "confirm"])
        self.data_fields = list(fields)

    def changes(self) -> dict[str, Any]:
        """The fields given a value different from the data as it stands."""
        out = {}
        for name in self.data_fields:
            value = self.cleaned_data.get(name)
            if value is None:
                continue
            if value != self.current.get(name):
                out[name] = value
        return out
