"""Forms for the three ledgers and the offices' management of the help; the views pass their
cleaned data to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.assistance.models import (
    FundSource,
    HelpingUnit,
    MeasureKind,
    Project,
    TeamRole,
    UnitKind,
)
from fupin.regions.models import Region

User = get_user_model()

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


# --- the offices' forms: units, pairings, teams, projects, return visits ------------------------
# Choices show names, never ids or codes (ModelChoiceField labels come from `label_from_instance`).


class RegionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class UserChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full}（{obj.get_username()}）" if full else str(obj.get_username())


def _confirm(label: str) -> forms.BooleanField:
    return forms.BooleanField(label=label, required=True)


class UnitForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100)
    kind = forms.ChoiceField(label=_("单位类型"), choices=UnitKind.choices)
    region = RegionChoiceField(label=_("所在区划"), queryset=Region.objects.none())

    def __init__(self, *args: Any, regions: QuerySet[Region] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class DeactivateForm(forms.Form):
    on = forms.DateField(label=_("停用日期"), widget=DATE)
    reason = forms.CharField(label=_("停用原因"), max_length=200)
    confirm = _confirm(_("确认停用该帮扶单位"))


class LiaisonForm(forms.Form):
    username = forms.CharField(label=_("联络人用户名"), max_length=150)


class LiaisonRemoveForm(forms.Form):
    username = forms.CharField(widget=forms.HiddenInput)
    confirm = _confirm(_("确认移除"))


class VillagePairingForm(forms.Form):
    unit = UnitChoiceField(label=_("帮扶单位"), queryset=HelpingUnit.objects.none())
    village = RegionChoiceField(label=_("帮扶村"), queryset=Region.objects.none())
    start = forms.DateField(label=_("开始日期"), widget=DATE)

    def __init__(
        self,
        *args: Any,
        units: QuerySet[HelpingUnit] | None = None,
        villages: QuerySet[Region] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]


class VillagePairingChangeForm(forms.Form):
    start = forms.DateField(label=_("开始日期"), widget=DATE)
    end = forms.DateField(
        label=_("解除日期"), required=False, widget=DATE, help_text=_("留空即恢复为帮扶中")
    )
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class EndForm(forms.Form):
    end = forms.DateField(label=_("解除日期"), widget=DATE)
    reason = forms.CharField(label=_("解除原因"), max_length=200)
    confirm = _confirm(_("确认解除"))


class ReturnVisitForm(forms.Form):
    date = forms.DateField(label=_("回访日期"), widget=DATE)
    visitors = forms.CharField(label=_("回访人员"), max_length=100)
    findings = forms.CharField(
        label=_("发现的情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class HouseholdPairingForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=20)
    cadre = UserChoiceField(label=_("帮扶责任人"), queryset=User.objects.none())
    unit = UnitChoiceField(
        label=_("所在帮扶单位"), required=False, queryset=HelpingUnit.objects.none()
    )
    start = forms.DateField(label=_("开始日期"), widget=DATE)

    def __init__(
        self,
        *args: Any,
        cadres: QuerySet[Any] | None = None,
        units: QuerySet[HelpingUnit] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if cadres is not None:
            self.fields["cadre"].queryset = cadres  # type: ignore[attr-defined]
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class HandoverForm(forms.Form):
    cadre = UserChoiceField(label=_("新帮扶责任人"), queryset=User.objects.none())
    on = forms.DateField(label=_("移交日期"), widget=DATE)
    reason = forms.CharField(label=_("移交原因"), max_length=200, required=False)
    confirm = _confirm(_("确认移交"))

    def __init__(self, *args: Any, cadres: QuerySet[Any] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if cadres is not None:
            self.fields["cadre"].queryset = cadres  # type: ignore[attr-defined]


class WorkTeamForm(forms.Form):
    village = RegionChoiceField(label=_("驻村"), queryset=Region.objects.none())
    unit = UnitChoiceField(label=_("派出单位"), required=False, queryset=HelpingUnit.objects.none())
    start = forms.DateField(label=_("进驻日期"), widget=DATE)
    leader = forms.CharField(label=_("队长姓名"), max_length=32)
    first_secretary = forms.CharField(label=_("第一书记姓名"), max_length=32, required=False)

    def __init__(
        self,
        *args: Any,
        villages: QuerySet[Region] | None = None,
        units: QuerySet[HelpingUnit] | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages  # type: ignore[attr-defined]
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class JoinForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=32)
    role = forms.ChoiceField(label=_("职务"), choices=TeamRole.choices)
    start = forms.DateField(label=_("到岗日期"), widget=DATE)


class LeaveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    end = forms.DateField(label=_("离队日期"), widget=DATE)
    confirm = _confirm(_("确认离队"))


class TeamEndForm(forms.Form):
    end = forms.DateField(label=_("撤离日期"), widget=DATE)
    reason = forms.CharField(label=_("撤离原因"), max_length=200)
    confirm = _confirm(_("确认撤离（在队队员同日离队）"))


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("项目名称"), max_length=120)
    kind = forms.ChoiceField(label=_("项目类别"), choices=MeasureKind.choices)
    year = forms.IntegerField(label=_("项目年度"), min_value=2000, max_value=2100)
    unit = UnitChoiceField(label=_("帮扶单位"), required=False, queryset=HelpingUnit.objects.none())
    start_date = forms.DateField(label=_("开工日期"), required=False, widget=DATE)
    description = forms.CharField(
        label=_("建设内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, units: QuerySet[HelpingUnit] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class ProjectCreateForm(ProjectForm):
    region = RegionChoiceField(label=_("实施区划"), queryset=Region.objects.none())
    field_order = ["name", "region", "kind", "year", "unit", "start_date", "description"]

    def __init__(self, *args: Any, regions: QuerySet[Region] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        for source, label in FundSource.choices:
            self.fields[f"fund_{source}"] = forms.DecimalField(
                label=_("%(source)s资金(元)") % {"source": label},
                required=False,
                min_value=0,
                max_digits=14,
                decimal_places=2,
            )


class FundForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=FundSource.choices)
    amount = forms.DecimalField(label=_("金额(元)"), min_value=0, max_digits=14, decimal_places=2)


class BeneficiaryForm(forms.Form):
    household_no = forms.CharField(label=_("户编号"), max_length=20)
    amount = forms.DecimalField(
        label=_("受益金额(元)"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    note = forms.CharField(label=_("受益内容"), max_length=200, required=False)


class BeneficiaryRemoveForm(forms.Form):
    household_no = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("移除原因"), max_length=200)
    confirm = _confirm(_("确认移除"))


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("进度(%)"), min_value=0, max_value=100)
    completed_on = forms.DateField(label=_("竣工日期"), required=False, widget=DATE)
