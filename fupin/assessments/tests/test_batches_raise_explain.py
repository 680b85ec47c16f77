"""The batch forms of raising once, explaining and receiving evidence (used by the simulated run)
record what the single services record, refuse what they refuse (with the item's index) and write
nothing when they refuse."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Evidence, Problem, ProblemExplanation, ProblemStep
from fupin.assessments.services import (
    AssessmentError,
    TransitionItem,
    problem_explain,
    problem_raise_once,
    problems_transition,
)
from fupin.assessments.services.proposals import (
    PROBLEM_CONFLICT_MESSAGE,
    ProblemRefused,
    RaiseOnceItem,
    problems_raise_once,
)
from fupin.assessments.services.surveys import (
    EvidenceItem,
    EvidenceRefused,
    evidence_receive,
    evidence_receive_many,
)
from fupin.assessments.services.verification import (
    ExplainItem,
    ExplainRefused,
    problems_explain,
)
from fupin.assessments.tests.conftest import World

pytestmark = pytest.mark.django_db


def item(world: World, cid: uuid.UUID | str, **changes: Any) -> RaiseOnceItem:
    args: dict[str, Any] = {
        "client_id": cid,
        "household": world.household,
        "kind": "policy_not_delivered",
        "description": "危房改造补助未到户",
        "user": world.enumerator_user,
        "enumerator": world.mentor,
    }
    args.update(changes)
    return RaiseOnceItem(**args)


def records(problem: Problem) -> tuple[Any, ...]:
    """What raising wrote for a problem, without ids and times."""
    step = problem.steps.get()
    audit = AuditEntry.objects.get(model="Problem", object_key=str(problem.pk))
    return (
        problem.campaign_id,
        problem.county_id,
        problem.household_id,
        problem.kind,
        problem.description,
        problem.status,
        problem.raised_by_id,
        (step.step, step.action, step.from_status, step.to_status, step.role, step.opinion),
        (audit.user_id, audit.actor, audit.action, audit.after, audit.note),
    )


def test_a_batch_records_what_raising_one_at_a_time_records(world: World):
    one, _ = problem_raise_once(
        campaign=world.campaign,
        client_id=uuid.uuid4(),
        household=world.household,
        kind="policy_not_delivered",
        description="危房改造补助未到户",
        user=world.enumerator_user,
        enumerator=world.mentor,
    )
    cid = uuid.uuid4()
    [(batched, created)] = problems_raise_once(campaign=world.campaign, items=[item(world, cid)])
    assert created and batched.client_id == cid and batched.pk != one.pk
    assert records(Problem.objects.get(pk=batched.pk)) == records(one)


def test_a_resent_batch_writes_nothing_and_a_repeat_within_it_is_a_retry(world: World):
    cid, other = uuid.uuid4(), uuid.uuid4()
    first = problems_raise_once(
        campaign=world.campaign,
        items=[item(world, cid), item(world, str(cid)), item(world, other, kind="other")],
    )
    assert [created for _, created in first] == [True, False, True]
    assert first[0][0].pk == first[1][0].pk
    audit_rows = AuditEntry.objects.count()
    again = problems_raise_once(
        campaign=world.campaign, items=[item(world, other, kind="other"), item(world, cid)]
    )
    assert [(p.pk, created) for p, created in again] == [
        (first[2][0].pk, False),
        (first[0][0].pk, False),
    ]
    assert Problem.objects.count() == 2 and AuditEntry.objects.count() == audit_rows


def test_a_field_note_cited_by_a_batch_is_linked_to_the_first_step(world: World):
    from fupin.assessments.tests.test_proposals import stored

    submission = stored(world, world.household, income_per_capita=3900)
    note = b"field notes"
    evidence, _ = evidence_receive(
        owner=submission,
        kind="document",
        content=note,
        sha256=hashlib.sha256(note).hexdigest(),
        user=world.enumerator_user,
    )
    [(problem, _)] = problems_raise_once(
        campaign=world.campaign,
        items=[item(world, uuid.uuid4(), submission=submission, evidence=[evidence])],
    )
    assert list(problem.steps.get().evidence.all()) == [evidence]
    assert problem.submission_id == submission.pk


def _refusals(world: World, taken: uuid.UUID) -> dict[str, tuple[object, dict[str, Any]]]:
    """Each case: the client id and what differs from a good item."""
    return {
        "bad id": ("not-a-uuid", {}),
        "kind": (uuid.uuid4(), {"kind": "dismissed"}),
        "no description": (uuid.uuid4(), {"description": "  "}),
        "other team": (uuid.uuid4(), {"user": world.outsider_user, "enumerator": world.outsider}),
        "conflict": (taken, {"description": "另一段描述"}),
    }


@pytest.mark.parametrize("case", ["bad id", "kind", "no description", "other team", "conflict"])
def test_the_batch_refuses_what_one_at_a_time_refuses_and_writes_nothing(world: World, case: str):
    taken = uuid.uuid4()
    problems_raise_once(campaign=world.campaign, items=[item(world, taken)])
    cid, changes = _refusals(world, taken)[case]
    bad = item(world, cid, **changes)  # type: ignore[arg-type]
    with pytest.raises(AssessmentError) as err:
        problem_raise_once(
            campaign=world.campaign,
            client_id=bad.client_id,
            household=bad.household,
            kind=bad.kind,
            description=bad.description,
            user=bad.user,
            enumerator=bad.enumerator,
        )
    single = str(err.value)
    if case == "conflict":
        assert single == PROBLEM_CONFLICT_MESSAGE
    before = (Problem.objects.count(), ProblemStep.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ProblemRefused) as refused:
        problems_raise_once(campaign=world.campaign, items=[item(world, uuid.uuid4()), bad])
    assert refused.value.index == 1 and str(refused.value) == single
    after = (Problem.objects.count(), ProblemStep.objects.count(), AuditEntry.objects.count())
    assert after == before


# --- explanations and their documents --------------------------------------------------------------


def explaining(world: World, n: int) -> list[Problem]:
    """n problems sent to the county for explanation (复核) at the clock's time."""
    made = problems_raise_once(
        campaign=world.campaign,
        items=[item(world, uuid.uuid4(), description=f"疑点 {i}") for i in range(n)],
    )
    problems = [p for p, _ in made]
    for action, user in (("initial_check", world.enumerator_user), ("review", world.lead_expert)):
        problems_transition(
            [TransitionItem(problem=p, action=action, user=user, opinion="意见") for p in problems]
        )
    return list(Problem.objects.filter(pk__in=[p.pk for p in problems]).order_by("id"))


