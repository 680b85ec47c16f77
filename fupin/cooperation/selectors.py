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

from django.db.models import Q, QuerySet

from fupin.accounts.scoping import AnyUser, scope_for
from fupin.cooperation.models import Agreement, InnovationItem, LedgerEntry, Pairing, SelfAssessment


def pairings_for(user: AnyUser) -> QuerySet[Pairing]:
    scope = scope_for(user)
    if scope.everything:
        return Pairing.objects.all()
    parts = [Q(east__code__startswith=p) | Q(west__code__startswith=p) for p in scope.prefixes if p]
    if not parts:
        return Pairing.objects.none()
    return Pairing.objects.filter(reduce(operator.or_, parts))


def agreements_for(user: AnyUser) -> QuerySet[Agreement]:
    return Agreement.objects.filter(pairing__in=pairings_for(user))


def ledger_for(user: AnyUser) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(pairing__in=pairings_for(user))


def self_assessments_for(user: AnyUser) -> QuerySet[SelfAssessment]:
    return SelfAssessment.objects.filter(pairing__in=pairings_for(user))


def innovations_for(user: AnyUser) -> QuerySet[InnovationItem]:
    return InnovationItem.objects.filter(pairing__in=pairings_for(user))
