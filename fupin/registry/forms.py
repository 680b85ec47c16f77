"""Forms of the registry's work pages: status events, identification cases and their steps,
income and 两不愁三保障 with evidence, member changes. Thin: the services check the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.policy.contact import ETHNICITIES, ethnicity_name
from fupin.registry.editing import (
    JOINING_CHOICES,
    LEAVING_CHOICES,
    EventChoice,
)
from fupin.registry.models import (
    Attribute,
    Cause,
    Education,
    Health,
    LabourAbility,
    Relation,
    SchoolStatus,
)
from fupin.registry.workflows import AppraisalResult, IdentificationStatus

DATE = forms.DateInput(attrs={"type": "date"})
TEXT = forms.Textarea(attrs={"rows": 2})


class EventForm(forms.Form):
    event = forms.ChoiceField(label=_("变更类型"), choices=EventChoice.choices)
    date = forms.DateField(label=_("日期"), widget=DATE)
    reason = forms.CharField(label=_("原因"), max_length=200, widget=TEXT)
    confirm = forms.BooleanField(
        label=_("我已核实，确认记录（记录只能追加，不能删除）"),
        error_messages={"required": _("请勾选确认")},
    )


class IdentificationOpenForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=20)
    village = forms.RegexField(
        label=_("所在村区划代码"),
        regex=r"^[0-9]{12}$",
        required=False,
        help_text=_("新农户（尚无户编号记录）必填：12 位村代码"),
        error_messages={"invalid": _("请填写 12 位数字的村代码")},
    )
    date = forms.DateField(
        label=_("申请日期"), required=False, widget=DATE, help_text=_("留空为今天")
    )
    reason = forms.CharField(
        label=_("申请理由"),
        max_length=300,
        widget=TEXT,
        help_text=_("曾被清退的农户须写明重新识别的原因"),
    )


class IdentificationStepForm(forms.Form):
    to = forms.ChoiceField(choices=IdentificationStatus.choices, widget=forms.HiddenInput)
    date = forms.DateField(
        label=_("办理日期"), required=False, widget=DATE, help_text=_("留空为今天")
    )
    opinion = forms.CharField(label=_("办理情况"), required=False, widget=TEXT)
    evidence = forms.CharField(label=_("佐证材料（每行一项）"), required=False, widget=TEXT)
    appraisal_result = forms.ChoiceField(
        label=_("评议结果"), required=False, choices=[("", "—"), *AppraisalResult.choices]
    )
    notice_start = forms.DateField(label=_("公示开始"), required=False, widget=DATE)
    notice_end = forms.DateField(label=_("公示结束"), required=False, widget=DATE)
    objection = forms.CharField(label=_("异议"), max_length=500, required=False, widget=TEXT)
    objection_handling = forms.CharField(
        label=_("异议处理"), max_length=500, required=False, widget=TEXT
    )
    objection_upheld = forms.BooleanField(label=_("异议成立（不予识别）"), required=False)


YES_NO = [("1", _("是")), ("0", _("否"))]


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=YES_NO, coerce=lambda v: v == "1", widget=forms.RadioSelect
    )


def _yuan(label: str) -> forms.FloatField:
    return forms.FloatField(label=label, min_value=0, max_value=1e8)


class HouseholdEditForm(forms.Form):
    """Income and 两不愁三保障, with the evidence the change rests on."""

    income_year = forms.IntegerField(label=_("收入年度"), min_value=2010, max_value=2100)
    income_wages = _yuan(_("工资性收入(元)"))
    income_business = _yuan(_("生产经营性收入(元)"))
    income_property = _yuan(_("财产性收入(元)"))
    income_transfers = _yuan(_("转移性收入(元)"))
    income_policy_transfers = _yuan(_("其中政策性收入(元)"))
    food_ok = _yes_no(_("不愁吃"))
    clothing_ok = _yes_no(_("不愁穿"))
    education_ok = _yes_no(_("义务教育有保障"))
    medical_ok = _yes_no(_("基本医疗有保障"))
    housing_ok = _yes_no(_("住房安全有保障"))
    water_ok = _yes_no(_("饮水安全有保障"))
    attribute = forms.ChoiceField(
        label=_("贫困户属性"), required=False, choices=[("", "—"), *Attribute.choices]
    )
    main_cause = forms.ChoiceField(
        label=_("主要致贫原因"), required=False, choices=[("", "—"), *Cause.choices]
    )
    natural_village = forms.CharField(label=_("自然村"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("联系电话"),
        max_length=40,
        required=False,
        help_text=_("手机 11 位，座机带区号（如 0931-8123456）；多个号码用“/”隔开"),
    )
    note = forms.CharField(
        label=_("修改依据（佐证说明）"),
        max_length=300,
        widget=TEXT,
        help_text=_("如：2019 年入户核实收入台账、住建部门危房鉴定"),
    )
    file = forms.FileField(label=_("佐证材料文件（可选）"), required=False)

    @classmethod
    def initial_of(cls, household: Any) -> dict[str, Any]:
        out = {
            name: getattr(household, name)
            for name in cls.base_fields
            if name not in ("note", "file")
        }
        for name in (
            "food_ok",
            "clothing_ok",
            "education_ok",
            "medical_ok",
            "housing_ok",
            "water_ok",
        ):
            out[name] = "1" if out[name] else "0"
        return out

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("note", "file")}


ETHNICITY_CHOICES = [("", "—"), *((n, n) for n in ETHNICITIES)]


class PersonForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=20, help_text=_("18 位；性别和出生日期由身份证号得出")
    )
    person_no = forms.CharField(label=_("人编号"), max_length=24, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    ethnicity = forms.ChoiceField(label=_("民族"), required=False, choices=ETHNICITY_CHOICES)
    education = forms.ChoiceField(
        label=_("文化程度"), required=False, choices=[("", "—"), *Education.choices]
    )
    school_status = forms.ChoiceField(
        label=_("在校生状况"), required=False, choices=[("", "—"), *SchoolStatus.choices]
    )
    health = forms.ChoiceField(
        label=_("健康状况"), required=False, choices=[("", "—"), *Health.choices]
    )
    disability_grade = forms.IntegerField(label=_("残疾等级"), min_value=0, max_value=4, initial=0)
    labour_ability = forms.ChoiceField(
        label=_("劳动能力"), required=False, choices=[("", "—"), *LabourAbility.choices]
    )
    months_away = forms.IntegerField(label=_("务工时间(月)"), min_value=0, max_value=12, initial=0)
    insured = forms.BooleanField(label=_("参加医疗保险"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A stored nationality that is not one of the 56 names (an imported “汉” is shown as 汉族)
        # stays selectable, so that saving other fields does not silently drop it; the service
        # then names it as the field to correct.
        field = self.fields["ethnicity"]
        for value in (self.initial.get("ethnicity"), self.data.get("ethnicity")):
            if value and ethnicity_name(str(value)) is None:
                field.choices = [
                    *ETHNICITY_CHOICES,
                    (value, f"{value}（不在 56 个民族中，请改正）"),
                ]  # type: ignore[attr-defined]

    def data_fields(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in PersonForm.base_fields}


class PersonAddForm(PersonForm):
    change = forms.ChoiceField(label=_("变动原因"), choices=JOINING_CHOICES)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PersonEditForm(PersonForm):
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=20,
        required=False,
        help_text=_("留空为不变；改正时填写完整的 18 位号码"),
    )
    note = forms.CharField(label=_("修改依据"), max_length=200)

    def data_fields(self) -> dict[str, Any]:
        data = super().data_fields()
        if not data["id_number"]:
            data.pop("id_number")
        return data


class PersonRemoveForm(forms.Form):
    change = forms.ChoiceField(label=_("变动原因"), choices=LEAVING_CHOICES)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    confirm = forms.BooleanField(
        label=_("确认（婚出、迁出的成员从本户删除，可从修改记录中恢复）"),
        error_messages={"required": _("请勾选确认")},
    )
