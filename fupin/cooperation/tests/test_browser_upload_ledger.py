"""In a real browser: the 津南区 office uploads a cooperation ledger on the upload page, reads the
dry-run report (nothing written), confirms, sees the result and opens the pairing's ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fupin.cooperation.models import LedgerEntry
from fupin.cooperation.tests.test_uploads import GOOD, ledger_xlsx
from fupin.cooperation.uploads import LEDGER_KIND
from fupin.registry.models import Upload
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_an_eastern_office_uploads_checks_and_confirms_a_ledger(
    browser_page: Any, coop: Any, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    path = tmp_path / "津南区台账.xlsx"
    path.write_bytes(ledger_xlsx(GOOD))
    page = browser_page
    log_in(page, with_password(coop.east_user))

    page.goto(f"/imports/?kind={LEDGER_KIND}")
    assert page.input_value("select[name=kind]") == LEDGER_KIND
    # The page shows the chosen kind's hint and options only: the ledger's side, not a campaign.
    assert page.is_visible("select[name=option_side]")
    assert not page.is_visible("select[name=option_campaign]")
    shown = page.eval_on_selector_all(
        ".upload-hint", "els => els.filter(e => !e.hidden).map(e => e.dataset.kind)"
    )
    assert shown == [LEDGER_KIND]
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#dry-run")
    assert "数据库未改动" in page.inner_text("#dry-run-outcome")
    assert "将新增台账条目" in page.inner_text("#counts")
    assert not LedgerEntry.objects.exists()

    page.click("#confirm")
    page.wait_for_selector("#import-result")
    assert page.get_attribute("#upload-status", "data-status") == "done"
    assert Upload.objects.get().status == "done"
    assert LedgerEntry.objects.count() == 2

    page.click("#result-links a")
    page.wait_for_selector("#ledger")
    assert "冷库" in page.inner_text("#ledger")
