"""Opening a stored evidence file for a user who may see it, with the access written to the audit trail."""

from __future__ import annotations

from typing import IO

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.assessments.models import Evidence, Problem
from fupin.assessments.services.common import User


def evidence_open(*, evidence: Evidence, problem: Problem, user: User) -> IO[bytes]:
    """Open the file for reading and record who opened it, through which problem.

    The caller has already decided that the user may see `problem` and that the evidence is one
    the problem may cite; this function only opens and audits. A file missing from storage raises
    FileNotFoundError before anything is recorded.
    """
    handle: IO[bytes] = evidence.file.open("rb")
    # AuditEntry.Action has no "download" choice; EVENT with a note keeps the access in the trail.
    audit_record(
        actor=user,
        action=AuditEntry.Action.EVENT,
        obj=evidence,
        household=problem.household,
        after={"problem": problem.pk, "campaign": problem.campaign_id, "sha256": evidence.sha256},
        reason=f"查看证据材料：问题 {problem.pk} {evidence.get_kind_display()} "
        f"{evidence.original_name or evidence.sha256[:12]}",
    )
    return handle
