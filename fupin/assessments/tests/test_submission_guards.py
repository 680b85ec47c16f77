"""Issue #18 items 4 and 5 on the field survey: a received questionnaire is audited; a free-text
answer with control characters or over the stated limit is refused, naming the question."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Submission
from fupin.assessments.services import AssessmentError, submission_receive
from fupin.assessments.tests.conftest import World, new_client_id, payload
from fupin.policy.text import FREE_TEXT_MAX
from fupin.registry.selectors import audit_changes

pytestmark = pytest.mark.django_db


def _with_note(world: World, note: str) -> dict:
    body = payload(world.household)
    body["answers"]["enumerator_notes"] = note
    return body


def test_a_received_questionnaire_is_written_to_the_audit_trail(world: World):
    submission, created = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household),
        enumerator=world.mentor,
    )
    assert created
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SUBMIT)
    assert (entry.model, entry.object_key) == ("Submission", str(submission.pk))
    assert entry.household == world.household
    assert entry.actor == world.mentor.name
    assert entry.after["answers"] == len(submission.answers)
    assert entry.after["client_id"] == str(submission.client_id)
    labels = {c["field"] for c in audit_changes(entry)}
    assert {"调查员", "问卷", "回答数", "完成时间", "提交编号"} <= labels
    assert entry.get_action_display() == "提交问卷"


def test_a_retry_writes_no_second_audit_row(world: World):
    cid, body = new_client_id(), payload(world.household)
    for _ in range(2):
        submission_receive(
            campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
        )
    assert AuditEntry.objects.filter(action=AuditEntry.Action.SUBMIT).count() == 1


def test_a_two_megabyte_free_text_answer_is_refused_with_the_stated_limit(world: World):
    with pytest.raises(AssessmentError) as err:
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=_with_note(world, "x" * 2_000_000),
            enumerator=world.mentor,
        )
    message = str(err.value)
    assert "调查员备注" in message and f"最多 {FREE_TEXT_MAX} 个字符" in message
    assert not Submission.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.SUBMIT).exists()


def test_a_nul_byte_in_a_free_text_answer_is_refused_naming_the_question(world: World):
    with pytest.raises(AssessmentError, match="调查员备注.*NUL"):
        submission_receive(
            campaign=world.campaign,
            client_id=new_client_id(),
            payload=_with_note(world, "疑点\x00线索"),
            enumerator=world.mentor,
        )
    assert not Submission.objects.exists()


def test_a_multi_line_note_at_the_limit_is_accepted(world: World):
    note = ("第一行\n第二行\t" * FREE_TEXT_MAX)[:FREE_TEXT_MAX]
    submission, created = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=_with_note(world, note),
        enumerator=world.mentor,
    )
    assert created and submission.answers["enumerator_notes"] == note
