"""The 3342 sign-off: bottom-up, fingerprinted, voided by a change, unapproved only from above."""

from __future__ import annotations

import hashlib

import pytest

from fupin.accounts.audit import canonical_json
from fupin.accounts.models import AuditEntry
from fupin.exits.models import Signature, SignatureVoid
from fupin.exits.services import (
    ExitError,
    exit_case_data_change,
    signature_add,
    signature_revoke,
    signatures_refresh,
    signoff_evaluate,
    signoff_is_final,
)
from fupin.exits.workflows import VoidKind
from fupin.regions.models import Level
from fupin.registry.services import household_update


def _valid(case, level=None):
    qs = Signature.objects.filter(case=case, void__isnull=True)
    return qs.filter(level=level) if level else qs


def test_county_cannot_sign_before_the_township_is_complete(noticed_case, chain):
    chain.sign(noticed_case, Level.VILLAGE)
    chain.sign(noticed_case, Level.TOWNSHIP, "township_secretary")
    with pytest.raises(
        ExitError, match="须自下而上签字：乡\\(镇\\)级尚缺 乡镇长、乡镇扶贫工作站站长"
    ):
        chain.sign(noticed_case, Level.COUNTY, "county_secretary")
    assert not _valid(noticed_case, Level.COUNTY).exists()


def test_the_township_cannot_sign_before_the_village_and_its_household(noticed_case, chain):
    chain.sign(noticed_case, Level.VILLAGE, "village_leaders")
    chain.sign(noticed_case, Level.VILLAGE, "work_team_leader")
    with pytest.raises(ExitError, match="村级尚缺 贫困户"):
        chain.sign(noticed_case, Level.TOWNSHIP, "township_head")


def test_a_signature_records_who_when_and_the_fingerprint_of_exactly_the_data_signed(
    noticed_case, chain, poor_household
):
    chain.sign(noticed_case, Level.VILLAGE, "village_leaders")
    s = Signature.objects.get(case=noticed_case)
    assert s.user == chain.signers[Level.VILLAGE]["village_leaders"] and s.at is not None
    assert s.fingerprint == hashlib.sha256(canonical_json(s.signed_data)).hexdigest()
    assert s.signed_data["facts"]["income_per_capita"] == 5000.0
    assert s.signed_data["facts"]["household_no"] == poor_household.household_no


def test_the_household_signs_through_a_village_officer_under_the_head_of_household_name(
    noticed_case, chain
):
    chain.sign(noticed_case, Level.VILLAGE, "household")
    s = Signature.objects.get(case=noticed_case, capacity="household")
    assert s.signatory_name == "张三"
    assert s.user == chain.signers[Level.VILLAGE]["village_leaders"]


def test_a_change_of_the_signed_data_after_signing_voids_the_signatures_above_and_says_so(
    noticed_case, chain
):
    chain.sign_through(noticed_case, Level.TOWNSHIP)
    chain.sign(noticed_case, Level.COUNTY, "county_secretary")
    voids = exit_case_data_change(
        case=noticed_case,
        changes={"income_per_capita": 4200.0},
        user=chain.office[Level.TOWNSHIP],
        reason="乡镇入户核查更正收入",
    )
    assert len(voids) == 7
    assert {v.kind for v in voids} == {VoidKind.DATA_CHANGED}
    assert not _valid(noticed_case).exists()
    village_void = SignatureVoid.objects.filter(signature__level=Level.VILLAGE).first()
    assert "签字后数据已变更：人均纯收入由 5000.0 改为 4200.0" in village_void.reason
    county_void = SignatureVoid.objects.get(signature__level=Level.COUNTY)
    assert "乡(镇)级签字已作废或重签" in county_void.reason
    step = noticed_case.steps.get(action="签字作废")
    assert "村级 3 个、乡(镇)级 3 个、县(区)级 1 个" in step.opinion
    assert "人均纯收入由 5000.0 改为 4200.0" in step.opinion
    assert AuditEntry.objects.filter(note__startswith="以下签字作废").exists()
    # Signed again on the new data, the chain holds.
    chain.sign_through(noticed_case, Level.CITY)
    assert signoff_is_final(noticed_case)


def test_a_change_made_in_the_registry_behind_the_case_voids_at_the_next_check(
    noticed_case, chain, poor_household
):
    chain.sign_through(noticed_case, Level.CITY)
    assert signoff_is_final(noticed_case)
    household_update(household=poor_household, changes={"water_ok": False}, actor="import")
    assert not signoff_is_final(noticed_case)
    voids = signatures_refresh(case=noticed_case)
    assert len(voids) == 12
    assert "饮水安全有保障由 是 改为 否" in voids[0].reason


def test_an_unchanged_fact_voids_nothing(noticed_case, chain):
    chain.sign(noticed_case, Level.VILLAGE)
    voids = exit_case_data_change(
        case=noticed_case,
        changes={"income_per_capita": 5000.0},
        user=chain.office[Level.VILLAGE],
        reason="复核",
    )
    assert voids == [] and _valid(noticed_case).count() == 3


