"""Forms of the cooperation pages; the views pass their cleaned data to the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from fupin.assessments.models import Campaign
from fupin.cooperation.models import Grade, Indicator, InnovationKind
from fupin.cooperation.workflows import EntryStatus, ReviewAction, Side
from fupin.regions.models import Region

DATE = forms.DateInput(attrs={"type": "date"})
SIDE_CHOICES = [("", _("（按本人所在方）")), *Side.choices]


class LedgerFilterForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("指标"), required=False, queryset=Indicator.objects.all(), to_field_name="code"
    )
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *EntryStatus.choices]
    )
    entered_by = forms.ChoiceField(
        label=_("录入方"), required=False, choices=[("", _("全部")), *Side.choices]
    )
    q = forms.CharField(label=_("事项含"), required=False, max_length=100)


class LedgerEntryForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=DATE)
    indicator = forms.ModelChoiceField(
        label=_("指标"), queryset=Indicator.objects.all(), to_field_name="code"
    )
    amount = forms.DecimalField(label=_("数额"), max_digits=14, decimal_places=2, min_value=0)
    beneficiaries = forms.IntegerField(label=_("受益贫困人口"), min_value=0, initial=0)
    county = forms.ModelChoiceField(
        label=_("实施县"), required=False, queryset=Region.objects.none(), to_field_name="code"
    )
    title = forms.CharField(label=_("事项"), max_length=200, required=False)
    evidence = forms.CharField(
        label=_("佐证材料说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    side = forms.ChoiceField(label=_("代表"), choices=SIDE_CHOICES, required=False)

    def __init__(
        self,
        *args: Any,
        counties: QuerySet[Region] | None = None,
        indicators: QuerySet[Indicator] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if counties is not None:
            self.fields["county"].queryset = counties  # type: ignore[attr-defined]
        if indicators is not None:
            self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]


class ReviewForm(forms.Form):
    action = forms.ChoiceField(label=_("操作"), choices=ReviewAction.choices)
    opinion = forms.CharField(
        label=_("意见"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(label=_("数额"), required=False, max_digits=14, decimal_places=2)
    side = forms.ChoiceField(label=_("代表"), choices=SIDE_CHOICES, required=False)


class SelfAssessmentForm(forms.Form):
    text = forms.CharField(label=_("自评报告"), widget=forms.Textarea(attrs={"rows": 6}))
    claimed_grade = forms.ChoiceField(
        label=_("自评等次"),
        required=False,
        choices=[("", "—"), *[(str(g.label), g.label) for g in Grade]],
    )
    claims = forms.CharField(
        label=_("自报完成数"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个：指标代码=数值，如 E07=3000"),
    )
    side = forms.ChoiceField(label=_("代表"), choices=SIDE_CHOICES, required=False)

    def clean_claims(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for n, line in enumerate(self.cleaned_data["claims"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            code, sep, value = line.partition("=")
            if not sep or not code.strip() or not value.strip():
                raise forms.ValidationError(_("第 %(n)s 行应为“指标代码=数值”") % {"n": n})
            out[code.strip()] = value.strip()
        return out


class CommentForm(forms.Form):
    agrees = forms.BooleanField(label=_("认可对方自评"), required=False)
    text = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}))
    side = forms.ChoiceField(label=_("代表"), choices=SIDE_CHOICES, required=False)


class InnovationForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=InnovationKind.choices)
    title = forms.CharField(label=_("事项"), max_length=200)
    description = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(
        label=_("金额（万元）"), required=False, max_digits=14, decimal_places=2, min_value=0
    )
    beneficiaries = forms.IntegerField(label=_("受益贫困人口"), min_value=0, initial=0)
    side = forms.ChoiceField(label=_("代表"), choices=SIDE_CHOICES, required=False)


class ImportForm(forms.Form):
    KIND_CHOICES = [
        ("pairings", _("结对关系（结对关系、携手奔小康两张表）")),
        ("ledger", _("台账")),
    ]
    kind = forms.ChoiceField(label=_("导入内容"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
    side = forms.ChoiceField(
        label=_("台账录入方"),
        choices=SIDE_CHOICES,
        required=False,
        help_text=_("台账：同时是协作双方工作人员的（如管辖双方的省扶贫办），须选择代表哪一方录入"),
    )

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        name = (f.name or "").lower()
        if not name.endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("只接受 .xlsx 或 .csv 文件"))
        if f.size > 20 * 1024 * 1024:
            raise forms.ValidationError(_("文件超过 20 MB"))
        return f


class FieldCheckDrawForm(forms.Form):
    campaign = forms.ModelChoiceField(label=_("省际交叉考核任务"), queryset=Campaign.objects.none())
    county = forms.ModelChoiceField(
        label=_("抽中县"), queryset=Region.objects.none(), to_field_name="code"
    )
    year = forms.IntegerField(label=_("协作年度"), min_value=2016, max_value=2030)
    villages = forms.IntegerField(label=_("贫困村数"), min_value=2, max_value=3, initial=3)
    projects = forms.IntegerField(label=_("协作项目数"), min_value=2, max_value=3, initial=3)
    per_project = forms.IntegerField(
        label=_("每个项目抽户数"), min_value=1, max_value=10, initial=5
    )
    seed = forms.IntegerField(
        label=_("随机种子（留空自动生成）"), required=False, min_value=0, max_value=2**63 - 1
    )
    county_reason = forms.CharField(
        label=_("抽中县不是省级考核抽查县的原因"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("实地核查县原则上与当年省级考核抽查县重合（列在最前）；另选县时必填"),
    )

    def __init__(
        self,
        *args: Any,
        campaigns: QuerySet[Campaign],
        counties: QuerySet[Region],
        provincial: dict[str, list[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]
        field = self.fields["county"]
        field.queryset = counties  # type: ignore[attr-defined]
        marked = provincial or {}
        field.label_from_instance = lambda r: (  # type: ignore[attr-defined]
            f"{r.name}（省级考核抽查县：{'、'.join(marked[r.code])}）"
            if r.code in marked
            else r.name
        )


class FieldCheckRecordForm(forms.Form):
    money_arrived = forms.TypedChoiceField(
        label=_("资金是否到位"),
        choices=[("1", _("已到位")), ("0", _("未到位"))],
        coerce=lambda v: v == "1",
    )
    benefit_arrived = forms.TypedChoiceField(
        label=_("受益是否到户"),
        choices=[("1", _("已到户")), ("0", _("未到户"))],
        coerce=lambda v: v == "1",
    )
    amount_due = forms.DecimalField(
        label=_("应到金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    amount_received = forms.DecimalField(
        label=_("实到金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    remarks = forms.CharField(
        label=_("核查说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
