"""The ledger's review and reconciliation: the other side confirms or disputes, and a disputed
entry counts for nothing until it is resolved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fupin.accounts.models import AuditEntry
from fupin.cooperation.models import LedgerReview
from fupin.cooperation.services import (
    CooperationConflict,
    CooperationDenied,
    CooperationError,
    agreement_sign,
    ledger_entry_add,
    ledger_entry_transition,
    reconciliation,
)

D = dt.date(2019, 5, 10)


def _funds(coop, amount="1000", user=None):
    return ledger_entry_add(
        pairing=coop.district,
        year=2019,
        date=D,
        indicator="E07",
        amount=amount,
        user=user or coop.east_user,
        county=coop.district.west,
        evidence="拨款凭证",
    )


def _line(agreement, code):
    return next(ln for ln in reconciliation(agreement).lines if ln.code == code)


def test_the_other_side_confirms_an_entry(coop):
    entry = _funds(coop)
    assert entry.entered_by == "east" and entry.status == "pending"
    ledger_entry_transition(entry=entry, action="confirm", user=coop.west_user)
    entry.refresh_from_db()
    assert entry.status == "confirmed"
    review = LedgerReview.objects.get(entry=entry)
    assert (review.side, review.from_status, review.to_status, review.actor) == (
        "west",
        "pending",
        "confirmed",
        "qinan",
    )


def test_entering_side_cannot_confirm_its_own_entry(coop):
    entry = _funds(coop)
    with pytest.raises(CooperationDenied, match="录入方不能确认"):
        ledger_entry_transition(entry=entry, action="confirm", user=coop.east_user)
    # Nor by claiming to be the other side.
    with pytest.raises(CooperationDenied):
        ledger_entry_transition(entry=entry, action="confirm", user=coop.east_user, side="west")
    entry.refresh_from_db()
    assert entry.status == "pending" and not LedgerReview.objects.exists()


def test_dispute_needs_an_opinion_and_confirmed_entries_are_locked(coop):
    entry = _funds(coop)
    with pytest.raises(CooperationError, match="须填写意见"):
        ledger_entry_transition(entry=entry, action="dispute", user=coop.west_user)
    ledger_entry_transition(entry=entry, action="confirm", user=coop.west_user)
    with pytest.raises(CooperationConflict):
        ledger_entry_transition(entry=entry, action="dispute", user=coop.west_user, opinion="不对")


def test_a_user_of_neither_side_is_refused(coop, django_user_model):
    stranger = django_user_model.objects.create_user("stranger")
    with pytest.raises(CooperationDenied):
        _funds(coop, user=stranger)


def test_a_disputed_entry_counts_for_nothing_until_resolved(coop):
    agreement = agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "1500"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    confirmed = _funds(coop, "600")
    ledger_entry_transition(entry=confirmed, action="confirm", user=coop.west_user)
    disputed = _funds(coop, "900")
    ledger_entry_transition(
        entry=disputed, action="dispute", user=coop.west_user, opinion="资金未到账"
    )
    line = _line(agreement, "E07")
    assert line.value == Decimal("600")
    assert (line.disputed_entries, line.disputed_amount) == (1, Decimal("900"))
    assert line.completion == "partly"
    # Only the side that disputed may settle it; the entering side can amend or withdraw.
    with pytest.raises(CooperationDenied):
        ledger_entry_transition(
            entry=disputed, action="resolve", user=coop.east_user, opinion="已到账", amount="900"
        )
    ledger_entry_transition(
        entry=disputed,
        action="resolve",
        user=coop.west_user,
        opinion="核实到账 800 万元",
        amount="800",
    )
    line = _line(agreement, "E07")
    assert line.value == Decimal("1400") and line.completion == "partly"
    assert line.disputed_entries == 0


def test_amended_entry_waits_for_confirmation_again(coop):
    agreement = agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "500"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    entry = _funds(coop, "900")
    ledger_entry_transition(entry=entry, action="dispute", user=coop.west_user, opinion="多报")
    ledger_entry_transition(
        entry=entry, action="amend", user=coop.east_user, opinion="按凭证更正", amount="700"
    )
    assert _line(agreement, "E07").value == 0
    ledger_entry_transition(entry=entry, action="confirm", user=coop.west_user)
    line = _line(agreement, "E07")
    assert line.value == Decimal("700") and line.completion == "done"


def test_pending_entries_count_for_nothing_and_district_entries_roll_up(coop):
    agreement = agreement_sign(
        pairing=coop.top,
        year=2019,
        targets={"E07": "100", "E01": "2"},
        user=coop.tianjin_user,
        signed_on=dt.date(2019, 3, 1),
    )
    _funds(coop, "100")
    assert _line(agreement, "E07").completion == "not"
    visit = ledger_entry_add(
        pairing=coop.top, year=2019, date=D, indicator="E01", amount=1, user=coop.tianjin_user
    )
    assert visit.entered_by == "east"


def test_review_and_entry_are_audited(coop):
    entry = _funds(coop)
    ledger_entry_transition(entry=entry, action="dispute", user=coop.west_user, opinion="无凭证")
    rows = AuditEntry.objects.filter(model="LedgerEntry", object_key=str(entry.pk)).order_by("id")
    assert [r.action for r in rows] == ["create", "event"]
    assert rows[1].before["status"] == "pending" and rows[1].after["status"] == "disputed"
    assert rows[1].actor == "qinan"


def test_agreement_twice_is_a_conflict_unless_revised(coop):
    agreement_sign(pairing=coop.top, year=2019, targets={"E07": "1"}, user=coop.tianjin_user)
    with pytest.raises(CooperationConflict):
        agreement_sign(pairing=coop.top, year=2019, targets={"E07": "2"}, user=coop.tianjin_user)
    new = agreement_sign(
        pairing=coop.top, year=2019, targets={"E07": "2"}, user=coop.tianjin_user, revise=True
    )
    assert new.targets.get().target == 2
    # A district office is not a side of the province pairing.
    with pytest.raises(CooperationDenied):
        agreement_sign(pairing=coop.top, year=2020, targets={"E07": "2"}, user=coop.east_user)
