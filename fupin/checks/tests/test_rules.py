"""Each rule on small hand-built households: it flags the bad one, with a reason, and not the good one."""

from __future__ import annotations

import numpy as np
import pytest

from fupin.checks import BY_ID, RULES, CheckData, run_checks
from fupin.checks.identification import FAR_ABOVE_LINE_FACTOR
from fupin.checks.rule import ACCURACIES
from fupin.checks.tests.builders import LINE, YEAR, House, Member, build, events, id_number, ledger


def flagged(rule_id: str, data: CheckData) -> dict[int, str]:
    result = run_checks(data, [BY_ID[rule_id]]).rules[0]
    assert result.ran
    return dict(zip(result.rows.tolist(), result.reasons, strict=True))


def test_every_rule_has_a_chinese_title_and_one_of_the_eight_accuracies() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    for r in RULES:
        assert any("\u4e00" <= ch <= "\u9fff" for ch in r.title), r.id
        assert r.accuracy in ACCURACIES
    assert {r.accuracy for r in RULES} == set(ACCURACIES)


def test_far_above_line_flags_a_rich_poor_household_but_not_one_with_a_failed_guarantee() -> None:
    rich = FAR_ABOVE_LINE_FACTOR * LINE + 500
    data = build(
        [
            House(per_capita=rich),
            House(per_capita=rich, ok={"housing": False}),
            House(per_capita=0.9 * LINE),
            House(per_capita=rich, status="exited", exited_year=2018),
        ]
    )
    got = flagged("identification.far_above_line", data)
    assert list(got) == [0]
    assert "倍" in got[0] and "3218" in got[0]


def test_far_above_line_leaves_a_figure_that_only_disagrees_with_its_parts_to_the_income_rule() -> (
    None
):
    data = build([House(per_capita=2 * LINE, total=0.8 * LINE * 2)])
    assert flagged("identification.far_above_line", data) == {}
    assert list(flagged("income.per_capita_inconsistent", data)) == [0]


def test_not_registered_but_poor_uses_the_national_standard() -> None:
    data = build(
        [
            House(status="", registered=False, per_capita=0.9 * LINE),
            House(status="", registered=False, per_capita=2 * LINE),
            House(status="", registered=False, per_capita=2 * LINE, ok={"water": False}),
            House(per_capita=0.9 * LINE),
        ]
    )
    got = flagged("identification.not_registered_but_poor", data)
    assert sorted(got) == [0, 2]
    assert "饮水安全" in got[2]


def test_duplicate_member_flags_the_household_with_the_repeated_id_number_masked() -> None:
    twice = id_number(901)
    data = build(
        [
            House(members=[Member(id_number=twice), Member(id_number=twice)]),
            House(),
        ]
    )
    got = flagged("members.duplicate", data)
    assert list(got) == [0]
    assert twice not in got[0] and twice[:6] + "********" + twice[-4:] in got[0]
    assert "2 次" in got[0]


def test_duplicate_member_across_two_households_flags_both() -> None:
    twice = id_number(902)
    data = build(
        [House(members=[Member(id_number=twice)]), House(members=[Member(id_number=twice)])]
    )
    assert sorted(flagged("members.duplicate", data)) == [0, 1]


def test_deceased_member_is_flagged_only_while_the_household_is_in_the_registry() -> None:
    data = build(
        [
            House(members=[Member(), Member(deceased=True)]),
            House(status="removed", members=[Member(), Member(deceased=True)]),
            House(),
        ]
    )
    got = flagged("members.deceased", data)
    assert list(got) == [0]
    assert "已故" in got[0]


def test_size_mismatch() -> None:
    data = build([House(size=4), House()])
    got = flagged("members.size_mismatch", data)
    assert list(got) == [0] and "4 人" in got[0] and "2 人" in got[0]


def test_cause_illness_needs_a_sick_living_member() -> None:
    data = build(
        [
            House(main_cause="illness"),
            House(main_cause="illness", members=[Member(health="chronic")]),
            House(main_cause="capital", other_causes="illness"),
            House(main_cause="illness", members=[Member(health="serious", deceased=True)]),
        ]
    )
    assert sorted(flagged("causes.illness_no_sick", data)) == [0, 2, 3]


def test_cause_schooling_needs_a_student() -> None:
    data = build(
        [
            House(main_cause="schooling"),
            House(
                main_cause="schooling",
                members=[Member(), Member(birth="2008-03-01", school_status="in_school")],
            ),
        ]
    )
    got = flagged("causes.schooling_no_student", data)
    assert list(got) == [0] and "在校生" in got[0]


def test_cause_disability_needs_a_disabled_member() -> None:
    data = build(
        [
            House(main_cause="disability"),
            House(main_cause="disability", members=[Member(health="disabled")]),
        ]
    )
    assert list(flagged("causes.disability_no_disabled", data)) == [0]


def test_education_guarantee_contradicted_by_a_school_age_dropout() -> None:
    child = Member(birth="2007-06-01", school_status="dropped_out")
    adult = Member(birth="1990-06-01", school_status="dropped_out")
    data = build(
        [
            House(members=[Member(), child]),
            House(members=[Member(), child], ok={"education": False}),
            House(members=[Member(), adult]),
        ]
    )
    assert list(flagged("guarantees.education_dropout", data)) == [0]


