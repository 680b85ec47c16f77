"""The exit API: scoped like the pages; transition, sign and revoke through the services, refusals
as 400/403/409 with the service's Chinese message."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.exits.models import ExitCase, Signature, SignatureVoid
from fupin.exits.tests.conftest import Chain
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level
from fupin.testing.worlds import World

pytestmark = pytest.mark.django_db

BASE = "/api/exits/cases"


def _api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_anonymous_calls_get_401(case: ExitCase) -> None:
    assert _api(None).get(f"{BASE}/").status_code == 401
    assert _api(None).get(f"{BASE}/{case.pk}/").status_code == 401
    r = _api(None).post(f"{BASE}/{case.pk}/sign/", {"level": "village", "capacity": "household"})
    assert r.status_code == 401
    assert not Signature.objects.exists()


def test_the_county_office_lists_and_reads_the_case(world: World, case: ExitCase) -> None:
    client = _api(world.users["county_officer"])
    rows = client.get(f"{BASE}/").json()["results"]
    assert [(r["id"], r["kind"], r["status"], r["subject"]) for r in rows] == [
        (case.pk, "household", "proposed", case.household.household_no)
    ]
    assert client.get(f"{BASE}/", {"status": "exited"}).json()["results"] == []
    assert client.get(f"{BASE}/", {"status": "nonsense"}).status_code == 400
    body = client.get(f"{BASE}/{case.pk}/").json()
    assert [s["action"] for s in body["steps"]] == ["村民主评议提出拟退出户"]
    assert body["criteria_met"] is True and all(c["passed"] for c in body["criteria"])
    assert body["signoff"]["final"] is False
    assert body["signoff"]["missing"].startswith("村级尚缺 村党支部书记和村委会主任")
    assert [lv["level"] for lv in body["signoff"]["levels"]] == [
        "village",
        "township",
        "county",
        "city",
    ]
    assert [len(lv["capacities"]) for lv in body["signoff"]["levels"]] == [3, 3, 4, 2]


def test_the_neighbouring_county_gets_404_and_an_empty_list(world: World, case: ExitCase) -> None:
    client = _api(world.users["neighbour_officer"])
    assert client.get(f"{BASE}/").json()["results"] == []
    assert client.get(f"{BASE}/{case.pk}/").status_code == 404
    r = client.post(f"{BASE}/{case.pk}/transition/", {"to": "verified"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.status == ExitStatus.PROPOSED


def test_guessed_ids_answer_404(world: World, case: ExitCase) -> None:
    client = _api(world.users["county_officer"])
    assert client.get(f"{BASE}/99999999/").status_code == 404
    assert client.get(f"{BASE}/99999999999999999999999/").status_code == 404


def test_a_transition_goes_through_the_service(case: ExitCase, chain: Chain) -> None:
    r = _api(chain.office[Level.VILLAGE]).post(
        f"{BASE}/{case.pk}/transition/",
        {
            "to": "verified",
            "opinion": "入户核实属实",
            "evidence": ["核实表.pdf"],
            "date": "2019-10-25",
        },
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "verified"
    assert r.json()["steps"][-1]["evidence"] == ["核实表.pdf"]


def test_transition_refusals_are_403_409_and_400(case: ExitCase, chain: Chain) -> None:
    county = _api(chain.office[Level.COUNTY])
    r = county.post(f"{BASE}/{case.pk}/transition/", {"to": "verified"})
    assert r.status_code == 403
    assert r.json()["detail"] == "“村两委和驻村工作队核实”须由东街村所属的村扶贫专干进行"
    r = county.post(f"{BASE}/{case.pk}/transition/", {"to": "exited"})
    assert r.status_code == 409 and "不能转为“已销号”" in r.json()["detail"]
    village = _api(chain.office[Level.VILLAGE])
    r = village.post(f"{BASE}/{case.pk}/transition/", {"to": "terminated"})
    assert r.status_code == 400 and r.json()["detail"] == "终止退出程序须写明理由"
    case.refresh_from_db()
    assert case.status == ExitStatus.PROPOSED


def test_a_signature_through_the_api_is_written(noticed_case: ExitCase, chain: Chain) -> None:
    signer = chain.signers[Level.VILLAGE]["village_leaders"]
    r = _api(signer).post(
        f"{BASE}/{noticed_case.pk}/sign/", {"level": "village", "capacity": "village_leaders"}
    )
    assert r.status_code == 200, r.json()
    s = Signature.objects.get(case=noticed_case)
    assert s.user == signer
    row = r.json()["signatures"][0]
    assert (row["capacity"], row["fingerprint"], row["valid"]) == (
        "village_leaders",
        s.fingerprint,
        True,
    )


def test_a_wrong_region_signer_is_refused_and_nothing_changes(
    world: World, noticed_case: ExitCase, chain: Chain
) -> None:
    r = _api(world.users["county_officer"]).post(
        f"{BASE}/{noticed_case.pk}/sign/", {"level": "village", "capacity": "village_leaders"}
    )
    assert r.status_code == 403 and "须由现任东街村村党支部书记village_0签字" in r.json()["detail"]
    r = _api(chain.neighbour_county).post(
        f"{BASE}/{noticed_case.pk}/sign/", {"level": "county", "capacity": "county_head"}
    )
    assert r.status_code == 404
    r = _api(chain.signers[Level.COUNTY]["county_head"]).post(
        f"{BASE}/{noticed_case.pk}/sign/", {"level": "county", "capacity": "county_head"}
    )
    assert r.status_code == 409 and "须自下而上签字" in r.json()["detail"]
    assert not Signature.objects.exists()


def test_revoke_only_from_above(noticed_case: ExitCase, chain: Chain) -> None:
    chain.sign(noticed_case, Level.VILLAGE)
    url = f"{BASE}/{noticed_case.pk}/revoke/"
    r = _api(chain.office[Level.VILLAGE]).post(url, {"level": "village", "reason": "撤回"})
    assert r.status_code == 403
    assert not SignatureVoid.objects.exists()
    r = _api(chain.office[Level.TOWNSHIP]).post(url, {"level": "village", "reason": "签字有误"})
    assert r.status_code == 200, r.json()
    voids = [s["void"] for s in r.json()["signatures"]]
    assert len(voids) == 3 and all(v["kind"] == "revoked" for v in voids)
    assert "签字有误" in voids[0]["reason"]
    r = _api(chain.office[Level.TOWNSHIP]).post(url, {"level": "village", "reason": "再撤"})
    assert r.status_code == 409
