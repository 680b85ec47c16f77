"""The household exit procedure: appraisal → verification → agreement → notice → announcement → 销号."""

from __future__ import annotations

import datetime as dt

import pytest

from fupin.accounts.models import AuditEntry
from fupin.exits.models import ExitStep
from fupin.exits.services import (
    ExitError,
    exit_case_open,
    exit_case_transition,
    exit_criteria_check,
    exit_objection_record,
    exit_objection_resolve,
)
from fupin.exits.tests.conftest import EXIT_DATE, EXIT_YEAR, start_notice, to_noticed
from fupin.exits.workflows import ExitStatus
from fupin.regions.models import Level
from fupin.registry.models import EventKind, Status
from fupin.registry.services import household_update


def _finish(case, chain):
    chain.sign_through(case, Level.CITY)
    exit_case_transition(
        case=case,
        to=ExitStatus.ANNOUNCED,
        user=chain.office[Level.TOWNSHIP],
        date=dt.date(2019, 12, 10),
    )
    return exit_case_transition(
        case=case, to=ExitStatus.EXITED, user=chain.office[Level.COUNTY], date=EXIT_DATE
    )


def test_household_exit_happy_path_ends_exited_in_the_registry_with_an_audit_trail(
    noticed_case, chain, poor_household
):
    _finish(noticed_case, chain)
    poor_household.refresh_from_db()
    noticed_case.refresh_from_db()
    assert noticed_case.status == ExitStatus.EXITED
    assert poor_household.status == Status.EXITED
    assert poor_household.exited_year == EXIT_YEAR
    event = poor_household.events.order_by("-id").first()
    assert event.kind == EventKind.EXITED and event.date == EXIT_DATE
    steps = list(noticed_case.steps.values_list("to_status", flat=True))
    assert steps == [
        "proposed",
        "verified",
        "agreed",
        "in_notice",
        "noticed",
        "announced",
        "exited",
    ]
    notes = list(AuditEntry.objects.filter(household=poor_household).values_list("note", flat=True))
    assert any("村内公示" in n and "2019-11-01 至 2019-11-07" in n for n in notes)
    assert sum("3342签字" in n for n in notes) == 12
    assert any(n.startswith("脱贫") for n in notes)  # the registry's own event audit


def test_a_failing_criterion_stops_the_exit_with_the_chinese_reason(
    noticed_case, chain, poor_household
):
    household_update(household=poor_household, changes={"housing_ok": False}, actor="test")
    failed = exit_criteria_check(noticed_case)
    assert [c.code for c in failed] == ["housing_not_safe"]
    assert "住房安全无保障" in failed[0].message
    chain.sign_through(noticed_case, Level.CITY)
    with pytest.raises(ExitError, match="不符合退出标准：住房安全无保障"):
        exit_case_transition(
            case=noticed_case,
            to=ExitStatus.ANNOUNCED,
            user=chain.office[Level.TOWNSHIP],
            date=dt.date(2019, 12, 10),
        )
    noticed_case.refresh_from_db()
    assert noticed_case.status == ExitStatus.NOTICED


def test_income_at_or_below_the_line_is_explained_against_the_year_line(case, poor_household):
    household_update(household=poor_household, changes={"income_per_capita": 3000.0}, actor="t")
    failed = exit_criteria_check(case)
    assert failed[0].code == "income_not_stably_above_line"
    assert "3000" in failed[0].message and "3218" in failed[0].message


def test_an_unresolved_objection_in_the_public_notice_blocks_the_exit(case, chain):
    v = chain.office[Level.VILLAGE]
    exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=v, date=dt.date(2019, 10, 25))
    exit_case_transition(case=case, to=ExitStatus.AGREED, user=v, date=dt.date(2019, 10, 28))
    start_notice(case, chain)
    exit_objection_record(
        case=case, content="该户儿子在外务工收入未如实申报", user=v, raised_by_name="李四"
    )
    with pytest.raises(ExitError, match="公示有异议未解决.*尚未核实"):
        exit_case_transition(case=case, to=ExitStatus.NOTICED, user=v, date=dt.date(2019, 11, 8))


