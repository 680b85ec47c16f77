"""A small campaign to assign: two counties of 甘肃 and one of 宁夏, drawn, with evaluators who
test every avoidance rule (三回避) — an institution of each province, one that took part in
甘肃's own assessment, experts employed in or assessed by those provinces, and some who failed
the exam."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import User

from fupin.accounts.models import Membership, Role
from fupin.assessments.models import Campaign, Enumerator, Expert, Institution
from fupin.assessments.services import campaign_create, campaign_transition, draw_record
from fupin.assessments.workflows import CampaignKind, CampaignStatus
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household

MINXIAN, ZHANGXIAN = "621126000000", "621125000000"
HOUSEHOLDS_PER_COUNTY = 6


@dataclass
class AssignWorld:
    campaign: Campaign
    counties: list[Region]
    working_group: User
    outsider: User  # a working-group member tied to another campaign
    institutions: dict[str, Institution] = field(default_factory=dict)
    experts: dict[str, Expert] = field(default_factory=dict)
    enumerators: dict[str, Enumerator] = field(default_factory=dict)


def _user(username: str, role: str, campaign: Campaign | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    Membership.objects.create(user=user, role=role, campaign=campaign)
    return user


def _county_households(county: Region, n: int) -> list[Household]:
    township = Region.objects.create(
        code=county.code[:6] + "100000", name="城关镇", level=Level.TOWNSHIP, parent=county
    )
    village = Region.objects.create(
        code=county.code[:6] + "100001",
        name="东街村",
        level=Level.VILLAGE,
        parent=township,
        is_poor_village=True,
    )
    return [
        Household.objects.create(
            household_no=f"{county.code[:6]}10000100{k:02d}", village=village, size=2
        )
        for k in range(1, n + 1)
    ]


def build_assign_world(*, feasible: bool = True, undrawn: int | None = None) -> AssignWorld:
    """The campaign in sampling, its household draws recorded, and the evaluator pool.

    With `feasible=False` only the institutions that must stand aside from 甘肃 are registered;
    the county at index `undrawn` has its villages drawn but not yet its households.
    """
    regions_load_poverty_counties(provinces={"甘肃省", "宁夏回族自治区"})
    ningxia = Region.objects.filter(level=Level.COUNTY, code__startswith="64").order_by("code")[0]
    counties = [Region.objects.get(code=MINXIAN), Region.objects.get(code=ZHANGXIAN), ningxia]
    campaign = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="两省退出专项评估检查",
        scope=counties,
        actor="test",
    )
    campaign_transition(campaign=campaign, to=CampaignStatus.SAMPLING, actor="test", user=None)
    for n, county in enumerate(counties):
        households = _county_households(county, HOUSEHOLDS_PER_COUNTY)
        village = households[0].village
        village_draw = draw_record(
            campaign=campaign,
            level="village",
            county=county,
            seed=1,
            method="pps",
            frame_keys=[village.code],
            items=[{"unit_key": village.code, "inclusion_probability": 1.0, "certainty": True}],
            actor="test",
        )
        if n == undrawn:
            continue
        draw_record(
            campaign=campaign,
            level="household",
            county=county,
            parent=village_draw,
            seed=2,
            method="srs",
            frame_keys=[h.household_no for h in households],
            items=[{"unit_key": h.household_no, "inclusion_probability": 1.0} for h in households],
            actor="test",
        )
    other = campaign_create(
        kind=CampaignKind.COUNTY_EXIT_ASSESSMENT,
        year=2020,
        name="另一项任务",
        scope=[ningxia],
        actor="test",
    )
    world = AssignWorld(
        campaign=campaign,
        counties=counties,
        working_group=_user("wg", Role.WORKING_GROUP, campaign),
        outsider=_user("wg-other", Role.WORKING_GROUP, other),
    )

    def institution(name: str, province: str, took: list[str]) -> Institution:
        inst = Institution.objects.create(name=name, province_code=province, took_part_in=took)
        world.institutions[name] = inst
        return inst

    lzu = institution("兰州大学", "62", [])  # 甘肃: own province
    nxu = institution("宁夏大学", "64", ["62"])  # 宁夏, took part in 甘肃's own assessment
    staff = [lzu, nxu]
    if feasible:
        staff.append(institution("北京师范大学", "11", ["64"]))  # took part in 宁夏's
        staff.append(institution("中山大学", "44", []))

    def expert(name: str, province: str, experienced: bool, took: list[str], passed: bool = True):
        world.experts[name] = Expert.objects.create(
            name=name,
            employer_province=province,
            experienced=experienced,
            took_part_in=took,
            exam_passed=passed,
        )

    expert("甘老师", "62", True, [])  # employed in 甘肃
    expert("宁老师", "64", True, [])  # employed in 宁夏
    expert("参评甘", "11", True, ["62"])  # took part in 甘肃's own assessment
    expert("未考过", "11", True, [], passed=False)
    if feasible:
        for k, province in enumerate(["11", "44", "42", "32"]):
            expert(f"专家{'甲乙丙丁'[k]}", province, k % 2 == 0, [])

    for inst in staff:
        for experienced in (True, False):
            for k in range(3):
                # One of each side from 甘肃 (home province) and one who assessed 宁夏.
                home = "62" if k == 0 else inst.province_code
                took = ["64"] if k == 1 else []
                name = f"{inst.name[:2]}{'老' if experienced else '新'}{k}"
                world.enumerators[name] = Enumerator.objects.create(
                    name=name,
                    employer_province=home,
                    experienced=experienced,
                    took_part_in=took,
                    exam_passed=True,
                    institution=inst,
                )
    return world