def test_medical_guarantee_contradicted_by_an_uninsured_member() -> None:
    data = build(
        [
            House(members=[Member(), Member(insured=False)]),
            House(members=[Member(), Member(insured=False, deceased=True)]),
            House(members=[Member(), Member(insured=False)], ok={"medical": False}),
        ]
    )
    assert list(flagged("guarantees.medical_uninsured", data)) == [0]


def test_per_capita_inconsistent_with_total_or_parts() -> None:
    data = build(
        [
            House(per_capita=1000.0, total=3000.0),  # 3000 / 2 = 1500
            House(per_capita=1500.0, total=3000.0),
            House(per_capita=1500.4, total=3000.0),  # rounding
        ]
    )
    got = flagged("income.per_capita_inconsistent", data)
    assert list(got) == [0] and "÷ 2 人" in got[0]
    bad_parts = build([House(per_capita=1500.0, total=3000.0)])
    bad_parts.households.income_wages[0] += 900
    assert "之和" in flagged("income.per_capita_inconsistent", bad_parts)[0]


def test_negative_income() -> None:
    data = build([House(), House()])
    data.households.income_wages[0] = -10
    data.households.income_business[1] = -10  # business income is net and may be negative
    assert list(flagged("income.negative", data)) == [0]


def test_exit_with_a_failed_guarantee_names_it() -> None:
    data = build(
        [
            House(status="exited", exited_year=2018, per_capita=2 * LINE, ok={"housing": False}),
            House(status="exited", exited_year=2018, per_capita=2 * LINE),
            House(status="poor", ok={"housing": False}),
        ]
    )
    got = flagged("exits.failed_guarantee", data)
    assert list(got) == [0] and "住房安全有保障" in got[0]


def test_water_counts_only_from_2019() -> None:
    data = build(
        [House(status="exited", exited_year=2017, per_capita=2 * LINE, ok={"water": False})]
    )
    assert list(flagged("exits.failed_guarantee", data)) == [0]
    data.households.income_year[:] = 2018
    assert flagged("exits.failed_guarantee", data) == {}


def test_exit_with_income_not_above_the_line() -> None:
    data = build(
        [
            House(status="exited", exited_year=2018, per_capita=LINE),
            House(status="exited", exited_year=2018, per_capita=LINE + 1),
        ]
    )
    assert list(flagged("exits.income_not_above_line", data)) == [0]


def test_exit_without_an_exit_event() -> None:
    houses = [House(status="exited", exited_year=2018, per_capita=2 * LINE)] * 2
    data = build(
        houses,
        events=events([(0, "identified", 2014), (1, "identified", 2014), (1, "exited", 2018)]),
    )
    assert list(flagged("exits.no_exit_event", data)) == [0]


def test_exit_without_a_public_notice_for_its_year() -> None:
    houses = [House(status="exited", exited_year=2018, per_capita=2 * LINE)] * 3
    data = build(houses, exit_notices=ledger([1, 2], [2018, 2016]))
    assert sorted(flagged("exits.no_public_notice", data)) == [0, 2]


def test_ledger_rules() -> None:
    houses = [House(), House(), House(status="exited", exited_year=2018, per_capita=2 * LINE)]
    data = build(
        houses,
        plans=ledger([0, 2]),
        measures=ledger([0]),
        visits=ledger([0, 1, 2], [YEAR, YEAR - 1, YEAR]),
    )
    assert list(flagged("ledgers.no_plan", data)) == [1]
    assert list(flagged("ledgers.plan_without_measures", data)) == [2]
    got = flagged("ledgers.no_visit_this_year", data)
    assert list(got) == [1] and "2019" in got[1]


@pytest.mark.parametrize(
    "rule_id",
    [
        "ledgers.no_plan",
        "ledgers.plan_without_measures",
        "ledgers.no_visit_this_year",
        "exits.no_public_notice",
        "exits.no_exit_event",
    ],
)
def test_rules_without_their_data_are_not_run_rather_than_flagging_everyone(rule_id: str) -> None:
    result = run_checks(
        build([House(), House(status="exited", exited_year=2018)]), [BY_ID[rule_id]]
    )
    r = result.rules[0]
    assert not r.ran and r.flagged is None and r.note.startswith("not run: no data")
    assert result.households_flagged == 0


def test_result_summary_has_the_cli_shape_and_counts_households_once() -> None:
    data = build(
        [
            House(main_cause="illness", size=5),  # two rules flag the same household
            House(),
        ]
    )
    result = run_checks(data)
    summary = result.summary()
    assert set(summary) == {"rules", "households_flagged"}
    assert all(set(r) == {"id", "title", "flagged"} for r in summary["rules"])
    assert summary["households_flagged"] == 1
    assert result.counts()["causes.illness_no_sick"] == 1
    assert {row[1] for row in result.rows()} == {"causes.illness_no_sick", "members.size_mismatch"}


def test_bad_input_is_refused() -> None:
    from fupin.checks.data import DataError, PersonColumns

    data = build([House()])
    with pytest.raises(DataError):
        CheckData(
            households=data.households,
            persons=PersonColumns(**{**vars(data.persons), "household": np.array([0, 5])}),
            year=YEAR,
        )
    from fupin.checks import encode

    with pytest.raises(DataError, match="unknown"):
        encode(["poorly"], ("", "poor"))
