"""The demo's accounts: one login for every role the platform has, so that `fupin demo` shows
what each role sees and every workflow step (exits' 3342 sign-off, the five verification steps)
has someone who may take it.

Offices get new logins tied to the demo county's regions; the assessment's evaluators are the
simulated campaign's own people (its enumerators, experts, departments…), given the demo password
so that a visitor sees exactly the work the simulation recorded under their names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from fupin.accounts.first_login import password_changed_by_self
from fupin.accounts.models import Post, PostKind, Role
from fupin.accounts.people import person_create
from fupin.accounts.posts import post_assign
from fupin.accounts.services import membership_grant, working_group_add
from fupin.assessments.models import (
    Campaign,
    Enumerator,
    Expert,
    ExpertCounty,
    InstitutionCounty,
    TeamHousehold,
)
from fupin.demo.exits import STILL_POOR, demo_exit_work
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

DEMO_PASSWORD = "fupin-demo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # the role's Chinese name
    what: str  # what the login can do


@transaction.atomic
def demo_accounts_create(*, password: str = DEMO_PASSWORD) -> list[DemoAccount]:
    """Create (or keep) one login per role for the registry's first county and newest campaign."""
    users = get_user_model().objects
    made: list[DemoAccount] = []
    # The shared demo password is hashed once (PBKDF2 costs about a third of a second each time,
    # and the demo gives it to some thirty logins); every login checks against the same hash.
    hashed: list[str] = []

    def demo_hash() -> str:
        if not hashed:
            hashed.append(make_password(password))
        return hashed[0]

    def account(username: str, role: str, what: str, superuser: bool = False) -> AbstractBaseUser:
        user = users.filter(username=username).first()
        if user is None:
            create = users.create_superuser if superuser else users.create_user
            user = create(username, password=None)
            user.password = demo_hash()
            user.save(update_fields=["password"])
        made.append(DemoAccount(username, role, what))
        return user

    def existing(user: AbstractBaseUser, role: str, what: str) -> AbstractBaseUser:
        """A simulated participant: the demo password, so the recorded work can be seen."""
        if not user.has_usable_password():
            user.password = demo_hash()
            user.save(update_fields=["password"])
        made.append(DemoAccount(user.get_username(), role, what))
        return user

    account("demo", "系统管理员", "看全部数据和 /admin/，不看完整身份证号", superuser=True)
    # The demo village: one with a household still poor, so that its exit can be proposed.
    households = Household.objects.select_related("village__parent__parent").order_by("id")
    first = households.filter(status__in=STILL_POOR).first() or households.first()
    if first is None:
        return made
    village = first.village
    township = village.parent
    county = township.parent if township is not None else None
    city = county.parent if county is not None else None
    province = Region.objects.filter(code=village.code[:2] + "0" * 10, level=Level.PROVINCE).first()

    if province is not None:
        membership_grant(
            user=account(
                "sheng",
                str(Role.PROVINCE_OFFICE.label),
                f"{province.name}：全省数据；县退出的省级核查、公示、批准",
            ),
            role=Role.PROVINCE_OFFICE,
            region=province,
        )
    if city is not None and city.level == Level.CITY:
        for username, post in (("shi", "市委书记"), ("shi2", "市长")):
            membership_grant(
                user=account(
                    username,
                    str(Role.CITY_OFFICE.label),
                    f"{city.name}：县退出市级初审；3342 市级签字（{post}）",
                ),
                role=Role.CITY_OFFICE,
                region=city,
            )
    if county is not None:
        posts = (
            ("xian", "县扶贫办主任；可看完整身份证号，每次留痕"),
            ("xian2", "县委书记"),
            ("xian3", "县长"),
            ("xian4", "县统计局局长"),
        )
        for username, post in posts:
            membership_grant(
                user=account(
                    username,
                    str(Role.COUNTY_OFFICE.label),
                    f"{county.name}：全县数据、退出程序、东西部协作台账；3342 县级签字（{post}）",
                ),
                role=Role.COUNTY_OFFICE,
                region=county,
            )

    def added_by(
        office: AbstractBaseUser,
        username: str,
        name: str,
        role: str,
        where: Region,
        what: str,
        post: str = "",
    ) -> None:
        """A login the county office adds on its people pages (人员管理), as an office would;
        the demo then swaps the one-time password for the shared demo password."""
        user = users.filter(username=username).first()
        if user is None:
            user, _one_time = person_create(
                actor=office, name=name, username=username, role=role, region=where, post=post
            )
            user.password = demo_hash()
            user.save(update_fields=["password"])
            password_changed_by_self(user)  # the demo's shared password stands for their own
        made.append(
            DemoAccount(username, str(Role(role).label), f"{what}（由县扶贫办在人员管理中添加）")
        )

    county_office = users.filter(username="xian").first()
    if township is not None:
        posts = (
            ("xiang", "乡镇扶贫工作站站长；可看完整身份证号，每次留痕"),
            ("xiang2", "乡镇党委书记"),
            ("xiang3", "乡镇长"),
        )
        for username, post in posts:
            what = f"{township.name}：本乡数据；提出贫困村退出；3342 乡级签字（{post}）"
            if county_office is not None:
                title = post.split("；")[0]
                added_by(
                    county_office,
                    username,
                    f"{township.name}{title}",
                    Role.TOWNSHIP_OFFICE,
                    township,
                    what,
                    post=title,
                )
                continue
            membership_grant(
                user=account(username, str(Role.TOWNSHIP_OFFICE.label), what),
                role=Role.TOWNSHIP_OFFICE,
                region=township,
            )
    for username, post in (("cun", "村党支部书记和村委会主任"), ("cun2", "驻村帮扶工作队队长")):
        membership_grant(
            user=account(
                username,
                str(Role.VILLAGE_OFFICE.label),
                f"{village.name}：本村数据；提出贫困户退出、核实、公示；3342 村级签字（{post}）",
            ),
            role=Role.VILLAGE_OFFICE,
            region=village,
        )
    cadre = (
        users.filter(
            memberships__role=Role.HELPING_CADRE, username__startswith=f"cadre-{village.code[:6]}"
        )
        .order_by("username")
        .first()
    )
    if cadre is not None:
        existing(cadre, str(Role.HELPING_CADRE.label), "自己结对的帮扶户：户户3本账、走访记录")
    if county_office is not None:
        added_by(
            county_office,
            "bangfu",
            f"{village.name}新任帮扶责任人",
            Role.HELPING_CADRE,
            village,
            f"{village.name}：新添加的帮扶责任人，尚未结对，看不到任何农户",
            post="帮扶责任人",
        )
    if county is not None:
        from fupin.cooperation.models import Pairing

        pairing = Pairing.objects.filter(west=county).select_related("east").first()
        if pairing is not None:
            membership_grant(
                user=account(
                    "dongbu",
                    "东西部协作帮扶方（东部县区扶贫部门）",
                    f"{pairing.east.name}：结对{county.name}的协议、台账确认、自评",
                ),
                role=Role.COUNTY_OFFICE,
                region=pairing.east,
            )
    _posts({"village": village, "township": township, "county": county, "city": city})
    demo_exit_work(village=village, county=county)
    campaign = Campaign.objects.order_by("-id").first()
    if campaign is None:
        return made
    group = account(
        "pinggu", str(Role.WORKING_GROUP.label), f"{campaign.name}：任务推进、终核、结果审定与反馈"
    )
    working_group_add(campaign=campaign, user=group)
    membership_grant(
        user=account(
            "lingdao",
            str(Role.LEADING_GROUP.label),
            f"{campaign.name}：审定评估工作组报送的各县综合研判（审定通过或退回）",
        ),
        role=Role.LEADING_GROUP,
        campaign=campaign,
    )
    _evaluators(campaign, existing)
    return made


