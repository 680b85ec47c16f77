"""Draws are recorded with seed, frame checksum and probabilities, and never edited or deleted."""

from __future__ import annotations

import pytest

from fupin.assessments.models import AppendOnlyError, Draw, DrawItem, frame_checksum
from fupin.assessments.services import (
    AssessmentError,
    DrawItemSpec,
    campaign_create,
    campaign_transition,
    draw_current,
    draw_record,
)
from fupin.assessments.tests.conftest import MINXIAN, ZHANGXIAN
from fupin.regions.models import Region

pytestmark = pytest.mark.django_db

FRAME = [MINXIAN, ZHANGXIAN, "621125100000"]


@pytest.fixture
def sampling(gansu_village):
    c = campaign_create(
        kind="central_spot_check",
        year=2018,
        name="抽查",
        scope=[Region.objects.get(code="620000000000")],
        actor="test",
    )
    campaign_transition(campaign=c, to="sampling", user=None, actor="test")
    return c


def _county_draw(campaign, **kw):
    args = dict(
        campaign=campaign,
        level="county",
        seed=2**80 + 3,
        method="srs",
        frame_keys=FRAME,
        items=[DrawItemSpec(MINXIAN, 0.4, stratum="62")],
        actor="test",
    )
    args.update(kw)
    return draw_record(**args)


def test_a_draw_keeps_seed_as_text_frame_checksum_and_items(sampling):
    draw = _county_draw(sampling)
    draw.refresh_from_db()
    assert draw.seed == str(2**80 + 3)
    assert draw.frame_size == 3 and draw.frame_checksum == frame_checksum(FRAME)
    assert draw.frame_matches(FRAME)
    assert not draw.frame_matches(list(reversed(FRAME)))
    item = draw.items.get()
    assert (item.unit_key, item.inclusion_probability, item.stratum, item.order) == (
        MINXIAN,
        0.4,
        "62",
        0,
    )


def test_a_draw_cannot_be_edited_or_deleted(sampling):
    draw = _county_draw(sampling)
    draw.seed = "1"
    with pytest.raises(AppendOnlyError):
        draw.save()
    with pytest.raises(AppendOnlyError):
        draw.delete()
    with pytest.raises(AppendOnlyError):
        Draw.objects.filter(pk=draw.pk).update(seed="1")
    with pytest.raises(AppendOnlyError):
        Draw.objects.filter(pk=draw.pk).delete()
    item = draw.items.get()
    item.inclusion_probability = 1.0
    with pytest.raises(AppendOnlyError):
        item.save()
    with pytest.raises(AppendOnlyError):
        item.delete()
    with pytest.raises(AppendOnlyError):
        DrawItem.objects.filter(draw=draw).delete()
    assert Draw.objects.get(pk=draw.pk).seed == str(2**80 + 3)


def test_drawing_again_without_naming_a_redraw_is_refused(sampling):
    first = _county_draw(sampling)
    with pytest.raises(AssessmentError, match=f"已有抽样记录 #{first.pk}"):
        _county_draw(sampling, seed=5)


def test_a_redraw_needs_a_reason(sampling):
    first = _county_draw(sampling)
    with pytest.raises(AssessmentError, match="重抽须说明原因"):
        _county_draw(sampling, seed=5, supersedes=first)
    second = _county_draw(sampling, seed=5, supersedes=first, reason="抽样框漏列一县")
    assert draw_current(sampling, "county") == second
    assert not first.is_current and second.is_current
    assert Draw.objects.filter(campaign=sampling).count() == 2


def test_only_the_draw_in_force_can_be_replaced(sampling):
    first = _county_draw(sampling)
    _county_draw(sampling, seed=5, supersedes=first, reason="重抽")
    with pytest.raises(AssessmentError, match="已被替换"):
        _county_draw(sampling, seed=6, supersedes=first, reason="再抽")


def test_items_must_come_from_the_frame_with_valid_probabilities(sampling):
    with pytest.raises(AssessmentError, match="不在抽样框中"):
        _county_draw(sampling, items=[DrawItemSpec("629999000000", 0.5)])
    with pytest.raises(AssessmentError, match="入样概率"):
        _county_draw(sampling, items=[DrawItemSpec(MINXIAN, 0.0)])
    with pytest.raises(AssessmentError, match="必选单位"):
        _county_draw(sampling, items=[DrawItemSpec(MINXIAN, 0.5, certainty=True)])
    with pytest.raises(AssessmentError, match="重复"):
        _county_draw(sampling, frame_keys=[MINXIAN, MINXIAN])
    assert not Draw.objects.exists()


def test_village_draws_belong_to_a_county_and_need_a_sampling_campaign(sampling, gansu_village):
    with pytest.raises(AssessmentError, match="须指定所在县"):
        draw_record(
            campaign=sampling,
            level="village",
            seed=1,
            method="pps",
            frame_keys=[gansu_village.code],
            items=[DrawItemSpec(gansu_village.code, 1.0, certainty=True)],
            actor="t",
        )
    draw = draw_record(
        campaign=sampling,
        level="village",
        county=MINXIAN,
        seed=1,
        method="pps",
        frame_keys=[gansu_village.code],
        items=[DrawItemSpec(gansu_village.code, 1.0, certainty=True)],
        actor="t",
    )
    assert draw_current(sampling, "village", MINXIAN) == draw
    assert draw_current(sampling, "village", ZHANGXIAN) is None
    campaign_transition(campaign=sampling, to="fieldwork", user=None, actor="t")
    with pytest.raises(AssessmentError, match="只能在抽样阶段抽样"):
        draw_record(
            campaign=sampling,
            level="county",
            seed=1,
            method="srs",
            frame_keys=FRAME,
            items=[DrawItemSpec(MINXIAN, 0.4)],
            actor="t",
        )
