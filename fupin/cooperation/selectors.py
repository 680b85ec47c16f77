"""What of East-West cooperation a user may see: the one scoping entry point of this app.

A user sees a pairing when its eastern or its western region lies in their scope
(`accounts.scoping`: poverty offices see their region and below, by code prefix). Eastern offices
are ordinary office Memberships on the eastern Region rows (`services.east_regions_load`), so a
Tianjin province office sees every Tianjin pairing and a 津南区 office the 津南区 ones. Superusers
see everything. Acting on an entry needs more: an office of the entry's side
(`services.office_sides`).
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any

from django.db.models import Count, Q, QuerySet

from fupin.accounts.scoping import AnyUser, scope_for
from fupin.cooperation import services as svc
from fupin.cooperation.models import (
    Agreement,
    GradeRule,
    LedgerEntry,
    Pairing,
    SelfAssessment,
)
from fupin.cooperation.workflows import EntryStatus, Side


def pairings_for(user: AnyUser) -> QuerySet[Pairing]:
    scope = scope_for(user)
    if scope.everything:
        return Pairing.objects.all()
    parts = [Q(east__code__startswith=p) | Q(west__code__startswith=p) for p in scope.prefixes if p]
    if not parts:
        return Pairing.objects.none()
    return Pairing.objects.filter(reduce(operator.or_, parts))


def _pairing_ids(user: AnyUser) -> list[int]:
    """The user's pairings as a list of ids (a few hundred at most). Passed as a subquery instead,
    PostgreSQL planned the ledger page's COUNT over fresh tables as nested loops over region
    codes matched by LIKE, and took minutes."""
    return list(pairings_for(user).values_list("id", flat=True))


def agreements_for(user: AnyUser) -> QuerySet[Agreement]:
    return Agreement.objects.filter(pairing_id__in=_pairing_ids(user))


def ledger_for(user: AnyUser) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(pairing_id__in=_pairing_ids(user))


def self_assessments_for(user: AnyUser) -> QuerySet[SelfAssessment]:
    return SelfAssessment.objects.filter(pairing__in=pairings_for(user))


def pair_year(pairing: Pairing, year: int) -> dict[str, Any]:
    """A pairing's year as the dashboard and the Word report show it: the agreement in force,
    per side the reconciled indicators, the grade and the rule that decided it, the ledger's
    counts by review status, year-over-year multiples, cross-checks and innovations. The caller
    has checked that the user sees the pairing."""
    agreement = svc.agreement_current(pairing, year)
    recon = svc.reconciliation(agreement) if agreement else None
    sides = []
    for side in Side:
        lines = recon.for_side(side) if recon else []
        grade = svc.grade_compute(agreement, side, recon=recon) if agreement and lines else None
        rule = (
            GradeRule.objects.filter(pk=grade.rule_id).first() if grade and grade.rule_id else None
        )
        sides.append(
            {"side": side.value, "label": side.label, "lines": lines, "grade": grade, "rule": rule}
        )
    ledger = LedgerEntry.objects.filter(pairing_id__in=pairing.descendant_ids(), year=year)
    counts = dict(ledger.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "agreement": agreement,
        "sides": sides,
        "counts": [(s.label, counts.get(s.value, 0), s.value) for s in EntryStatus],
        "disputed": counts.get(EntryStatus.DISPUTED, 0),
        "pending": counts.get(EntryStatus.PENDING, 0),
        "multiples": svc.yoy_multiples(pairing, year),
        "checks": svc.cross_checks(pairing, year),
        "innovations": list(pairing.innovations.filter(year=year).order_by("kind", "id")),
    }