def _evaluators(
    campaign: Campaign, existing: Callable[[AbstractBaseUser, str, str], AbstractBaseUser]
) -> None:
    """The campaign's own people, one per remaining role: institution admin, enumerator, lead
    expert, department, expert group, county officer."""
    users = get_user_model().objects
    here = (
        InstitutionCounty.objects.filter(assignment__campaign=campaign)
        .select_related("institution", "county")
        .order_by("id")
        .first()
    )
    if here is not None:
        admin = users.filter(username="jigou").first() or users.create_user("jigou", password=None)
        existing(
            admin,
            str(Role.INSTITUTION_ADMIN.label),
            f"{here.institution.name}：本机构的调查员、分派和调查进度",
        )
        membership_grant(user=admin, role=Role.INSTITUTION_ADMIN, institution=here.institution)
    # Two enumerators of two different teams (the experienced member of each).
    seen: set[int] = set()
    for row in (
        TeamHousehold.objects.filter(assignment__campaign=campaign)
        .select_related("team__experienced_member__user")
        .order_by("id")
    ):
        enumerator = row.team.experienced_member
        if row.team_id in seen or enumerator.user is None:
            continue
        seen.add(row.team_id)
        existing(
            enumerator.user,
            str(Role.ENUMERATOR.label),
            f"{enumerator.name}（调查小组 {row.team.code}）：入户调查页（/field/）、本组样本户、提出疑点",
        )
        if Enumerator.objects.filter(user=enumerator.user).exists():
            membership_grant(user=enumerator.user, role=Role.ENUMERATOR)
        if len(seen) == 2:
            break
    # A lead expert: an expert the working group made the lead of a county of this campaign.
    lead = (
        ExpertCounty.objects.filter(
            assignment__campaign=campaign, expert__user__memberships__role=Role.LEAD_EXPERT
        )
        .select_related("expert__user")
        .order_by("id")
        .first()
    )
    if lead is not None and lead.expert.user is not None:
        existing(
            lead.expert.user,
            str(Role.LEAD_EXPERT.label),
            f"{lead.expert.name}：评估专家；复核本县疑点问题",
        )
        membership_grant(user=lead.expert.user, role=Role.EXPERT)
    for duty, what in (
        (Role.DEPARTMENT, "部门核：对有争议的问题作部门认定"),
        (Role.EXPERT_GROUP, "专家组核：对问题作专家组判断"),
        (Role.COUNTY_OFFICER, "地方说明：对本县问题作说明、提交整改"),
    ):
        user = (
            users.filter(memberships__role=duty, username__startswith=f"sim{campaign.pk}-")
            .order_by("username")
            .first()
        )
        if user is None:
            continue
        existing(user, str(duty.label), what)
        if duty == Role.EXPERT_GROUP and Expert.objects.filter(user=user).exists():
            membership_grant(user=user, role=Role.EXPERT)


