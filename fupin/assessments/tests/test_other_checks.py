"""The procedure check and the 座谈访谈 of 五抽五查五看 (①⑤): recorded for a county of the campaign by
its working group and the county's lead expert, pre-filled from fupin's own exit records, shown on
the 综合研判 page; refused to anyone else, by service, page and API."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import AppendOnlyError, Interview, ProcedureItem, StandardCheckItem
from fupin.assessments.models.checks import CheckItem
from fupin.assessments.services import AssessmentError
from fupin.assessments.services.other_checks import (
    ItemInput,
    interview_record,
    procedure_check_record,
    procedure_checklist,
)
from fupin.assessments.tests.conftest import World, make_user
from fupin.assessments.tests.pages_world import body, scoped
from fupin.exits.models import ExitCase, ExitStep

pytestmark = pytest.mark.django_db


def county_exit(world: World) -> ExitCase:
    """岷县's own exit case in fupin: applied, city-reviewed, then the notice (no province step)."""
    case = ExitCase.objects.create(
        kind="county", region=world.county, year=2019, status="in_notice"
    )
    for to, day, extra in (
        ("proposed", 1, {}),
        ("city_reviewed", 10, {}),
        (
            "in_notice",
            20,
            {"notice_start": dt.date(2019, 4, 20), "notice_end": dt.date(2019, 4, 27)},
        ),
    ):
        ExitStep.objects.create(
            case=case,
            action=to,
            from_status="",
            to_status=to,
            actor="岷县扶贫办",
            date=dt.date(2019, 4, day),
            **extra,
        )
    return case


def interview(world: World, user, **kw):
    data = {
        "date": dt.date(2020, 5, 6),
        "place": "岷县扶贫办会议室",
        "participants": "县扶贫办主任王某；梅川镇党委书记李某；东街村支书张某",
        "notes": "介绍省级专项评估检查的组织开展情况",
        "issues": "信访反映的低保问题已查实整改",
    }
    data.update(kw)
    return interview_record(campaign=world.campaign, county=world.county, user=user, **data)


def test_checklist_is_prefilled_from_the_exit_records_and_recorded_in_versions(world: World):
    scoped(world)
    county_exit(world)
    lines = {line.document: line for line in procedure_checklist(world.campaign, world.county)}
    assert list(lines) == [
        "application",
        "city_review",
        "province_verification",
        "notice",
        "announcement",
    ]
    assert lines["city_review"].suggested == "present"
    assert "2019-04-10" in lines["city_review"].exit_record
    assert "公示期 2019-04-20 至 2019-04-27" in lines["notice"].exit_record
    assert lines["province_verification"].exit_record == ""
    assert lines["province_verification"].suggested == ""

    with pytest.raises(AssessmentError, match="“省级核查”：缺失或不规范时须填写证据说明"):
        procedure_check_record(
            campaign=world.campaign,
            county=world.county,
            user=world.working_group,
            items=[ItemInput("province_verification", "missing")],
        )
    assert not ProcedureItem.objects.exists()  # nothing written by a refused call

    first = procedure_check_record(
        campaign=world.campaign,
        county=world.county,
        user=world.working_group,
        items=[
            ItemInput("city_review", "present", "初审意见原件在案"),
            ItemInput(
                "province_verification",
                "missing",
                "省级核查报告未见",
                content=b"%PDF scan",
                filename="核查.pdf",
            ),
        ],
    )
    assert first[0].exit_record.startswith("市级初审通过：2019-04-10")
    assert first[1].file.name and first[1].original_name == "核查.pdf"
    with pytest.raises(AppendOnlyError):
        first[1].save()
    # A correction is a new record; the old one stays.
    procedure_check_record(
        campaign=world.campaign,
        county=world.county,
        user=world.lead_expert,
        items=[ItemInput("province_verification", "irregular", "报告无签章")],
    )
    lines = {line.document: line for line in procedure_checklist(world.campaign, world.county)}
    assert lines["province_verification"].current.finding == "irregular"
    assert ProcedureItem.objects.filter(document="province_verification").count() == 2
    assert AuditEntry.objects.filter(note="退出程序检查：岷县").count() == 2


def test_who_may_record_the_checks(world: World):
    scoped(world)
    interview(world, world.lead_expert)
    interview(world, world.working_group, issues="")
    assert Interview.objects.count() == 2
    assert AuditEntry.objects.filter(note="座谈访谈：岷县").count() == 2
    for user in (world.department, world.county_officer, world.enumerator_user):
        with pytest.raises(AssessmentError, match="评估工作组或该县的带队专家"):
            interview(world, user)
    # A lead expert not assigned to this county may not.
    stranger = make_user("other_lead", Role.LEAD_EXPERT)
    with pytest.raises(AssessmentError):
        interview(world, stranger)
    with pytest.raises(AssessmentError, match="请填写“地点”、“参加人员”"):
        interview(world, world.working_group, place=" ", participants="")
    with pytest.raises(AssessmentError, match="须为本任务评估的县"):
        interview_record(
            campaign=world.campaign,
            county=world.neighbour.parent.children.exclude(pk=world.county.pk)
            .exclude(pk=world.neighbour.pk)
            .first(),
            user=world.working_group,
            date=dt.date(2020, 5, 6),
            place="x",
            participants="x",
            notes="x",
        )


