"""The department lists the issue names beyond 低保 and 残联 — 教育学籍, 卫健大病, 住建危房 —
uploaded in the browser and through the API, compared with the registry's own facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.regions.models import Region
from fupin.registry import uploads
from fupin.registry.models import Household, Person, Upload, UploadStatus
from fupin.registry.tests.conftest import COUNTY, VILLAGE_A, Tree

pytestmark = pytest.mark.django_db
HEAD_1, CHILD_1 = "62112619850303001X", "621126201205050025"
HEAD_2 = "620121198001010016"


@pytest.fixture(autouse=True)
def _inline(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.DATA_DIR = tmp_path / "data"
    monkeypatch.setattr(uploads, "RUN_INLINE", True)


@pytest.fixture
def office(tree: Tree) -> Client:
    """A county office's browser, its county holding H1 (a 危房户 with a child at school and a
    member with a serious illness) and H2 (none of these)."""
    village = Region.objects.get(code=VILLAGE_A)
    h1 = Household.objects.create(household_no="H1", village=village, at_risk_housing=True)
    h2 = Household.objects.create(household_no="H2", village=village)
    for h, no, relation, school, health in (
        (h1, HEAD_1, "head", "graduated", "serious"),
        (h1, CHILD_1, "child", "in_school", "healthy"),
        (h2, HEAD_2, "head", "graduated", "healthy"),
    ):
        Person.objects.create(
            household=h,
            id_number=no,
            name="某",
            relation=relation,
            sex="male",
            birth_date=dt.date(1985, 3, 3),
            school_status=school,
            health=health,
        )
    user = get_user_model().objects.create_user("minxian", password="Kinds-Test-Pass-1")
    membership_grant(user=user, role=Role.COUNTY_OFFICE, region=COUNTY)
    c = Client()
    c.force_login(user)
    return c


def _csv(ids: list[str]) -> bytes:
    return ("姓名,身份证号\n" + "".join(f"某{i},{n}\n" for i, n in enumerate(ids))).encode()


def test_the_upload_page_offers_the_three_lists_and_a_dangerous_house_list_is_compared(
    office: Client,
) -> None:
    form = office.get("/imports/").content.decode()
    assert all(t in form for t in ("学生学籍名单", "大病患者名单", "农村危房户名单"))
    # H2's head is on the 住建 list though the registry does not mark H2 a 危房户; H1 is
    # marked but no member of it is on the list: both are flagged, nothing confirmed.
    r = office.post(
        "/imports/",
        {"kind": "dangerous_house", "file": SimpleUploadedFile("危房.csv", _csv([HEAD_2]))},
    )
    assert r.status_code == 302
    upload = Upload.objects.get()
    done = office.post(f"/imports/{upload.pk}/confirm/", follow=True).content.decode()
    upload.refresh_from_db()
    assert upload.status == UploadStatus.DONE
    got = {h["household_no"]: (h["flag"], h["reasons"]) for h in upload.result["households"]}
    assert got == {
        "H1": (True, ["建档立卡户登记为危房户，但住建危房户名单中无该户成员"]),
        "H2": (True, ["家庭成员在住建危房户名单中，但建档立卡户未登记为危房户"]),
    }
    assert "农村危房户名单" in done and "但建档立卡户未登记为危房户" in done
    assert HEAD_2 not in done


@pytest.mark.parametrize(
    ("kind", "ids", "flagged", "confirmed"),
    [
        # the child at school is on the roll (confirmed); H2's head, not at school, is flagged
        ("school_roll", [CHILD_1, HEAD_2], {"H2"}, {"H1"}),
        # H1's head has a serious illness on record and is on the list: confirmed
        ("serious_illness", [HEAD_1], set(), {"H1"}),
        # the child is on the list with no illness recorded, and the head is missing: flagged
        ("serious_illness", [CHILD_1], {"H1"}, set()),
    ],
)
def test_the_api_compares_the_school_roll_and_the_serious_illness_list(
    office: Client, kind: str, ids: list[str], flagged: set[str], confirmed: set[str]
) -> None:
    r = office.post(
        "/api/registry/department-lists/",
        {"file": SimpleUploadedFile("名单.csv", _csv(ids)), "kind": kind, "dry_run": "false"},
    )
    assert r.status_code == 201, r.content
    res = r.json()["result"]
    assert res["kind"] == kind and res["rows_read"] == len(ids)
    assert {h["household_no"] for h in res["households"] if h["flag"]} == flagged
    assert {h["household_no"] for h in res["households"] if not h["flag"]} == confirmed