# The 3342 posts: (level, kind, holder, the office above that assigns it). Only the holder of a
# post signs in its capacity; the village's party secretary is also its committee head (一肩挑).
DEMO_POSTS = (
    ("city", PostKind.CITY_SECRETARY, "shi", "sheng"),
    ("city", PostKind.CITY_HEAD, "shi2", "sheng"),
    ("county", PostKind.COUNTY_OFFICE_HEAD, "xian", "shi"),
    ("county", PostKind.COUNTY_SECRETARY, "xian2", "shi"),
    ("county", PostKind.COUNTY_HEAD, "xian3", "shi"),
    ("county", PostKind.COUNTY_STATISTICS_HEAD, "xian4", "shi"),
    ("township", PostKind.TOWNSHIP_STATION_HEAD, "xiang", "xian"),
    ("township", PostKind.TOWNSHIP_SECRETARY, "xiang2", "xian"),
    ("township", PostKind.TOWNSHIP_HEAD, "xiang3", "xian"),
    ("village", PostKind.VILLAGE_SECRETARY, "cun", "xian"),
    ("village", PostKind.VILLAGE_HEAD, "cun", "xian"),
    ("village", PostKind.WORK_TEAM_LEADER, "cun2", "xian"),
)
DEMO_TERM_START = dt.date(2016, 1, 1)


def _posts(regions: dict[str, Region | None]) -> None:
    """The offices above assign the demo's post holders through the posts service, as on the
    people pages (职务); a post already held is kept."""
    names = {u for _lv, _k, holder, office in DEMO_POSTS for u in (holder, office)}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    for level, kind, holder, office in DEMO_POSTS:
        region = regions.get(level)
        if region is None or region.level != level or holder not in users or office not in users:
            continue
        if Post.objects.filter(region=region, kind=kind).exists():
            continue
        post_assign(
            actor=users[office],
            region=region,
            kind=kind,
            holder=users[holder],
            start_date=DEMO_TERM_START,
        )
