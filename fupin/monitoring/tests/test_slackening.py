"""The four slackening signs of seed 004 and 四个不摘: each fires on a constructed history, stays
silent on a steady one, and says "cannot be judged" when the records are missing. 岷县 exited in
2020 (the test world's county)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import Post
from fupin.assistance.models import HouseholdPairing, WorkTeam, WorkTeamMember
from fupin.monitoring.after_exit import AfterExit, county_after_exit
from fupin.monitoring.models import ReductionTarget, Training
from fupin.monitoring.services import monitoring_report_add
from fupin.monitoring.tests.conftest import history
from fupin.regions.models import Region
from fupin.registry.models import Household
from fupin.testing.worlds import COUNTY, World

pytestmark = pytest.mark.django_db
D = dt.date


def _county() -> Region:
    return Region.objects.get(code=COUNTY)


def _after(until: int = 2021) -> tuple[AfterExit, dict[str, object]]:
    result = county_after_exit(county=_county(), until=until)
    return result, {f.code: f for f in [*result.signs, *result.keeps]}


def _households(world: World, n: int, size: int = 4) -> list[Household]:
    return [
        Household.objects.create(
            household_no=f"62112610000100{i + 20:02d}", village=world.household.village, size=size
        )
        for i in range(n)
    ]


def _reduction_history(world: World, last_exit_size: int) -> list[Household]:
    """Four people left the poor each year 2018–2020 (the earlier pace); in 2021 one household of
    `last_exit_size` people exits out of nine people left."""
    hs = _households(world, 5)
    hs[4].size = last_exit_size
    hs[4].save(update_fields=["size"])
    for h in hs:
        history(h, ("identified", 2016))
    for h, year in zip(hs[:3], (2018, 2019, 2020), strict=True):
        history(h, ("exited", year))
    history(hs[4], ("exited", 2021))
    return hs


def test_remaining_poor_falling_clearly_slower_than_before_raises_the_first_sign(
    world: World,
) -> None:
    _reduction_history(world, last_exit_size=1)
    result, f = _after()
    sign = f["slow_reduction"]
    assert sign.state == "raised"
    assert sign.numbers["baseline"] == 4.0
    assert sign.numbers["by_year"] == [
        {"year": 2021, "remaining_at_start": 5, "reduction": 1, "expected": 4.0, "slower": True}
    ]
    assert "2021 年初剩余 5 人，当年减少 1 人" in sign.explanation
    assert any("2021 年：状态变更记录 1 条" in r for r in sign.records)


def test_a_steady_pace_after_exit_keeps_the_first_sign_clear(world: World) -> None:
    _reduction_history(world, last_exit_size=4)
    _result, f = _after()
    assert f["slow_reduction"].state == "clear"
    assert f["slow_reduction"].numbers["by_year"][0]["reduction"] == 4


def test_a_missed_reduction_target_raises_the_second_sign_and_a_met_one_does_not(
    world: World,
) -> None:
    _reduction_history(world, last_exit_size=1)
    target = ReductionTarget.objects.create(county=_county(), year=2021, people=3000)
    _result, f = _after()
    sign = f["target_missed"]
    assert sign.state == "raised" and "2021 年计划 3000 人，完成 1 人" in sign.explanation
    target.people = 1
    target.save()
    _result, f = _after()
    # the target is met, but without income records the sign cannot be judged as a whole
    assert f["target_missed"].state == "no_data"
    assert "完成减贫任务" in f["target_missed"].explanation
    assert "没有脱贫户连续两年的收入记录" in f["target_missed"].explanation


def test_exited_households_incomes_falling_raise_the_second_sign(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    ReductionTarget.objects.create(county=_county(), year=2021, people=0)
    for year, income in ((2020, 9000), (2021, 7000)):
        monitoring_report_add(
            household=a,
            year=year,
            source="cadre_visit",
            income_per_capita=income,
            user=None,
            date=D(year, 12, 1),
        )
    _result, f = _after()
    sign = f["target_missed"]
    assert sign.state == "raised"
    assert sign.numbers["incomes"] == [
        {"year": 2021, "households": 1, "mean_previous": 9000.0, "mean_current": 7000.0, "fell": 1}
    ]
    assert f"收入记录：{a.household_no} 户 2021 年人均纯收入低于 2020 年" in sign.records


def test_rising_incomes_and_a_met_target_keep_the_second_sign_clear(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    ReductionTarget.objects.create(county=_county(), year=2021, people=0)
    for year, income in ((2020, 7000), (2021, 9000)):
        monitoring_report_add(
            household=a, year=year, source="cadre_visit", income_per_capita=income, user=None
        )
    _result, f = _after()
    assert f["target_missed"].state == "clear"


def _training(year: int, n: int = 1, people: int = 30) -> None:
    for i in range(n):
        Training.objects.create(
            county=_county(),
            date=D(year, 3, 1 + i),
            level="county",
            organiser="岷县扶贫办",
            topic="产业扶贫政策",
            participants=people,
        )


@pytest.mark.parametrize(
    ("sessions_2020", "sessions_2021", "state"),
    [(4, 1, "raised"), (2, 0, "raised"), (2, 2, "clear")],
    ids=["far-below-last-year", "none-held", "steady"],
)
def test_cadre_training_far_below_last_year_raises_the_third_sign(
    world: World, sessions_2020: int, sessions_2021: int, state: str
) -> None:
    _training(2020, sessions_2020)
    _training(2021, sessions_2021)
    _result, f = _after()
    sign = f["training_far_below"]
    assert sign.state == state
    if sessions_2021 == 0:
        assert "2021 年没有办过一期培训" in sign.explanation


def test_a_withdrawn_training_does_not_count(world: World) -> None:
    _training(2020, 1)
    _training(2021, 1)
    Training.objects.filter(date__year=2021).update(
        withdrawn_at=dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
    )
    _result, f = _after()
    assert f["training_far_below"].state == "raised"


def _team(end: dt.date | None) -> WorkTeam:
    return WorkTeam.objects.create(village=world_village(), start=D(2018, 3, 1), end=end)


def world_village() -> Region:
    return Region.objects.get(code="621126100001")


def test_a_work_team_withdrawn_before_the_transition_ends_raises_the_fourth_sign(
    world: World,
) -> None:
    _team(end=D(2022, 3, 1))
    _result, f = _after(until=2022)
    sign = f["work_teams_diverted"]
    assert sign.state == "raised"
    assert "于 2022-03-01 撤离，无接续工作队" in sign.records[0]
    assert f["keep_assistance"].state == "raised"


def test_a_team_handed_over_or_kept_leaves_the_fourth_sign_clear(world: World) -> None:
    _team(end=D(2022, 3, 1))
    WorkTeam.objects.create(village=world_village(), start=D(2022, 3, 1))
    _result, f = _after(until=2022)
    assert f["work_teams_diverted"].state == "clear"


def test_a_member_leaving_without_a_replacement_raises_the_fourth_sign(world: World) -> None:
    team = _team(end=None)
    WorkTeamMember.objects.create(
        team=team, name="陈一", role="first_secretary", start=D(2018, 3, 1), end=D(2021, 5, 1)
    )
    _result, f = _after()
    assert f["work_teams_diverted"].state == "raised"
    assert "陈一于 2021-05-01 离队" in f["work_teams_diverted"].records[0]


def test_without_records_every_sign_and_keep_says_it_cannot_be_judged(world: World) -> None:
    history(world.household, ("identified", 2016), ("exited", 2021))
    result, f = _after()
    assert [s.state for s in result.signs] == ["no_data"] * 4
    assert [k.state for k in result.keeps] == ["no_data"] * 4
    assert all(s.explanation for s in [*result.signs, *result.keeps])
    assert "没有摘帽前" in f["slow_reduction"].explanation
    assert "没有记录年度减贫任务" in f["target_missed"].explanation
    assert "没有岷县的任何干部培训记录" in f["training_far_below"].explanation


def test_monitoring_stopping_in_the_transition_period_lapses_supervision(world: World) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    monitoring_report_add(
        household=a, year=2021, source="cadre_visit", income_per_capita=9000, user=None
    )
    _result, f = _after(until=2021)
    assert f["keep_supervision"].state == "clear"
    _result, f = _after(until=2022)
    assert f["keep_supervision"].state == "raised"
    assert "2022 年没有任何监测记录" in f["keep_supervision"].explanation


def test_a_vacant_county_post_lapses_responsibility(world: World) -> None:
    holder = get_user_model().objects.create_user("secretary", password=None)
    post = Post.objects.create(
        region=_county(), kind="county_secretary", holder=holder, start_date=D(2018, 1, 1)
    )
    _result, f = _after()
    assert f["keep_responsibility"].state == "clear"
    post.end_date = D(2021, 6, 1)
    post.save()
    _result, f = _after()
    assert f["keep_responsibility"].state == "raised"
    assert "2021 年末县委书记空缺" in f["keep_responsibility"].explanation


def test_an_exited_households_pairing_ended_without_successor_lapses_assistance(
    world: World,
) -> None:
    a = history(world.household, ("identified", 2016), ("exited", 2019))
    HouseholdPairing.objects.filter(household=a).update(start=D(2017, 1, 1), end=D(2021, 4, 1))
    _result, f = _after()
    assert f["keep_assistance"].state == "raised"
    assert (
        f"{a.household_no} 户帮扶责任人结对于 2021-04-01 解除，无接续"
        in f["keep_assistance"].records
    )
    HouseholdPairing.objects.filter(household=a).update(end=None)
    _result, f = _after()
    assert f["keep_assistance"].state == "clear"


def test_a_county_that_is_not_a_poor_county_gets_no_signs(world: World) -> None:
    county = _county()
    county.exit_year = None
    county.save(update_fields=["exit_year"])
    result = county_after_exit(county=county, until=2021)
    assert result.signs == [] and result.keeps == [] and "不是已摘帽的贫困县" in result.note
