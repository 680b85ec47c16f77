"""Field checks: villages, projects and households drawn with a recorded seed (reproducible), the
check form, and a "not arrived" finding raised as a problem at the first verification step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import Campaign, Problem, ProblemStep
from fupin.assessments.models.base import AppendOnlyError
from fupin.assessments.services.campaigns import campaign_create
from fupin.assessments.workflows import ProblemKind, ProblemStatus, Step
from fupin.cooperation.fieldchecks import (
    FieldCheckConflict,
    FieldCheckDenied,
    FieldCheckDraw,
    FieldCheckForm,
    FieldCheckItem,
    ItemLevel,
    fieldcheck_draw,
    fieldcheck_record,
    fieldcheck_replay,
)
from fupin.cooperation.services import ledger_entry_add
from fupin.regions.models import Level, Region
from fupin.registry.models import Household


@pytest.fixture
def county(coop):
    """秦安县 with four poor villages of eight poor households each, and four ledger projects."""
    qinan = coop.district.west
    town = Region.objects.create(
        code="620522100000", name="兴国镇", level=Level.TOWNSHIP, parent=qinan
    )
    for v in range(1, 6):
        village = Region.objects.create(
            code=f"620522100{v:03d}",
            name=f"第{v}村",
            level=Level.VILLAGE,
            parent=town,
            is_poor_village=v != 5,
        )
        for h in range(1, 9):
            Household.objects.create(
                household_no=f"6205221{v:03d}{h:04d}",
                village=village,
                size=3,
                status="poor" if h % 2 else "exited",
            )
    for n, title in enumerate(["苹果冷库", "扶贫车间", "光伏电站", "苹果冷库", "劳务培训"]):
        ledger_entry_add(
            pairing=coop.district,
            year=2019,
            date=dt.date(2019, 4, 1 + n),
            indicator="E07",
            amount="100",
            user=coop.east_user,
            county=qinan,
            title=title,
        )
    return qinan


@pytest.fixture
def campaign(db):
    c = campaign_create(
        kind="cross_assessment", year=2019, name="2019 年省际交叉考核", scope=["620000000000"]
    )
    Campaign.objects.filter(pk=c.pk).update(status="fieldwork")
    c.refresh_from_db()
    return c


@pytest.fixture
def working_group(db):
    user = get_user_model().objects.create_user("wg", password="x")
    membership_grant(user=user, role=Role.WORKING_GROUP)
    return user


def test_the_draw_is_recorded_and_reproducible_from_its_seed(county, campaign, working_group):
    draw = fieldcheck_draw(
        campaign=campaign,
        county=county,
        year=2019,
        seed=20191,
        villages=3,
        projects=2,
        per_project=5,
        user=working_group,
    )
    items = list(draw.items.order_by("order"))
    villages = [i for i in items if i.level == ItemLevel.VILLAGE]
    projects = [i for i in items if i.level == ItemLevel.PROJECT]
    households = [i for i in items if i.level == ItemLevel.HOUSEHOLD]
    assert len(villages) == 3 and len(projects) == 2 and len(households) == 10
    # Only poor villages; projects are distinct ledger titles of the county.
    assert all(Region.objects.get(code=v.unit_key).is_poor_village for v in villages)
    assert len({p.label for p in projects}) == 2
    assert draw.frame_sizes == {"village": 4, "project": 4, "household": 24}
    codes = {v.unit_key for v in villages}
    for h in households:
        assert Household.objects.get(household_no=h.unit_key).village.code in codes
        assert h.parent_key in {p.unit_key for p in projects}
    assert fieldcheck_replay(draw)
    # The same seed on the same frames gives the same units; another seed, other units.
    again = fieldcheck_draw(
        campaign=campaign,
        county=county,
        year=2019,
        seed=20191,
        villages=3,
        projects=2,
        per_project=5,
        user=working_group,
        supersedes=draw,
        reason="测试重抽",
    )
    key = lambda d: list(d.items.order_by("order").values_list("level", "unit_key", "parent_key"))  # noqa: E731
    assert key(again) == key(draw) and not draw.is_current
    # Recorded, never edited.
    with pytest.raises(AppendOnlyError):
        draw.save()
    with pytest.raises(AppendOnlyError):
        FieldCheckItem.objects.filter(draw=draw).update(unit_key="x")


def test_a_changed_frame_no_longer_replays(county, campaign, working_group, coop):
    draw = fieldcheck_draw(
        campaign=campaign,
        county=county,
        year=2019,
        seed=7,
        villages=2,
        projects=2,
        user=working_group,
    )
    ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=dt.date(2019, 9, 1),
        indicator="E07",
        amount="1",
        user=coop.east_user,
        county=county,
        title="新项目",
    )
    assert not fieldcheck_replay(draw)


def test_only_the_working_group_draws_and_only_once(county, campaign, working_group, coop):
    with pytest.raises(FieldCheckDenied):
        fieldcheck_draw(campaign=campaign, county=county, year=2019, user=coop.west_user)
    fieldcheck_draw(campaign=campaign, county=county, year=2019, user=working_group)
    with pytest.raises(FieldCheckConflict):
        fieldcheck_draw(campaign=campaign, county=county, year=2019, user=working_group)
    assert FieldCheckDraw.objects.count() == 1


def test_arrived_check_form_raises_nothing(county, campaign, working_group):
    draw = fieldcheck_draw(campaign=campaign, county=county, year=2019, seed=3, user=working_group)
    item = draw.items.filter(level=ItemLevel.HOUSEHOLD).first()
    form = fieldcheck_record(
        item=item,
        money_arrived=True,
        benefit_arrived=True,
        amount_due="500",
        amount_received="500",
        user=working_group,
    )
    assert form.problem is None and form.arrived
    with pytest.raises(FieldCheckConflict):
        fieldcheck_record(item=item, money_arrived=True, benefit_arrived=True, user=working_group)
    assert not Problem.objects.exists()


def test_a_not_arrived_finding_becomes_a_problem_at_the_first_verification_step(
    county, campaign, working_group
):
    draw = fieldcheck_draw(campaign=campaign, county=county, year=2019, seed=3, user=working_group)
    item = draw.items.filter(level=ItemLevel.HOUSEHOLD).first()
    form = fieldcheck_record(
        item=item,
        money_arrived=False,
        benefit_arrived=True,
        amount_due="500",
        amount_received="0",
        remarks="户主称未收到分红",
        user=working_group,
    )
    problem = form.problem
    assert problem is not None
    assert (problem.kind, problem.status) == (
        ProblemKind.POLICY_NOT_DELIVERED,
        ProblemStatus.PENDING_INITIAL,
    )
    assert problem.household.household_no == item.unit_key and problem.county == county
    assert "资金未到户" in problem.description and "户主称未收到分红" in problem.description
    step = ProblemStep.objects.get(problem=problem)
    assert step.step == Step.RAISE and step.to_status == ProblemStatus.PENDING_INITIAL


def test_a_checker_without_an_assessment_role_changes_nothing(
    county, campaign, working_group, coop
):
    draw = fieldcheck_draw(campaign=campaign, county=county, year=2019, seed=3, user=working_group)
    item = draw.items.filter(level=ItemLevel.HOUSEHOLD).first()
    with pytest.raises(FieldCheckDenied):
        fieldcheck_record(
            item=item, money_arrived=False, benefit_arrived=False, user=coop.west_user
        )
    assert not FieldCheckForm.objects.exists() and not Problem.objects.exists()


def test_field_check_pages(client, county, campaign, working_group, coop):
    client.force_login(working_group)
    r = client.post(
        "/cooperation/fieldchecks/",
        {
            "campaign": campaign.pk,
            "county": county.code,
            "year": 2019,
            "villages": 2,
            "projects": 2,
            "per_project": 5,
            "seed": 11,
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    draw = FieldCheckDraw.objects.get()
    assert draw.seed == "11"
    page = client.get(f"/cooperation/fieldchecks/{draw.pk}/").content.decode()
    assert "按记录的种子重抽结果一致" in page
    item = draw.items.filter(level=ItemLevel.HOUSEHOLD).first()
    r = client.post(
        f"/cooperation/fieldchecks/items/{item.pk}/",
        {"money_arrived": "1", "benefit_arrived": "0", "remarks": "未见到设施"},
    )
    assert r.status_code == 302
    assert FieldCheckForm.objects.get().problem.status == ProblemStatus.PENDING_INITIAL
    # The county office sees the draw of its county; it may not fill in a form.
    client.force_login(coop.west_user)
    assert client.get(f"/cooperation/fieldchecks/{draw.pk}/").status_code == 200
    other = draw.items.filter(level=ItemLevel.HOUSEHOLD)[1]
    r = client.post(
        f"/cooperation/fieldchecks/items/{other.pk}/",
        {"money_arrived": "0", "benefit_arrived": "0"},
    )
    assert r.status_code == 403
    assert FieldCheckForm.objects.count() == 1
    r = client.post("/cooperation/fieldchecks/", {"campaign": campaign.pk})
    assert r.status_code == 403


def test_the_field_check_api_lists_draws_and_records_a_form_once(
    county, campaign, working_group, coop
):
    from rest_framework.test import APIClient

    draw = fieldcheck_draw(campaign=campaign, county=county, year=2019, seed=3, user=working_group)
    item = draw.items.filter(level=ItemLevel.HOUSEHOLD).first()
    api = APIClient()
    assert api.get("/api/cooperation/fieldcheck-draws/").status_code == 401
    api.force_authenticate(working_group)
    listed = api.get("/api/cooperation/fieldcheck-draws/").json()
    assert [d["id"] for d in listed["results"]] == [draw.pk]
    url = f"/api/cooperation/fieldcheck-draws/{draw.pk}/record/"
    body = {
        "item": item.pk,
        "money_arrived": False,
        "benefit_arrived": True,
        "amount_due": "500",
        "amount_received": "0",
    }
    r = api.post(url, body, format="json")
    assert r.status_code == 201 and r.json()["problem"] is not None
    assert api.post(url, body, format="json").status_code == 409
    assert api.post(url, {**body, "item": 10**9}, format="json").status_code == 404
    # The county's own office sees the draw but may not fill in a form: refused, nothing written.
    other = draw.items.filter(level=ItemLevel.HOUSEHOLD).exclude(pk=item.pk).first()
    api.force_authenticate(coop.west_user)
    assert api.post(url, {**body, "item": other.pk}, format="json").status_code == 403
    assert Problem.objects.count() == 1 and FieldCheckForm.objects.count() == 1