def test_pages_record_the_checks_and_the_judgement_page_shows_them(world: World):
    scoped(world)
    county_exit(world)
    url = f"/assessments/{world.campaign.pk}/other-checks/{world.county.code}/"
    c = Client()
    c.force_login(world.working_group)
    page = body(c.get(url))
    assert "市级初审通过：2019-04-10" in page and "无记录" in page

    bad = c.post(url + "procedure/", {"notice-finding": "irregular", "notice-note": ""})
    assert bad.status_code == 400
    assert "“社会公示”：缺失或不规范时须填写证据说明" in body(bad)
    assert 'value="irregular" checked' in body(bad)  # what was typed is kept

    ok = c.post(
        url + "procedure/",
        {
            "application-finding": "present",
            "notice-finding": "irregular",
            "notice-note": "公示期不足7天",
        },
    )
    assert ok.status_code == 302
    assert ProcedureItem.objects.count() == 2

    bad = c.post(url + "interviews/", {"date": "2020-13-01", "place": "县会议室"})
    assert bad.status_code == 400
    assert "“日期”格式不正确" in body(bad) and "请填写“参加人员”" in body(bad)
    assert 'value="县会议室"' in body(bad)
    ok = c.post(
        url + "interviews/",
        {
            "date": "2020-05-06",
            "place": "县会议室",
            "participants": "梅川镇党委书记李某",
            "notes": "座谈省级评估组织情况",
            "issues": "部分农户不知道帮扶责任人",
        },
    )
    assert ok.status_code == 302

    judged = body(c.get(f"/assessments/{world.campaign.pk}/judgements/{world.county.code}/"))
    assert "社会公示：<strong>不规范</strong>（公示期不足7天）" in judged
    assert "县会议室" in judged and "部分农户不知道帮扶责任人" in judged
    assert "尚无记录" not in judged

    # The leading group reads, but the page offers it no form and refuses its post.
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=world.campaign)
    c.force_login(leader)
    page = body(c.get(url))
    assert "不规范" in page and 'id="interview-form"' not in page
    refused = c.post(url + "interviews/", {"date": "2020-05-06"})
    assert refused.status_code == 403
    # A department user may not even read.
    c.force_login(world.department)
    assert c.get(url).status_code == 403


def test_api_records_and_refuses(world: World):
    scoped(world)
    county_exit(world)
    base = f"/api/campaigns/{world.campaign.pk}/other-checks/{world.county.code[:6]}/"
    api = APIClient()
    api.force_authenticate(world.lead_expert)
    got = api.get(base + "procedure/")
    assert got.status_code == 200
    assert [r["suggested"] for r in got.json()] == ["present", "present", "", "present", ""]
    posted = api.post(
        base + "procedure/",
        {"items": [{"document": "announcement", "finding": "missing", "note": "未见公告"}]},
        format="json",
    )
    assert posted.status_code == 201
    assert posted.json()[4]["finding_label"] == "缺失"
    bad = api.post(
        base + "procedure/", {"items": [{"document": "notice", "finding": "ok"}]}, format="json"
    )
    assert bad.status_code == 400
    made = api.post(
        base + "interviews/",
        {
            "date": "2020-05-06",
            "place": "东街村村委会",
            "participants": "村支书张某",
            "notes": "访谈",
        },
        format="json",
    )
    assert made.status_code == 201 and made.json()["recorded_by"] == "lead_expert"

    api.force_authenticate(world.department)
    assert api.get(base + "interviews/").status_code == 403
    refused = api.post(
        base + "interviews/",
        {"date": "2020-05-06", "place": "x", "participants": "x", "notes": "x"},
        format="json",
    )
    assert refused.status_code == 403
    assert Interview.objects.count() == 1


def test_api_answers_each_refusal_with_its_status_and_its_chinese_reason(world: World):
    """The one shape of a recording POST (api.common.recorded): 403 for who may read but not
    record, 400 naming the field for a bad body, 400 with the service's own message when it
    refuses; nothing written by any of them."""
    scoped(world)
    leader = make_user("leader")
    membership_grant(user=leader, role=Role.LEADING_GROUP, campaign=world.campaign)
    url = f"/api/campaigns/{world.campaign.pk}/other-checks/{world.county.code[:6]}/procedure/"
    api = APIClient()
    api.force_authenticate(leader)
    assert api.get(url).status_code == 200  # the leading group reads
    forbidden = api.post(
        url, {"items": [{"document": "notice", "finding": "present"}]}, format="json"
    )
    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": "只有本任务的评估工作组或该县的带队专家可以记录"}

    api.force_authenticate(world.lead_expert)
    bad = api.post(url, {"items": [{"document": "notice", "finding": "ok"}]}, format="json")
    assert bad.status_code == 400
    assert "present、missing 或 irregular" in str(bad.json())
    refused = api.post(
        url, {"items": [{"document": "province_verification", "finding": "missing"}]}, format="json"
    )
    assert refused.status_code == 400
    assert "“省级核查”：缺失或不规范时须填写证据说明" in refused.json()["detail"]
    assert not ProcedureItem.objects.exists()


def test_the_two_check_items_share_one_base_without_a_schema_change():
    shared = {"county", "file", "original_name", "sha256", "user", "actor", "at"}
    assert {f.name for f in CheckItem._meta.fields} == shared
    for model, related, note in (
        (ProcedureItem, "procedure_items", "证据说明"),
        (StandardCheckItem, "standard_items", "说明"),
    ):
        assert issubclass(model, CheckItem)
        assert shared < {f.name for f in model._meta.fields}
        # each keeps its own reverse name and label, as the migrations have them
        assert model._meta.get_field("campaign").remote_field.related_name == related
        assert model._meta.get_field("note").verbose_name == note
        assert model._meta.get_field("user").verbose_name == "检查人"
    assert ProcedureItem(file="ab/abcd.pdf", original_name="核查.pdf").file_name == "核查.pdf"
    assert StandardCheckItem(file="ab/abcd.pdf").file_name == "附件"
    assert StandardCheckItem(original_name="核查.pdf").file_name == ""
    out = io.StringIO()
    call_command("makemigrations", "assessments", check=True, dry_run=True, stdout=out)
    assert "No changes detected" in out.getvalue()