def test_a_township_signer_cannot_revoke_the_county_signature(noticed_case, chain):
    chain.sign_through(noticed_case, Level.COUNTY)
    with pytest.raises(ExitError, match="县\\(区\\)级签字只能由上级撤销"):
        signature_revoke(
            case=noticed_case,
            level=Level.COUNTY,
            user=chain.signers[Level.TOWNSHIP]["township_head"],
            reason="不同意",
        )
    assert _valid(noticed_case, Level.COUNTY).count() == 4


def test_a_level_cannot_revoke_its_own_signatures(noticed_case, chain):
    chain.sign_through(noticed_case, Level.TOWNSHIP)
    with pytest.raises(ExitError, match="只能由上级撤销"):
        signature_revoke(
            case=noticed_case,
            level=Level.TOWNSHIP,
            user=chain.signers[Level.TOWNSHIP]["township_head"],
            reason="签错了",
        )


def test_a_county_signer_revokes_the_township_voiding_the_township_and_above(noticed_case, chain):
    chain.sign_through(noticed_case, Level.COUNTY)
    voids = signature_revoke(
        case=noticed_case,
        level=Level.TOWNSHIP,
        user=chain.signers[Level.COUNTY]["county_head"],
        reason="抽查发现乡镇核查走过场",
    )
    assert len(voids) == 7
    assert {v.kind for v in voids} == {VoidKind.REVOKED}
    assert _valid(noticed_case, Level.VILLAGE).count() == 3
    assert not _valid(noticed_case, Level.TOWNSHIP).exists()
    assert not _valid(noticed_case, Level.COUNTY).exists()
    assert "县(区)级 county_1 撤销乡(镇)级签字：抽查发现乡镇核查走过场" in voids[0].reason
    # The village's signatures still hold: the township signs again, then the county.
    chain.sign(noticed_case, Level.TOWNSHIP)
    chain.sign(noticed_case, Level.COUNTY)
    assert _valid(noticed_case, Level.COUNTY).count() == 4


def test_the_province_revokes_the_city(noticed_case, chain):
    chain.sign_through(noticed_case, Level.CITY)
    voids = signature_revoke(
        case=noticed_case,
        level=Level.CITY,
        user=chain.office[Level.PROVINCE],
        reason="省级核查发现问题",
    )
    assert len(voids) == 2 and not signoff_is_final(noticed_case)


def test_a_signer_from_the_wrong_region_is_refused(noticed_case, chain):
    chain.sign_through(noticed_case, Level.TOWNSHIP)
    with pytest.raises(ExitError, match="县委书记须由现任岷县县委书记county_0签字"):
        signature_add(
            case=noticed_case,
            level=Level.COUNTY,
            capacity_code="county_secretary",
            user=chain.neighbour_county,
            stand_in_reason="代签",
        )
    with pytest.raises(ExitError, match="只能由上级撤销"):
        signature_revoke(
            case=noticed_case, level=Level.TOWNSHIP, user=chain.neighbour_county, reason="越权"
        )


def test_an_officer_of_the_wrong_level_is_refused(noticed_case, chain):
    chain.sign(noticed_case, Level.VILLAGE)
    with pytest.raises(ExitError, match="代签须由岷阳镇乡\\(镇\\)级扶贫部门成员"):
        signature_add(
            case=noticed_case,
            level=Level.TOWNSHIP,
            capacity_code="township_head",
            user=chain.office[Level.COUNTY],
            stand_in_reason="乡镇长外出",
        )


def test_one_person_cannot_sign_twice_at_one_level(noticed_case, chain):
    chain.sign(noticed_case, Level.VILLAGE)
    chain.sign(noticed_case, Level.TOWNSHIP, "township_secretary")
    with pytest.raises(ExitError, match="同一人不能以两个身份签字"):
        signature_add(
            case=noticed_case,
            level=Level.TOWNSHIP,
            capacity_code="township_head",
            user=chain.signers[Level.TOWNSHIP]["township_secretary"],
            stand_in_reason="乡镇长外出",
        )
    with pytest.raises(ExitError, match="乡镇党委书记已签字"):
        signature_add(
            case=noticed_case,
            level=Level.TOWNSHIP,
            capacity_code="township_secretary",
            user=chain.signers[Level.TOWNSHIP]["township_head"],
            stand_in_reason="书记外出",
        )


def test_the_result_is_final_only_with_all_twelve_signatures(noticed_case, chain):
    chain.sign_through(noticed_case, Level.COUNTY)
    chain.sign(noticed_case, Level.CITY, "city_secretary")
    assert _valid(noticed_case).count() == 11
    assert not signoff_is_final(noticed_case)
    chain.sign(noticed_case, Level.CITY, "city_head")
    assert _valid(noticed_case).count() == 12
    assert signoff_is_final(noticed_case)
    assert all(state.complete for state in signoff_evaluate(noticed_case))


def test_signing_waits_for_the_public_notice(case, chain):
    with pytest.raises(ExitError, match="须在“公示无异议”后进行3342签字"):
        chain.sign(case, Level.VILLAGE, "village_leaders")
