"""The demo's accounts: one login per kind of user, so that `fupin demo` shows what each role sees."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.db import transaction

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.models import Campaign
from fupin.assessments.workflows import Role as Duty
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

DEMO_PASSWORD = "fupin-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    what: str


@transaction.atomic
def demo_accounts_create(*, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Create (or keep) the demo logins for the registry's first county and the newest campaign."""
    users = get_user_model().objects
    made: list[DemoAccount] = []

    def account(username: str, what: str, superuser: bool = False) -> AbstractBaseUser:
        user = users.filter(username=username).first()
        if user is None:
            create = users.create_superuser if superuser else users.create_user
            user = create(username, password=password)
        made.append(DemoAccount(username, what))
        return user

    account("demo", "系统管理员（看全部数据，不看完整身份证号）", superuser=True)
    first = Household.objects.select_related("village__parent__parent").order_by("id").first()
    if first is None:
        return made
    township = first.village.parent
    county = township.parent if township is not None else None
    province = Region.objects.filter(code=first.village.code[:2] + "0" * 10, level=Level.PROVINCE).first()
    if province is not None:
        membership_grant(user=account("sheng", f"{province.name}扶贫办"), role=Role.PROVINCE_OFFICE,
                         region=province)
    if county is not None:
        membership_grant(user=account("xian", f"{county.name}扶贫办（可看完整身份证号，每次留痕）"),
                         role=Role.COUNTY_OFFICE, region=county)
    if township is not None:
        membership_grant(user=account("xiang", f"{township.name}扶贫工作站"),
                         role=Role.TOWNSHIP_OFFICE, region=township)
    if county is not None:
        from fupin.cooperation.models import Pairing

        pairing = Pairing.objects.filter(west=county).select_related("east").first()
        if pairing is not None:
            membership_grant(user=account("dongbu", f"{pairing.east.name}（东西部协作帮扶方，结对{county.name}）"),
                             role=Role.COUNTY_OFFICE, region=pairing.east)
    campaign = Campaign.objects.order_by("-id").first()
    if campaign is not None:
        group = account("pinggu", f"评估工作组成员（{campaign.name}）")
        working_group_add(campaign=campaign, user=group)
        group.groups.add(Group.objects.get_or_create(name=Duty.WORKING_GROUP.value)[0])
    return made
