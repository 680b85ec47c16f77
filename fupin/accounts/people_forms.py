"""The people pages' forms: regions typed by name or code (with suggestions), roles by Chinese name."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from fupin.accounts.people import campaigns_of, offices_of, roles_grantable_by

REGION_HELP = _("填写名称或12位区划代码，可从提示中选择")


class RegionInput(forms.TextInput):
    """A text box tied to the page's region suggestions (<datalist id="people-regions">)."""

    def __init__(self) -> None:
        super().__init__(attrs={"list": "people-regions", "autocomplete": "off", "size": 36})


class DetailsForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=150)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    unit = forms.CharField(label=_("单位"), max_length=100, required=False)
    post = forms.CharField(label=_("职务"), max_length=64, required=False)


class PersonEditForm(DetailsForm):
    region = forms.CharField(
        label=_("所属地区"),
        max_length=100,
        required=False,
        widget=RegionInput(),
        help_text=REGION_HELP,
    )


class _RoleFields(forms.Form):
    """Role (from those the office may give), its region or campaign."""

    role = forms.ChoiceField(label=_("角色"))
    region = forms.CharField(
        label=_("地区"), max_length=100, required=False, widget=RegionInput(), help_text=REGION_HELP
    )
    campaign = forms.TypedChoiceField(label=_("评估任务"), required=False, coerce=int)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—— 请选择 ——"), *roles_grantable_by(actor)]
        campaigns = campaigns_of(actor)
        if campaigns:
            self.fields["campaign"].choices = [("", "——")] + [(c.pk, str(c)) for c in campaigns]
        else:
            del self.fields["campaign"]
        if not any(o.region is not None for o in offices_of(actor)):
            del self.fields["region"]


class GrantForm(_RoleFields):
    pass


class PersonCreateForm(DetailsForm, _RoleFields):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        help_text=_("登录用的名字：字母、数字或 @ . + - _，不区分大小写"),
    )

    field_order = ["name", "username", "phone", "unit", "post", "role", "region", "campaign"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("人员名单（XLSX）"))
