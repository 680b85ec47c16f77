"""In a real browser: a county office uploads a registry file, reads the dry-run report, fixes
nothing, confirms, watches the progress finish (the page polls itself) and sees the households."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.registry.models import Household, Upload
from fupin.registry.tests.conftest import COUNTY, Rows, Tree, write_xlsx
from fupin.testing.browser import log_in, with_password

pytestmark = pytest.mark.browser


def test_county_office_uploads_checks_confirms_and_sees_the_households(
    browser_page: Any, tree: Tree, tmp_path: Path, settings: Any
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    office = get_user_model().objects.create_user("minxian_office")
    membership_grant(user=office, role=Role.COUNTY_OFFICE, region=COUNTY)
    rows = Rows()
    first, second = rows.household("H001"), rows.household("H002", status="exited")
    path = write_xlsx(tmp_path / "岷县建档立卡.xlsx", first[0] + second[0], first[1] + second[1])
    page = browser_page
    log_in(page, with_password(office))

    page.goto("/")
    page.goto("/imports/")
    hints = ".upload-hint"
    assert page.locator(hints).count() > 1  # every kind's hint while none is chosen
    page.select_option("select[name=kind]", "registry")
    shown = page.eval_on_selector_all(
        hints, "els => els.filter(e => !e.hidden).map(e => e.dataset.kind)"
    )
    assert set(shown) <= {"registry"}  # then the chosen kind's only
    page.set_input_files("input[name=file]", str(path))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#dry-run")
    assert "数据库未改动" in page.inner_text("#dry-run-outcome")
    assert page.inner_text("#count-new") == "2"
    assert not Household.objects.exists()

    page.click("#confirm")
    # The page reloads itself while the import runs; wait for the state it ends in.
    page.wait_for_selector("#import-result")
    assert page.get_attribute("#upload-status", "data-status") == "done"
    assert page.inner_text("#count-new") == "2"
    assert Upload.objects.get().status == "done"

    page.click("#households-link")
    page.wait_for_selector("text=H002")
    assert "H001" in page.content()
