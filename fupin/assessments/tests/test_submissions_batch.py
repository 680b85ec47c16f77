"""The batch paths (submissions_receive, problems_transition) refuse exactly what the single paths
refuse, write nothing when they refuse, and answer retries as the single path does."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import ProblemStep, Submission
from fupin.assessments.services import (
    CONFLICT_MESSAGE,
    AssessmentError,
    SubmissionItem,
    SubmissionRefused,
    TransitionItem,
    TransitionRefused,
    campaign_transition,
    problem_raise,
    problem_transition,
    problems_transition,
    submission_receive,
    submissions_receive,
    teams_of_household,
    teams_of_households,
)
from fupin.assessments.tests.conftest import World, new_client_id, payload

pytestmark = pytest.mark.django_db


def _single_message(call: Callable[[], Any]) -> str:
    with pytest.raises(AssessmentError) as err:
        call()
    return str(err.value)


def _refusals(world: World) -> dict[str, Callable[[], SubmissionItem]]:
    def bad_answers() -> SubmissionItem:
        body = payload(world.household)
        del body["answers"]["food_ok"]
        return SubmissionItem(client_id=new_client_id(), payload=body, enumerator=world.mentor)

    return {
        "bad id": lambda: SubmissionItem(
            client_id="abc", payload=payload(world.household), enumerator=world.mentor
        ),
        "unassigned": lambda: SubmissionItem(
            client_id=new_client_id(), payload=payload(world.household), enumerator=world.outsider
        ),
        "other user": lambda: SubmissionItem(
            client_id=new_client_id(),
            payload=payload(world.household),
            enumerator=world.mentor,
            user=world.outsider_user,
        ),
        "bad answers": bad_answers,
        "no household": lambda: SubmissionItem(
            client_id=new_client_id(),
            payload=payload(world.household, household_no="nope"),
            enumerator=world.mentor,
        ),
        "no questionnaire": lambda: SubmissionItem(
            client_id=new_client_id(),
            payload=payload(world.household, questionnaire_version=99),
            enumerator=world.mentor,
        ),
    }


@pytest.mark.parametrize(
    "case",
    ["bad id", "unassigned", "other user", "bad answers", "no household", "no questionnaire"],
)
def test_the_batch_refuses_what_the_single_path_refuses_and_writes_nothing(world: World, case: str):
    item = _refusals(world)[case]()
    single = _single_message(
        lambda: submission_receive(
            campaign=world.campaign,
            client_id=item.client_id,
            payload=item.payload,
            enumerator=item.enumerator,
            user=item.user,
        )
    )
    good = SubmissionItem(
        client_id=new_client_id(), payload=payload(world.household), enumerator=world.mentor
    )
    with pytest.raises(SubmissionRefused) as err:
        submissions_receive(campaign=world.campaign, items=[good, item])
    assert str(err.value) == single and err.value.index == 1
    assert not Submission.objects.exists()  # the valid first item is not kept either


def test_a_conflicting_id_is_refused_in_a_batch_as_alone(world: World):
    cid = new_client_id()
    submission_receive(
        campaign=world.campaign,
        client_id=cid,
        payload=payload(world.household),
        enumerator=world.mentor,
    )
    changed = payload(world.household)
    changed["answers"]["income_wages"] = 9999.0
    with pytest.raises(SubmissionRefused) as err:
        submissions_receive(
            campaign=world.campaign,
            items=[
                SubmissionItem(
                    client_id=new_client_id(),
                    payload=payload(world.household),
                    enumerator=world.newcomer,
                ),
                SubmissionItem(client_id=cid, payload=changed, enumerator=world.mentor),
            ],
        )
    assert str(err.value) == CONFLICT_MESSAGE and err.value.index == 1
    assert Submission.objects.count() == 1


def test_a_conflict_within_one_batch_is_refused(world: World):
    cid = new_client_id()
    changed = payload(world.household)
    changed["answers"]["income_wages"] = 9999.0
    with pytest.raises(SubmissionRefused, match="内容不同"):
        submissions_receive(
            campaign=world.campaign,
            items=[
                SubmissionItem(
                    client_id=cid, payload=payload(world.household), enumerator=world.mentor
                ),
                SubmissionItem(client_id=cid, payload=changed, enumerator=world.mentor),
            ],
        )
    assert not Submission.objects.exists()


def test_the_batch_refuses_in_a_closed_campaign_but_answers_retries(world: World):
    cid = new_client_id()
    body = payload(world.household)
    stored, _ = submission_receive(
        campaign=world.campaign, client_id=cid, payload=body, enumerator=world.mentor
    )
    campaign_transition(campaign=world.campaign, to="verification", user=world.working_group)
    from django.utils import timezone

    late = SubmissionItem(
        client_id=new_client_id(),
        payload=payload(world.household, finished_at=timezone.now().isoformat()),
        enumerator=world.mentor,
    )
    single = _single_message(
        lambda: submission_receive(
            campaign=world.campaign,
            client_id=late.client_id,
            payload=late.payload,
            enumerator=late.enumerator,
        )
    )
    assert "实地调查已结束" in single
    with pytest.raises(SubmissionRefused) as err:
        submissions_receive(campaign=world.campaign, items=[late])
    assert str(err.value) == single
    again = submissions_receive(
        campaign=world.campaign,
        items=[SubmissionItem(client_id=cid, payload=body, enumerator=world.mentor)],
    )
    assert [(s.pk, created) for s, created in again] == [(stored.pk, False)]


def test_the_batch_is_idempotent_and_equals_the_single_path(world: World):
    items = [
        SubmissionItem(
            client_id=new_client_id(), payload=payload(world.household), enumerator=world.mentor
        ),
        SubmissionItem(
            client_id=uuid.uuid4(),
            payload=payload(world.household),
            enumerator=world.newcomer,
            user=world.newcomer_user,
        ),
    ]
    items.append(items[0])  # the same id again within the batch: answered as a retry
    first = submissions_receive(campaign=world.campaign, items=items)
    assert [created for _, created in first] == [True, True, False]
    assert first[2][0] is first[0][0] and first[0][0].pk is not None
    assert first[0][0].team == world.team and first[1][0].enumerator == world.newcomer
    again = submissions_receive(campaign=world.campaign, items=items)
    assert [(s.pk, c) for s, c in again] == [(s.pk, False) for s, _ in first]
    single = submission_receive(
        campaign=world.campaign,
        client_id=items[1].client_id,
        payload=items[1].payload,
        enumerator=items[1].enumerator,
    )
    assert (single[0].pk, single[1]) == (first[1][0].pk, False)
    assert Submission.objects.count() == 2


def test_teams_of_households_equals_teams_of_household(world: World):
    batch = teams_of_households(world.campaign, [world.household.pk, world.other_household.pk])
    for h in (world.household, world.other_household):
        assert batch.get(h.pk, []) == list(teams_of_household(world.campaign, h))


def _problem(world: World):  # type: ignore[no-untyped-def]
    sub, _ = submission_receive(
        campaign=world.campaign,
        client_id=new_client_id(),
        payload=payload(world.household),
        enumerator=world.mentor,
    )
    return problem_raise(
        campaign=world.campaign,
        county=world.county,
        kind="wrong_exit",
        household=world.household,
        submission=sub,
        description="疑点",
        user=world.enumerator_user,
    )


def test_a_batch_of_transitions_refuses_what_one_refuses_and_writes_nothing(world: World):
    problem = _problem(world)
    steps, audits = ProblemStep.objects.count(), AuditEntry.objects.count()
    wrong_user = dict(
        problem=problem, action="initial_check", user=world.outsider_user, opinion="核实"
    )
    single = _single_message(lambda: problem_transition(**wrong_user))
    with pytest.raises(TransitionRefused) as err:
        problems_transition([TransitionItem(**wrong_user)])
    assert str(err.value) == single and err.value.index == 0
    # The second action is refused because of the state the first one leaves (review needs a
    # lead expert, not the enumerator): nothing of the batch is written.
    ok = TransitionItem(
        problem=problem, action="initial_check", user=world.enumerator_user, opinion="属实"
    )
    again = TransitionItem(
        problem=problem, action="initial_check", user=world.enumerator_user, opinion="属实"
    )
    with pytest.raises(TransitionRefused) as err:
        problems_transition([ok, again])
    assert err.value.index == 1 and "不能进行" in str(err.value)
    assert (ProblemStep.objects.count(), AuditEntry.objects.count()) == (steps, audits)
    problem.refresh_from_db()
    assert problem.status == "pending_initial"


def test_a_batch_of_transitions_records_what_single_ones_record(world: World):
    a, b = _problem(world), _problem(world)
    problem_transition(
        problem=a, action="initial_check", user=world.enumerator_user, opinion="属实"
    )
    steps = problems_transition(
        [
            TransitionItem(
                problem=b, action="initial_check", user=world.enumerator_user, opinion="属实"
            )
        ]
    )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.status == b.status == steps[0].to_status
    one = ProblemStep.objects.filter(problem=a).order_by("id").last()
    two = ProblemStep.objects.get(pk=steps[0].pk)
    fields = [
        "step",
        "action",
        "from_status",
        "to_status",
        "user_id",
        "role",
        "opinion",
        "disputed",
    ]
    assert [getattr(one, f) for f in fields] == [getattr(two, f) for f in fields]
    rows = {
        p.pk: AuditEntry.objects.filter(model="Problem", object_key=str(p.pk)).order_by("id").last()
        for p in (a, b)
    }
    keep = ["user_id", "actor", "action", "model", "household_id", "before", "after", "note"]
    assert [getattr(rows[a.pk], f) for f in keep] == [getattr(rows[b.pk], f) for f in keep]
