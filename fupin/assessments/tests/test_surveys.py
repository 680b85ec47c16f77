"""Submissions are stored once per client id; conflicts and unassigned enumerators are refused."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import pytest

from fupin.assessments.models import Evidence, Questionnaire, Submission
from fupin.assessments.services import (
    CONFLICT_MESSAGE,
    AssessmentError,
    campaign_transition,
    evidence_receive,
    submission_receive,
)
from fupin.assessments.tests.conftest import World, new_client_id, payload

pytestmark = pytest.mark.django_db


def test_questionnaire_v1_is_installed_by_the_migration():
    q = Questionnaire.objects.get(version=1)
    sections = {s["code"] for s in q.schema["sections"]}
    assert {
        "household",
        "income",
        "guarantees",
        "recognition_registered",
        "recognition_public",
        "open",
    } <= sections
    guarantees = next(s for s in q.schema["sections"] if s["code"] == "guarantees")
    assert all(
        q.get("evidence") for q in guarantees["questions"] if not q["code"].endswith("_note")
    )


def test_the_same_submission_twice_is_stored_once(world: World):
    cid, body = new_client_id(), payload(world.household)
    first, created = submission_receive(
        campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
    )
    again, created_again = submission_receive(
        campaign=world.campaign,
        client_id=cid,
        payload=dict(reversed(list(body.items()))),
        enumerator=world.mentor,
    )
    assert created and not created_again
    assert again.pk == first.pk
    assert Submission.objects.count() == 1
    assert first.team == world.team and first.gps_accuracy == 8.0


def test_a_retry_is_answered_even_after_fieldwork_closed(world: World):
    cid, body = new_client_id(), payload(world.household)
    stored, _ = submission_receive(
        campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
    )
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    again, created = submission_receive(
        campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
    )
    assert (again.pk, created) == (stored.pk, False)


def test_a_conflicting_submission_is_refused_and_nothing_is_written(world: World):
    cid = new_client_id()
    stored, _ = submission_receive(
        campaign=world.campaign,
        client_id=cid,
        payload=payload(world.household),
        enumerator=world.mentor,
    )
    changed = payload(world.household)
    changed["answers"]["income_wages"] = 9999.0
    with pytest.raises(AssessmentError) as err:
        submission_receive(
            campaign=world.campaign, client_id=cid, payload=changed, enumerator=world.mentor
        )
    assert str(err.value) == CONFLICT_MESSAGE
    assert "该提交编号已用于内容不同的问卷" in CONFLICT_MESSAGE
    assert Submission.objects.count() == 1
    assert Submission.objects.get().answers["income_wages"] == 3000.0


def test_the_same_id_from_another_enumerator_is_a_conflict(world: World):
    cid, body = new_client_id(), payload(world.household)
    submission_receive(
        campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
    )
    with pytest.raises(AssessmentError, match="内容不同"):
        submission_receive(
            campaign=world.campaign, client_id=cid, payload=body, enumerator=world.newcomer
        )


def test_an_enumerator_not_assigned_to_the_household_is_refused(world: World):
    with pytest.raises(AssessmentError, match="未被分派调查户"):
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=payload(world.household),
            enumerator=world.outsider,
        )
    assert not Submission.objects.exists()


def test_both_team_members_may_submit(world: World):
    _, created = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household),
        enumerator=world.newcomer,
    )
    assert created


def test_incomplete_or_inapplicable_answers_are_refused(world: World):
    body = payload(world.household)
    del body["answers"]["food_ok"]
    with pytest.raises(AssessmentError, match="未回答：不愁吃"):
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=body,
            enumerator=world.mentor,
        )
    body = payload(
        world.other_household
    )  # non-registered: registered households' questions do not apply
    with pytest.raises(AssessmentError, match="不适用于该户"):
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=body,
            enumerator=world.mentor,
        )


def test_a_bad_client_id_is_refused(world: World):
    with pytest.raises(AssessmentError, match="UUID"):
        submission_receive(
            campaign=world.campaign,
            client_id="abc",
            payload=payload(world.household),
            enumerator=world.mentor,
        )


def test_after_fieldwork_only_late_uploads_of_earlier_work_are_accepted(world: World):
    early = payload(world.household)
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    _, created = submission_receive(
        campaign=world.campaign, client_id=new_client_id(), payload=early, enumerator=world.mentor
    )
    assert created
    from django.utils import timezone

    late = payload(world.household, finished_at=timezone.now().isoformat())
    with pytest.raises(AssessmentError, match="实地调查已结束"):
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=late,
            enumerator=world.mentor,
        )


def _submission(world: World) -> Submission:
    s, _ = submission_receive(
        campaign=world.campaign,
        client_id=str(uuid.uuid4()),
        payload=payload(world.household),
        enumerator=world.mentor,
    )
    return s


def test_evidence_with_a_wrong_checksum_is_refused(world: World, evidence_dir: Path):
    s = _submission(world)
    data = b"\x89PNG fake photo of the house"
    with pytest.raises(AssessmentError, match="文件校验值不符"):
        evidence_receive(
            owner=s,
            kind="photo",
            content=data,
            sha256=hashlib.sha256(b"other").hexdigest(),
            filename="house.png",
            actor="t",
        )
    assert not Evidence.objects.exists()
    assert not list(evidence_dir.rglob("*.png"))


def test_evidence_is_stored_by_checksum_and_a_repeat_upload_is_idempotent(
    world: World, evidence_dir: Path
):
    s = _submission(world)
    data = b"\x89PNG fake photo of the house"
    digest = hashlib.sha256(data).hexdigest()
    e, created = evidence_receive(
        owner=s,
        kind="photo",
        content=data,
        sha256=digest.upper(),
        filename="house.PNG",
        gps_lat=34.4,
        gps_lon=104.0,
        actor="t",
    )
    again, created_again = evidence_receive(
        owner=s, kind="photo", content=data, sha256=digest, filename="house.png", actor="t"
    )
    assert created and not created_again and again.pk == e.pk
    assert Evidence.objects.count() == 1
    path = evidence_dir / "evidence" / digest[:2] / f"{digest}.png"
    assert path.read_bytes() == data
    assert e.file.name == f"{digest[:2]}/{digest}.png" and e.size == len(data)