def test_an_upheld_objection_blocks_and_a_dismissed_one_does_not(case, chain):
    v, t = chain.office[Level.VILLAGE], chain.office[Level.TOWNSHIP]
    exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=v, date=dt.date(2019, 10, 25))
    exit_case_transition(case=case, to=ExitStatus.AGREED, user=v, date=dt.date(2019, 10, 28))
    start_notice(case, chain)
    upheld = exit_objection_record(case=case, content="房屋仍为危房", user=v)
    exit_objection_resolve(objection=upheld, upheld=True, opinion="入户查看属实", user=t)
    with pytest.raises(ExitError, match="异议成立"):
        exit_case_transition(case=case, to=ExitStatus.NOTICED, user=v, date=dt.date(2019, 11, 8))
    # Back to appraisal, a new notice; an objection dismissed after checking does not block.
    exit_case_transition(
        case=case,
        to=ExitStatus.PROPOSED,
        user=v,
        opinion="危房改造后重新评议",
        date=dt.date(2019, 11, 8),
    )
    exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=v, date=dt.date(2019, 11, 9))
    exit_case_transition(case=case, to=ExitStatus.AGREED, user=v, date=dt.date(2019, 11, 9))
    exit_case_transition(
        case=case,
        to=ExitStatus.IN_NOTICE,
        user=v,
        notice_start=dt.date(2019, 11, 10),
        notice_end=dt.date(2019, 11, 16),
        date=dt.date(2019, 11, 10),
    )
    dismissed = exit_objection_record(case=case, content="收入偏高", user=v)
    exit_objection_resolve(objection=dismissed, upheld=False, opinion="核对工资流水，无误", user=v)
    exit_case_transition(case=case, to=ExitStatus.NOTICED, user=v, date=dt.date(2019, 11, 17))
    case.refresh_from_db()
    assert case.status == ExitStatus.NOTICED


def test_the_notice_must_last_the_configured_days_and_run_out_before_it_closes(case, chain):
    v = chain.office[Level.VILLAGE]
    exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=v, date=dt.date(2019, 10, 25))
    exit_case_transition(case=case, to=ExitStatus.AGREED, user=v, date=dt.date(2019, 10, 28))
    with pytest.raises(ExitError, match="不得少于 7 天"):
        exit_case_transition(
            case=case,
            to=ExitStatus.IN_NOTICE,
            user=v,
            notice_start=dt.date(2019, 11, 1),
            notice_end=dt.date(2019, 11, 5),
        )
    start_notice(case, chain)
    with pytest.raises(ExitError, match="期满后方可确认无异议"):
        exit_case_transition(case=case, to=ExitStatus.NOTICED, user=v, date=dt.date(2019, 11, 7))


def test_steps_cannot_be_skipped_or_taken_by_the_wrong_office(case, chain):
    with pytest.raises(ExitError, match="不能转为“公示中”"):
        exit_case_transition(
            case=case,
            to=ExitStatus.IN_NOTICE,
            user=chain.office[Level.VILLAGE],
            notice_start=dt.date(2019, 11, 1),
            notice_end=dt.date(2019, 11, 7),
        )
    with pytest.raises(ExitError, match="须由东街村所属的村扶贫专干进行"):
        exit_case_transition(case=case, to=ExitStatus.VERIFIED, user=chain.neighbour_county)


def test_announcement_needs_all_twelve_signatures(noticed_case, chain):
    chain.sign_through(noticed_case, Level.COUNTY)
    with pytest.raises(ExitError, match="3342签字不全.*市\\(州\\)级尚缺"):
        exit_case_transition(
            case=noticed_case,
            to=ExitStatus.ANNOUNCED,
            user=chain.office[Level.TOWNSHIP],
            date=dt.date(2019, 12, 10),
        )


def test_a_household_already_exited_cannot_be_proposed_again(noticed_case, chain, poor_household):
    _finish(noticed_case, chain)
    with pytest.raises(ExitError, match="已于 2019-12-20 脱贫，此后没有返贫记录，不能再次退出"):
        exit_case_open(kind="household", household=poor_household, user=chain.office[Level.VILLAGE])


def test_steps_are_append_only(case):
    step = case.steps.first()
    step.opinion = "改写"
    with pytest.raises(Exception, match="只能追加"):
        step.save()
    assert ExitStep.objects.filter(case=case).count() == 1


def test_a_terminated_case_takes_no_further_step(case, chain):
    to_noticed(case, chain)
    with pytest.raises(ExitError, match="须写明理由"):
        exit_case_transition(case=case, to=ExitStatus.TERMINATED, user=chain.office[Level.COUNTY])
    exit_case_transition(
        case=case,
        to=ExitStatus.TERMINATED,
        user=chain.office[Level.COUNTY],
        opinion="抽查发现收入不实",
    )
    with pytest.raises(ExitError, match="已终止"):
        exit_case_transition(case=case, to=ExitStatus.ANNOUNCED, user=chain.office[Level.TOWNSHIP])