def test_explanations_in_a_batch_are_recorded_as_one_at_a_time(world: World):
    first, second = explaining(world, 2)
    one = problem_explain(problem=first, user=world.county_officer, text=" 该户已享受政策 ")
    [batched] = problems_explain(
        [ExplainItem(problem=second, user=world.county_officer, text=" 该户已享受政策 ")]
    )
    assert (
        (batched.text, batched.user_id)
        == (one.text, one.user_id)
        == ("该户已享受政策", one.user_id)
    )
    rows = [
        AuditEntry.objects.get(model="ProblemExplanation", object_key=str(e.pk))
        for e in (one, batched)
    ]
    assert [(r.action, r.user_id, r.household_id) for r in rows] == [
        (rows[0].action, world.county_officer.pk, world.household.pk)
    ] * 2
    assert rows[1].note == f"地方说明：问题 {second.pk}"


def _explain_refusal(call: Callable[[], Any]) -> str:
    with pytest.raises(AssessmentError) as err:
        call()
    return str(err.value)


def test_a_batch_refuses_an_explanation_by_another_county_or_after_the_window(world: World):
    first, second = explaining(world, 2)
    neighbour = _explain_refusal(
        lambda: problem_explain(problem=second, user=world.neighbour_officer, text="说明")
    )
    with pytest.raises(ExplainRefused) as refused:
        problems_explain(
            [
                ExplainItem(problem=first, user=world.county_officer, text="说明"),
                ExplainItem(problem=second, user=world.neighbour_officer, text="说明"),
            ]
        )
    assert refused.value.index == 1 and str(refused.value) == neighbour
    late = timezone.now() + dt.timedelta(days=30)
    expired = _explain_refusal(
        lambda: problem_explain(problem=first, user=world.county_officer, text="说明", now=late)
    )
    with pytest.raises(ExplainRefused) as refused_late:
        problems_explain(
            [ExplainItem(problem=first, user=world.county_officer, text="说明")], now=late
        )
    assert str(refused_late.value) == expired == "地方说明期已过，不能再作说明"
    assert not ProblemExplanation.objects.exists()


def test_evidence_in_a_batch_is_checked_and_stored_once_per_record(world: World):
    [problem] = explaining(world, 1)
    [explanation] = problems_explain(
        [ExplainItem(problem=problem, user=world.county_officer, text="说明")]
    )
    doc = "证明材料".encode()
    good = EvidenceItem(
        owner=explanation,
        kind="document",
        content=doc,
        sha256=hashlib.sha256(doc).hexdigest(),
        filename="proof.txt",
        user=world.county_officer,
    )
    broken = EvidenceItem(
        owner=explanation, kind="document", content=doc, sha256="0" * 64, filename="proof.txt"
    )
    with pytest.raises(EvidenceRefused) as refused:
        evidence_receive_many([good, broken])
    assert refused.value.index == 1 and "文件校验值不符" in str(refused.value)
    assert not Evidence.objects.exists()
    [(a, made_a), (b, made_b)] = evidence_receive_many([good, good])
    assert made_a and not made_b and a.pk == b.pk
    assert a.explanation_id == explanation.pk and a.uploaded_by_id == world.county_officer.pk
    [(again, made)] = evidence_receive_many([good])
    assert again.pk == a.pk and not made and Evidence.objects.count() == 1
    assert a.file.read() == doc
