"""The assignment run forms its teams through the one path that forms teams (`teams_create`, which
`team_create` is too): the same checks and the same audit rows, in one batch."""

from __future__ import annotations

import pytest

from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Team
from fupin.assessments.services import AssessmentError, assignment_run
from fupin.assessments.services.evaluators import TeamSpec, teams_create
from fupin.assessments.tests.assignment_world import AssignWorld, build_assign_world
from fupin.registry.selectors import audit_changes


@pytest.fixture
def w(db) -> AssignWorld:
    return build_assign_world()


def test_the_runs_teams_are_audited_as_team_create_audits_them(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group, seed=11)
    teams = Team.objects.filter(campaign=w.campaign).select_related(
        "experienced_member", "new_member"
    )
    assert {t.pk for t in teams} == {t.pk for t in result.teams}
    for team in teams:
        entry = AuditEntry.objects.get(model="Team", object_key=str(team.pk), action="create")
        assert entry.user == w.working_group
        assert entry.after == {
            "code": team.code,
            "experienced": team.experienced_member.pk,
            "new": team.new_member.pk,
        }
        # The audit page names the members (a name stored in place of the id would not resolve).
        rows = {r["field"]: r["after"] for r in audit_changes(entry)}
        assert (rows["老队员"], rows["新队员"]) == (
            team.experienced_member.name,
            team.new_member.name,
        )


def test_a_batch_is_refused_whole_with_every_reason(w: AssignWorld):
    result = assignment_run(w.campaign, user=w.working_group, seed=11)
    formed = result.teams[0]
    before = Team.objects.count()
    pair = (formed.institution, formed.experienced_member, formed.new_member)
    with pytest.raises(AssessmentError) as refused:
        teams_create(
            campaign=w.campaign,
            specs=[TeamSpec("X-1", *pair), TeamSpec("X-1", *pair)],
            user=w.working_group,
        )
    message = str(refused.value)
    assert "调查小组编号 X-1 已存在" in message
    assert f"已在调查小组 {formed.code} 中" in message
    assert Team.objects.count() == before
