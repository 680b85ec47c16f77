"""The synthetic Gansu cooperation year: shortfalls and disputes, so reconciliation differs."""

from __future__ import annotations

import pytest

from fupin.cooperation.models import Agreement, LedgerEntry, Pairing, PairingLevel
from fupin.cooperation.services import cross_checks, grade_compute, reconciliation, yoy_multiples
from fupin.demo.cooperation import cooperation_load_synthetic


@pytest.mark.django_db
def test_synthetic_year_reconciles_with_real_differences():
    counts = cooperation_load_synthetic(year=2019, seed=7)
    districts = Pairing.objects.filter(level=PairingLevel.DISTRICT)
    assert districts.count() == 59
    assert districts.values("east").distinct().count() == 39
    assert districts.values("west").distinct().count() == 58
    assert counts.agreements == Agreement.objects.count() == 4
    assert counts.disputed > 0 and counts.pending > 0 and counts.resolved > 0
    assert LedgerEntry.objects.filter(year=2019, status="disputed").count() == counts.disputed
    shortfalls = 0
    for agreement in Agreement.objects.all():
        recon = reconciliation(agreement)
        assert len(recon.lines) == 39
        shortfalls += sum(1 for ln in recon.lines if ln.completion != "done")
        for side in ("east", "west"):
            assert grade_compute(agreement, side, recon=recon).grade in {
                "good",
                "fairly_good",
                "average",
                "poor",
            }
    assert shortfalls >= 8
    tianjin = Pairing.objects.get(east__code="120000000000")
    assert {m.code: m.multiple for m in yoy_multiples(tianjin, 2019)}["E07"] is not None
    assert any(not c.ok for c in cross_checks(tianjin, 2019))
    with pytest.raises(ValueError):
        cooperation_load_synthetic(year=2019, seed=7)
