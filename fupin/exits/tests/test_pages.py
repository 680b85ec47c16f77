"""The exit pages: scoped like the registry, refusals shown with the service's message and nothing
changed, and the 3342 sign-off through the page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.exits.models import ExitCase, Signature, SignatureVoid
from fupin.exits.tests.conftest import Chain
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

COUNTY = "621126000000"
VILLAGE = "621126100001"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_county_office_sees_the_case_page_with_steps_criteria_and_the_grid(
    world: World, case: ExitCase
) -> None:
    r = _client(world.users["county_officer"]).get(reverse("exits:case", args=[case.pk]))
    assert r.status_code == 200
    html = r.content.decode()
    assert "村民主评议提出拟退出户" in html and "村民代表会议评议通过" in html  # the first step
    assert "评议会议记录.pdf" in html
    assert "退出标准核查" in html
    for label in ("村级", "乡(镇)级", "县(区)级", "市(州)级", "县统计局局长", "市(州)长"):
        assert label in html
    assert "村级尚缺 村党支部书记和村委会主任、驻村帮扶工作队队长、贫困户" in html


def test_the_region_list_counts_cases_per_status_and_filters(world: World, case: ExitCase) -> None:
    client = _client(world.users["county_officer"])
    html = client.get(reverse("exits:region", args=[COUNTY])).content.decode()
    assert case.subject_code in html and "拟退出" in html
    html = client.get(reverse("exits:region", args=[COUNTY]), {"status": "exited"}).content.decode()
    assert reverse("exits:case", args=[case.pk]) not in html
    html = client.get(reverse("exits:list"), {"kind": "household"}).content.decode()
    assert reverse("exits:case", args=[case.pk]) in html


def test_the_neighbouring_county_gets_404_on_the_case_and_the_region(
    world: World, case: ExitCase
) -> None:
    client = _client(world.users["neighbour_officer"])
    assert client.get(reverse("exits:case", args=[case.pk])).status_code == 404
    assert client.get(reverse("exits:region", args=[COUNTY])).status_code == 404
    assert client.get(reverse("exits:case", args=[case.pk + 999])).status_code == 404
    html = client.get(reverse("exits:list")).content.decode()
    assert case.subject_code not in html
    r = client.post(reverse("exits:transition", args=[case.pk]), {"to": "verified"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.status == ExitStatus.PROPOSED


def test_a_cadre_sees_the_case_of_their_household(world: World, case: ExitCase) -> None:
    assert (
        _client(world.users["cadre"]).get(reverse("exits:case", args=[case.pk])).status_code == 200
    )


def test_the_village_office_takes_a_step_through_the_page(case: ExitCase, chain: Chain) -> None:
    client = _client(chain.office[Level.VILLAGE])
    html = client.get(reverse("exits:case", args=[case.pk])).content.decode()
    assert "村两委和驻村工作队核实" in html  # an allowed move for the village office
    r = client.post(
        reverse("exits:transition", args=[case.pk]),
        {"to": "verified", "opinion": "入户核实属实", "date": "2019-10-25"},
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == ExitStatus.VERIFIED


def test_terminating_needs_a_confirmation(case: ExitCase, chain: Chain) -> None:
    client = _client(chain.office[Level.VILLAGE])
    url = reverse("exits:transition", args=[case.pk])
    r = client.post(url, {"to": "terminated", "opinion": "该户因病返贫"})
    assert r.status_code == 400 and "此操作须勾选确认" in r.content.decode()
    case.refresh_from_db()
    assert case.status == ExitStatus.PROPOSED
    r = client.post(url, {"to": "terminated", "opinion": "该户因病返贫", "confirm": "on"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == ExitStatus.TERMINATED


def test_a_step_not_the_users_is_refused_with_403_and_the_services_message(
    case: ExitCase, chain: Chain
) -> None:
    r = _client(chain.office[Level.COUNTY]).post(
        reverse("exits:transition", args=[case.pk]), {"to": "verified"}
    )
    assert r.status_code == 403
    assert "“村两委和驻村工作队核实”须由东街村所属的村扶贫专干进行" in r.content.decode()
    case.refresh_from_db()
    assert case.status == ExitStatus.PROPOSED


def test_a_step_the_state_does_not_allow_is_refused_with_409(case: ExitCase, chain: Chain) -> None:
    r = _client(chain.office[Level.COUNTY]).post(
        reverse("exits:transition", args=[case.pk]), {"to": "exited"}
    )
    assert r.status_code == 409 and "不能转为“已销号”" in r.content.decode()


def test_a_signature_through_the_page_is_written(noticed_case: ExitCase, chain: Chain) -> None:
    signer = chain.signers[Level.VILLAGE]["village_leaders"]
    client = _client(signer)
    html = client.get(reverse("exits:case", args=[noticed_case.pk])).content.decode()
    assert 'value="village:village_leaders"' in html
    assert 'value="township:township_head"' not in html  # not the village officer's level
    r = client.post(
        reverse("exits:sign", args=[noticed_case.pk]), {"capacity": "village:village_leaders"}
    )
    assert r.status_code == 302
    s = Signature.objects.get(case=noticed_case)
    assert (s.level, s.capacity, s.user) == (Level.VILLAGE, "village_leaders", signer)
    html = client.get(reverse("exits:case", args=[noticed_case.pk])).content.decode()
    assert s.fingerprint[:12] in html


def test_a_signer_of_another_level_or_region_is_refused_and_nothing_changes(
    world: World, noticed_case: ExitCase
) -> None:
    # The county office sees the case but signs only at the county level.
    r = _client(world.users["county_officer"]).post(
        reverse("exits:sign", args=[noticed_case.pk]), {"capacity": "village:village_leaders"}
    )
    assert r.status_code == 403
    assert "须由现任东街村村党支部书记village_0签字" in r.content.decode()
    # A village office of another village (马家沟村) does not even see it.
    other = world.other_household.village
    user = world.users["nobody"]
    membership_grant(user=user, role=Role.VILLAGE_OFFICE, region=other.code)
    r = _client(user).post(
        reverse("exits:sign", args=[noticed_case.pk]), {"capacity": "village:village_leaders"}
    )
    assert r.status_code == 404
    assert not Signature.objects.filter(case=noticed_case).exists()


def test_signing_before_the_notice_is_refused_with_409(case: ExitCase, chain: Chain) -> None:
    r = _client(chain.signers[Level.VILLAGE]["village_leaders"]).post(
        reverse("exits:sign", args=[case.pk]), {"capacity": "village:village_leaders"}
    )
    assert r.status_code == 409 and "后进行3342签字" in r.content.decode()
    assert not Signature.objects.exists()


def test_a_higher_level_revokes_and_the_grid_strikes_the_signatures_through(
    noticed_case: ExitCase, chain: Chain
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    url = reverse("exits:revoke", args=[noticed_case.pk])
    village = _client(chain.office[Level.VILLAGE])
    r = village.post(url, {"level": "village", "reason": "自行撤回", "confirm": "on"})
    assert r.status_code == 403 and "村级签字只能由上级撤销" in r.content.decode()
    township = _client(chain.office[Level.TOWNSHIP])
    r = township.post(url, {"level": "village", "reason": "户主签字非本人"})
    assert r.status_code == 400  # not confirmed
    assert not SignatureVoid.objects.exists()
    r = township.post(url, {"level": "village", "reason": "户主签字非本人", "confirm": "on"})
    assert r.status_code == 302
    assert SignatureVoid.objects.count() == 3
    html = township.get(reverse("exits:case", args=[noticed_case.pk])).content.decode()
    assert "<del>" in html and "户主签字非本人" in html


def test_a_data_change_shows_the_signatures_it_voids_before_it_changes_anything(
    noticed_case: ExitCase, chain: Chain, poor_household
) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    client = _client(chain.office[Level.TOWNSHIP])
    url = reverse("exits:data_change", args=[noticed_case.pk])
    form = {
        "income_year": "2019",
        "income_per_capita": "4200",
        "size": "1",
        "food_ok": "1",
        "clothing_ok": "1",
        "education_ok": "1",
        "medical_ok": "1",
        "housing_ok": "1",
        "water_ok": "1",
        "reason": "入户核查更正收入",
    }
    r = client.post(url, form)
    assert r.status_code == 200
    html = r.content.decode()
    assert "变更后以下 3 个签字作废" in html and "人均纯收入由 5000.0 改为 4200.0" in html
    assert not SignatureVoid.objects.exists()
    poor_household.refresh_from_db()
    assert poor_household.income_per_capita == 5000.0
    r = client.post(url, {**form, "confirm": "1"})
    assert r.status_code == 302
    assert SignatureVoid.objects.count() == 3
    poor_household.refresh_from_db()
    assert poor_household.income_per_capita == 4200.0


def test_opening_a_second_case_for_the_household_is_refused_with_409(
    case: ExitCase, chain: Chain
) -> None:
    r = _client(chain.office[Level.VILLAGE]).post(
        reverse("exits:open", args=[VILLAGE]),
        {"kind": "household", "household_no": case.household.household_no},
    )
    assert r.status_code == 409 and "已有进行中的退出事项" in r.content.decode()
    assert ExitCase.objects.count() == 1


def test_the_township_opens_a_village_exit_through_the_page(gansu_village, chain: Chain) -> None:
    client = _client(chain.office[Level.TOWNSHIP])
    html = client.get(reverse("exits:region", args=[VILLAGE])).content.decode()
    assert "提出退出" in html
    r = client.post(
        reverse("exits:open", args=[VILLAGE]),
        {"kind": "village", "region_code": VILLAGE, "opinion": "乡镇提出"},
    )
    assert r.status_code == 302
    case = ExitCase.objects.get(kind="village")
    assert r["Location"] == reverse("exits:case", args=[case.pk])
    assert case.region == gansu_village and case.status == ExitStatus.PROPOSED


def test_anonymous_visitors_are_sent_to_login(case: ExitCase) -> None:
    for url in (reverse("exits:case", args=[case.pk]), reverse("exits:list")):
        r = Client().get(url)
        assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    r = Client().post(reverse("exits:sign", args=[case.pk]), {"capacity": "village:household"})
    assert r.status_code == 302
    assert not Signature.objects.exists()
