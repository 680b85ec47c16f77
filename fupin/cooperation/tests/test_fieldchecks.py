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
from fupin.assessments.services.draws import draw_record
from fupin.assessments.workflows import ProblemKind, ProblemStatus, Step
from fupin.assistance.models import Project, ProjectBeneficiary
from fupin.cooperation.fieldchecks import (
    FieldCheckConflict,
    FieldCheckDenied,
    FieldCheckDraw,
    FieldCheckError,
    FieldCheckForm,
    FieldCheckItem,
    ItemLevel,
    fieldcheck_draw,
    fieldcheck_project_link,
    fieldcheck_record,
    fieldcheck_replay,
)
from fupin.cooperation.models import LedgerEntry
from fupin.cooperation.services import ledger_entry_add
from fupin.regions.models import Level, Region
from fupin.registry.models import Household

# The help projects the ledger projects fund: title → (villages, households per village) of its
# beneficiaries; 劳务培训 funds no known project (its beneficiaries are unknown).
HELPED = {
    "苹果冷库": ((1, 2), (1, 2, 3, 4)),
    "扶贫车间": ((3,), (1, 2, 3, 4, 5, 6)),
    "光伏电站": ((4,), (1, 2, 3)),
}


@pytest.fixture
def county(coop):
    """秦安县 with four poor villages of eight poor households each, and four ledger projects, three
    of them funding a help project with beneficiaries (8, 6 and 3 households); 秦安县 is the 2019
    provincial performance assessment's sampled county."""
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
    for title, (villages, households) in HELPED.items():
        project = Project.objects.create(
            name=f"{title}项目", region=qinan, kind="industry", year=2019
        )
        for v in villages:
            for h in households:
                ProjectBeneficiary.objects.create(
                    project=project,
                    household=Household.objects.get(household_no=f"6205221{v:03d}{h:04d}"),
                )
        entry = LedgerEntry.objects.filter(title=title).first()
        fieldcheck_project_link(entry=entry, project=project, user=coop.west_user)
    provincial = campaign_create(
        kind="provincial_performance", year=2019, name="2019 年省级考核", scope=["620000000000"]
    )
    Campaign.objects.filter(pk=provincial.pk).update(status="sampling")
    draw_record(
        campaign=provincial,
        level="county",
        seed=1,
        method="srs",
        frame_keys=[qinan.code, "620521000000"],
        items=[{"unit_key": qinan.code, "inclusion_probability": 0.5}],
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
    assert len(villages) == 3 and len(projects) == 2
    # Only poor villages; projects are distinct ledger titles of the county.
    assert all(Region.objects.get(code=v.unit_key).is_poor_village for v in villages)
    assert len({p.label for p in projects}) == 2
    assert (draw.frame_sizes["village"], draw.frame_sizes["project"]) == (4, 4)
    # About 5 households from each drawn project's own beneficiaries (all of them if fewer).
    for p in projects:
        beneficiaries = set(
            ProjectBeneficiary.objects.filter(project__name=f"{p.label}项目").values_list(
                "household__household_no", flat=True
            )
        )
        drawn = {h.unit_key for h in households if h.parent_key == p.unit_key}
        assert drawn <= beneficiaries
        assert len(drawn) == min(5, len(beneficiaries))
        assert draw.frame_sizes["beneficiaries"][p.unit_key] == len(beneficiaries)
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


# --- issue #17: households from each project's beneficiaries; the county rule ---------------------


def _keys(draw):
    return {i.label: i.unit_key for i in draw.items.filter(level=ItemLevel.PROJECT)}


def test_a_project_with_few_beneficiaries_gives_all_and_one_without_known_beneficiaries_none(
    client, county, campaign, working_group, coop
):
    # Leave 光伏电站 (3 poor beneficiaries) and 劳务培训 (no help project named) on the list.
    LedgerEntry.objects.filter(title__in=["苹果冷库", "扶贫车间"]).update(status="withdrawn")
    draw = fieldcheck_draw(
        campaign=campaign, county=county, year=2019, seed=5, projects=2, user=working_group
    )
    keys = _keys(draw)
    assert set(keys) == {"光伏电站", "劳务培训"}
    drawn = draw.items.filter(level=ItemLevel.HOUSEHOLD)
    assert {h.parent_key for h in drawn} == {keys["光伏电站"]}
    assert sorted(h.unit_key for h in drawn) == [f"62052210040{h:03d}" for h in (1, 2, 3)]
    assert {h.inclusion_probability for h in drawn} == {1.0}
    assert draw.frame_sizes["beneficiaries"] == {keys["光伏电站"]: 3, keys["劳务培训"]: 0}
    assert fieldcheck_replay(draw)
    client.force_login(working_group)
    page = client.get(f"/cooperation/fieldchecks/{draw.pk}/").content.decode()
    assert "该项目的受益户未知" in page and "受益贫困户 3 户，抽取 3 户" in page
    # A changed link is a changed frame: the recorded draw no longer replays.
    entry = LedgerEntry.objects.get(pk=int(keys["光伏电站"]))
    fieldcheck_project_link(entry=entry, project=None, user=coop.west_user)
    assert not fieldcheck_replay(draw)


def test_a_county_not_sampled_by_the_provincial_assessment_needs_a_reason(
    county, working_group, coop
):
    from rest_framework.test import APIClient

    later = campaign_create(
        kind="cross_assessment", year=2020, name="2020 年省际交叉考核", scope=["620000000000"]
    )
    Campaign.objects.filter(pk=later.pk).update(status="sampling")
    later.refresh_from_db()
    with pytest.raises(
        FieldCheckError, match="不是2020年省级党委和政府扶贫开发工作成效考核的抽查县"
    ):
        fieldcheck_draw(campaign=later, county=county, year=2019, user=working_group)
    api = APIClient()
    body = {"campaign": later.pk, "county": "620522", "year": 2019, "seed": 9}
    api.force_authenticate(coop.west_user)
    assert api.post("/api/cooperation/fieldcheck-draws/", body, format="json").status_code == 403
    api.force_authenticate(working_group)
    r = api.post("/api/cooperation/fieldcheck-draws/", body, format="json")
    assert r.status_code == 400 and "county_reason" in r.json()
    assert not FieldCheckDraw.objects.exists()
    r = api.post(
        "/api/cooperation/fieldcheck-draws/",
        {**body, "county_reason": "2020 年省级考核尚未抽县"},
        format="json",
    )
    assert r.status_code == 201, r.content
    draw = FieldCheckDraw.objects.get()
    assert r.json()["county_reason"] == draw.county_reason == "2020 年省级考核尚未抽县"
    assert r.json()["id"] == draw.pk and fieldcheck_replay(draw)
    from fupin.accounts.models import AuditEntry

    audit = AuditEntry.objects.filter(model__icontains="fieldcheckdraw").latest("id")
    assert audit.after["county_reason"] == "2020 年省级考核尚未抽县"


def test_the_draw_page_offers_the_provincial_assessments_counties_first(
    client, county, campaign, working_group
):
    client.force_login(working_group)
    page = client.get("/cooperation/fieldchecks/").content.decode()
    select = page.split('name="county"')[1].split("</select>")[0]
    options = [o for o in select.split("<option")[1:] if 'value=""' not in o]
    assert "秦安县（省级考核抽查县：2019 年省级考核）" in options[0]
    r = client.post(
        "/cooperation/fieldchecks/",
        {
            "campaign": campaign.pk,
            "county": "620521000000",
            "year": 2019,
            "villages": 2,
            "projects": 2,
            "per_project": 5,
        },
    )
    assert r.status_code == 400 and "另选须填写原因" in r.content.decode()


def test_linking_a_ledger_project_to_its_help_project_page_and_api(client, county, coop):
    from rest_framework.test import APIClient

    entry = LedgerEntry.objects.get(title="劳务培训")
    project = Project.objects.create(name="劳务培训班", region=county, kind="employment", year=2019)
    ProjectBeneficiary.objects.create(
        project=project, household=Household.objects.get(household_no="62052210010001")
    )
    url = "/cooperation/fieldchecks/projects/?county=620522&year=2019"
    client.force_login(coop.west_user)
    page = client.get(url).content.decode()
    assert "未关联：受益户未知" in page and "劳务培训班" in page
    r = client.post(
        "/cooperation/fieldchecks/projects/",
        {"county": "620522", "year": "2019", "entry": entry.pk, "project": project.pk},
    )
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.project == project
    # An office of another county sees no entry of this list and links none.
    from fupin.accounts.services import membership_grant

    other = get_user_model().objects.create_user("maiji", password="x")
    membership_grant(
        user=other, role=Role.COUNTY_OFFICE, region=Region.objects.get(code="620521000000")
    )
    api = APIClient()
    api.force_authenticate(other)
    link = {"entry": entry.pk, "project": None}
    assert api.get("/api/cooperation/fieldcheck-projects/?county=620522&year=2019").json() == []
    assert api.post("/api/cooperation/fieldcheck-projects/", link, format="json").status_code == 404
    entry.refresh_from_db()
    assert entry.project == project
    api.force_authenticate(coop.east_user)
    rows = api.get("/api/cooperation/fieldcheck-projects/?county=620522&year=2019").json()
    row = next(r for r in rows if r["title"] == "劳务培训")
    assert row["project"]["name"] == "劳务培训班" and row["poor_beneficiaries"] == 1
    r = api.post("/api/cooperation/fieldcheck-projects/", link, format="json")
    assert r.status_code == 200 and r.json()["project"] is None
