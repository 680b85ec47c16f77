"""The draw services: counties from the campaign's scope, villages and households from the registry,
by the campaign's own sampling settings; recorded, audited, all or nothing."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from django.contrib.auth.models import User
from django.db.models import Count

from fupin.accounts.models import AuditEntry, Membership, Role
from fupin.assessments.engine.pipeline import county_rng
from fupin.assessments.engine.sampling import draw_households, draw_villages, sample_counties
from fupin.assessments.models import AppendOnlyError, Draw, DrawItem
from fupin.assessments.models.campaigns import default_sampling
from fupin.assessments.services import (
    AssessmentError,
    campaign_create,
    campaign_transition,
    counties_draw,
    county_frame,
    county_sample_draw,
    draw_current,
    sampling_settings,
    scope_parse,
)
from fupin.assessments.tests.conftest import MINXIAN, make_user
from fupin.regions.counties import read_counties
from fupin.regions.models import Level, Region
from fupin.regions.services import regions_load_poverty_counties
from fupin.registry.models import Household

pytestmark = pytest.mark.django_db

STATUSES = ("exited", "exited", "poor", "", "removed", "exited")


def county_world(code: str = MINXIAN, villages: int = 8, poor: int = 4, per_village: int = 30):
    """`villages` villages of the county (the first `poor` of them poor villages), each with
    `per_village` households cycling through the registry statuses; every 7th household at risk."""
    county = Region.objects.get(code=code)
    township = Region.objects.create(
        code=code[:6] + "100000", name="城关镇", level=Level.TOWNSHIP, parent=county
    )
    made = []
    for v in range(villages):
        village = Region.objects.create(
            code=f"{code[:6]}100{v + 1:03d}",
            name=f"第{v + 1}村",
            level=Level.VILLAGE,
            parent=township,
            is_poor_village=v < poor,
        )
        for h in range(per_village):
            status = STATUSES[h % len(STATUSES)]
            made.append(
                Household(
                    household_no=f"{village.code}{h + 1:04d}",
                    village=village,
                    registered=status in ("exited", "poor"),
                    status=status,
                    size=1 + h % 4,
                    at_risk_dibao=h % 7 == 0,
                    income_year=2019,
                )
            )
    Household.objects.bulk_create(made)
    return county


def working_group(username: str = "wg") -> User:
    return make_user(username, Role.WORKING_GROUP)


def in_sampling(campaign, user=None):
    campaign_transition(campaign=campaign, to="sampling", user=None, actor="test")
    campaign.refresh_from_db()
    return campaign


def sampling(**changes: Any) -> dict[str, Any]:
    s = default_sampling()
    per = changes.pop("per", None)
    s.update(changes)
    if per:
        s["households_per_stratum"] = {**s["households_per_stratum"], **per}
    return s


@pytest.fixture
def minxian(gansu_village):
    # gansu_village made 岷阳镇/东街村 under 岷县; this world uses its own township and villages.
    Region.objects.get(code="621126100001").delete()
    Region.objects.get(code="621126100000").delete()
    return county_world()


def county_campaign(user, **settings: Any):
    c = campaign_create(
        kind="county_exit_assessment",
        year=2020,
        name="岷县退出评估",
        scope=[MINXIAN],
        sampling=sampling(county_rate=1.0, **settings),
        user=user,
    )
    return in_sampling(c)


def test_the_frame_is_the_registry_in_registry_order(minxian):
    frame = county_frame(minxian)
    assert frame.n_villages == 8 and frame.n_households == 240
    assert frame.household_no.tolist() == list(
        Household.objects.order_by("id").values_list("household_no", flat=True)
    )
    assert int(frame.village_is_poor.sum()) == 4


def test_the_campaign_settings_decide_the_sizes_of_the_draw(minxian):
    wg = working_group()
    small = county_campaign(
        wg, villages_per_county=4, poor_village_share=0.5, per={"exited": 3, "poor": 1}
    )
    large = county_campaign(
        wg, villages_per_county=6, poor_village_share=0.5, per={"exited": 6, "poor": 2}
    )
    a = county_sample_draw(small, MINXIAN, user=wg, seed=7)
    b = county_sample_draw(large, MINXIAN, user=wg, seed=7)
    assert a.village_draw.items.count() == 4 and b.village_draw.items.count() == 6
    for sample, exited, poor in ((a, 3, 1), (b, 6, 2)):
        strata = list(sample.village_draw.items.values_list("stratum", flat=True))
        assert strata.count("poor") == strata.count("nonpoor")
        counts = dict(
            sample.household_draw.items.values_list("stratum")
            .order_by()
            .annotate(n=Count("id"))
            .values_list("stratum", "n")
        )
        villages = sample.village_draw.items.count()
        assert counts["exited"] == exited * villages
        assert counts["poor"] == poor * villages
        assert counts["at_risk"] > 0  # every at-risk household of a sampled village, in full


def test_at_risk_households_in_full_only_when_the_setting_says_so(minxian):
    wg = working_group()
    off = county_campaign(wg, at_risk_in_full=False)
    sample = county_sample_draw(off, MINXIAN, user=wg, seed=3)
    assert not sample.household_draw.items.filter(stratum="at_risk").exists()


def test_srs_and_pps_are_recorded_as_the_campaign_asks(minxian):
    wg = working_group()
    srs = county_campaign(wg, village_method="srs", villages_per_county=4)
    sample = county_sample_draw(srs, MINXIAN, user=wg, seed=3)
    assert sample.village_draw.method == "srs"
    # Equal-probability within each stratum: 2 of 4 villages.
    assert set(sample.village_draw.items.values_list("inclusion_probability", flat=True)) == {0.5}


def test_a_county_draw_replays_as_the_pure_pipeline_from_its_recorded_seed(minxian):
    wg = working_group()
    campaign = county_campaign(wg)
    sample = county_sample_draw(campaign, MINXIAN, user=wg)
    seed = int(sample.village_draw.seed)  # generated with secrets, recorded
    frame = county_frame(minxian)
    g_villages, g_households, _survey, _verify = county_rng(seed, frame.code).spawn(4)
    settings = sampling_settings(campaign)
    villages = draw_villages(frame, settings, g_villages)
    households = draw_households(frame, villages, settings, g_households)
    assert list(sample.household_draw.items.values_list("unit_key", flat=True)) == [
        str(frame.household_no[i]) for i in households.index
    ]
    assert sample.household_draw.parent_id == sample.village_draw.pk
    assert sample.village_draw.frame_matches(frame.village_code.tolist())


def test_a_redraw_needs_a_reason_and_supersedes_both_draws(minxian):
    wg = working_group()
    campaign = county_campaign(wg)
    first = county_sample_draw(campaign, MINXIAN, user=wg, seed=1)
    with pytest.raises(AssessmentError, match="重抽须填写重抽原因"):
        county_sample_draw(campaign, MINXIAN, user=wg, seed=2)
    assert Draw.objects.count() == 2
    second = county_sample_draw(campaign, MINXIAN, user=wg, seed=2, reason="第3村道路中断")
    assert second.village_draw.supersedes_id == first.village_draw.pk
    assert second.household_draw.supersedes_id == first.household_draw.pk
    assert second.village_draw.reason == "第3村道路中断"
    assert draw_current(campaign, "household", minxian).pk == second.household_draw.pk
    assert Draw.objects.count() == 4  # the old draws stay on record


def test_recorded_draws_cannot_be_edited(minxian):
    wg = working_group()
    sample = county_sample_draw(county_campaign(wg), MINXIAN, user=wg, seed=1)
    with pytest.raises(AppendOnlyError):
        Draw.objects.filter(pk=sample.household_draw.pk).update(seed="2")
    with pytest.raises(AppendOnlyError):
        DrawItem.objects.filter(draw=sample.household_draw).delete()


def test_a_draw_is_one_transaction(minxian, monkeypatch):
    wg = working_group()
    campaign = county_campaign(wg)

    def broken(*_a: Any, **_k: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr("fupin.assessments.services.draws.household_items", broken)
    with pytest.raises(RuntimeError):
        county_sample_draw(campaign, MINXIAN, user=wg, seed=1)
    assert not Draw.objects.exists()  # the village draw went with the failed household draw


def test_draws_are_audited_with_who_and_what(minxian):
    wg = working_group()
    sample = county_sample_draw(county_campaign(wg), MINXIAN, user=wg, seed=11)
    rows = AuditEntry.objects.filter(
        model="Draw",
        object_key__in=[str(sample.village_draw.pk), str(sample.household_draw.pk)],
        action=AuditEntry.Action.CREATE,
    )
    assert rows.count() == 2
    assert {r.user_id for r in rows} == {wg.pk}
    assert all(r.after["seed"] == "11" for r in rows)


def test_refusals_name_the_rule(minxian):
    wg = working_group()
    draft = campaign_create(
        kind="county_exit_assessment",
        year=2020,
        name="草拟",
        scope=[MINXIAN],
        sampling=sampling(county_rate=1.0),
        user=wg,
    )
    with pytest.raises(AssessmentError, match="“草拟”.*只能在“抽样”阶段抽取村和户"):
        county_sample_draw(draft, MINXIAN, user=wg)
    campaign = county_campaign(wg)
    with pytest.raises(AssessmentError, match="漳县不在本任务评估范围之内"):
        county_sample_draw(campaign, "621125000000", user=wg)
    outsider = make_user("enumerator", Role.ENUMERATOR)
    with pytest.raises(AssessmentError, match="只有本任务的评估工作组成员可以抽样"):
        county_sample_draw(campaign, MINXIAN, user=outsider)
    other_wg = make_user("other")
    Membership.objects.create(user=other_wg, role=Role.WORKING_GROUP, campaign=draft)
    with pytest.raises(AssessmentError, match="只有本任务的评估工作组成员"):
        county_sample_draw(campaign, MINXIAN, user=other_wg)
    with pytest.raises(AssessmentError, match="随机种子须为非负整数"):
        county_sample_draw(campaign, MINXIAN, user=wg, seed="abc")
    assert not Draw.objects.exists()


def test_an_empty_frame_is_refused(gansu_village):
    wg = working_group()
    campaign = in_sampling(
        campaign_create(
            kind="county_exit_assessment",
            year=2020,
            name="漳县",
            scope=["621125000000"],
            sampling=sampling(county_rate=1.0),
            user=wg,
        )
    )
    with pytest.raises(AssessmentError, match="抽样框为空"):
        county_sample_draw(campaign, "621125000000", user=wg)


# --- counties ---------------------------------------------------------------------------------


@pytest.fixture
def all_counties(db):
    regions_load_poverty_counties()


def spot_check(user, **settings: Any):
    provinces = Region.objects.filter(level=Level.PROVINCE).order_by("code")
    return in_sampling(
        campaign_create(
            kind="central_spot_check",
            year=2018,
            name="2019 年贫困县退出抽查",
            scope=list(provinces),
            sampling=sampling(**settings),
            user=user,
        )
    )


def test_the_2019_spot_check_draws_20_percent_of_the_283_counties_of_2018(all_counties):
    wg = working_group()
    campaign = spot_check(wg, county_rate=0.2)
    draw = counties_draw(campaign, user=wg, seed=2019)
    assert draw.frame_size == 283
    codes = list(draw.items.values_list("unit_key", flat=True))
    assert len(codes) == 60
    exits_2018 = {c.code[:2] for c in read_counties() if c.exit_year == 2018}
    assert {c[:2] for c in codes} == exits_2018  # every province with an exit covered
    assert len(exits_2018) == 22
    # The same seed gives what `fupin sample-counties --exit-year 2018 --rate 0.2 --seed 2019` gives.
    cli = sample_counties(
        read_counties(), exit_year=2018, rate=0.2, rng=np.random.default_rng(2019)
    )
    assert sorted(codes) == [r.code + "000000" for r in cli.rows]
    assert sum(a["frame"] for a in draw.parameters["allocation"]) == 283
    # Then the campaign assesses the drawn counties only: a county not drawn is refused.
    not_drawn = (
        Region.objects.filter(level=Level.COUNTY, exit_year=2018).exclude(code__in=codes).first()
    )
    with pytest.raises(AssessmentError, match="不在本任务抽中的县之内"):
        county_sample_draw(campaign, not_drawn, user=wg)


def test_the_county_rate_and_minimum_change_the_county_draw(all_counties):
    wg = working_group()
    ten = counties_draw(spot_check(wg, county_rate=0.1), user=wg, seed=1)
    two_each = counties_draw(
        spot_check(wg, county_rate=0.1, min_counties_per_province=2), user=wg, seed=1
    )
    assert ten.items.count() < two_each.items.count()
    per_province: dict[str, int] = {}
    for code in two_each.items.values_list("unit_key", flat=True):
        per_province[code[:2]] = per_province.get(code[:2], 0) + 1
    assert min(per_province.values()) >= 2 or any(
        a["frame"] < 2 for a in two_each.parameters["allocation"]
    )


def test_a_county_redraw_needs_a_reason_and_not_after_villages(all_counties):
    wg = working_group()
    campaign = spot_check(wg, county_rate=0.2)
    first = counties_draw(campaign, user=wg)
    assert int(first.seed) >= 0  # generated and recorded
    with pytest.raises(AssessmentError, match="重抽须填写重抽原因"):
        counties_draw(campaign, user=wg)
    second = counties_draw(campaign, user=wg, reason="抽样框名单有误")
    assert second.supersedes_id == first.pk and second.reason == "抽样框名单有误"


def test_a_campaign_that_takes_its_whole_scope_draws_no_counties(minxian):
    wg = working_group()
    with pytest.raises(AssessmentError, match="县抽样比例为 1"):
        counties_draw(county_campaign(wg), user=wg)


def test_counties_must_be_drawn_before_villages(all_counties):
    wg = working_group()
    campaign = spot_check(wg, county_rate=0.2)
    with pytest.raises(AssessmentError, match="须先抽县"):
        county_sample_draw(campaign, MINXIAN, user=wg)


def test_an_empty_county_frame_is_refused(all_counties):
    wg = working_group()
    campaign = in_sampling(
        campaign_create(
            kind="central_spot_check",
            year=2015,
            name="无退出年度",
            scope=["620000000000"],
            sampling=sampling(county_rate=0.2),
            user=wg,
        )
    )
    with pytest.raises(AssessmentError, match="抽样框为空：评估范围中2015年退出的县为零个"):
        counties_draw(campaign, user=wg)


# --- creating a campaign ----------------------------------------------------------------------


def test_the_creator_joins_the_working_group_of_the_new_campaign(gansu_village):
    wg = working_group()
    campaign = campaign_create(
        kind="central_spot_check", year=2018, name="抽查", scope=["62"], user=wg
    )
    assert Membership.objects.filter(user=wg, role=Role.WORKING_GROUP, campaign=campaign).exists()
    entry = AuditEntry.objects.filter(
        model="Campaign", object_key=str(campaign.pk), action="create"
    ).first()
    assert entry is not None and entry.user_id == wg.pk


def test_a_province_office_creates_campaigns_over_its_own_province_only(gansu_village):
    office = make_user("gansu")
    Membership.objects.create(
        user=office, role=Role.PROVINCE_OFFICE, region=Region.objects.get(code="620000000000")
    )
    campaign = campaign_create(
        kind="county_exit_assessment", year=2019, name="省级专项评估", scope=["62"], user=office
    )
    assert Membership.objects.filter(user=office, campaign=campaign).exists()
    regions_load_poverty_counties(provinces={"宁夏回族自治区"})
    with pytest.raises(AssessmentError, match="评估范围：.*不在本省之内"):
        campaign_create(
            kind="county_exit_assessment", year=2019, name="越界", scope=["64"], user=office
        )
    nobody = make_user("nobody", Role.ENUMERATOR)
    with pytest.raises(AssessmentError, match="只有评估工作组成员或省扶贫办可以创建评估任务"):
        campaign_create(
            kind="county_exit_assessment", year=2019, name="无权", scope=["62"], user=nobody
        )


def test_scope_is_read_from_names_and_codes(gansu_village):
    regions_load_poverty_counties(provinces={"宁夏回族自治区"})
    found = scope_parse("甘肃省、宁夏，621126 / 漳县  622921000000")
    assert [r.code for r in found] == [
        "620000000000",
        "640000000000",
        "621126000000",
        "621125000000",
        "622921000000",
    ]
    with pytest.raises(AssessmentError, match="“火星县”不是已登记的省或县.*“9999”不是"):
        scope_parse("火星县 9999")
