"""The audit page names the records an audited value points to (issue #15, no codes on pages): a
problem's county by its name, not its region code; a campaign by its name, not its id."""

from __future__ import annotations

import pytest

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.assessments.tests.conftest import World
from fupin.assessments.tests.pages_world import raise_problem
from fupin.registry.selectors import audit_changes

pytestmark = pytest.mark.django_db


def test_a_foreign_key_is_shown_by_the_records_name(world: World) -> None:
    problem = raise_problem(world)
    entry = audit_record(
        actor=None,
        actor_label="t",
        action=AuditEntry.Action.UPDATE,
        obj=problem,
        before={"county": world.neighbour.code, "campaign": 0},
        after={"county": world.county.code, "campaign": world.campaign.pk},
    )
    rows = {r["field"]: (r["before"], r["after"]) for r in audit_changes(entry)}
    assert rows["所在县"] == (world.neighbour.name, world.county.name)
    # A record that is gone keeps its key rather than inventing a name.
    assert rows["任务"] == ("0", str(world.campaign))
