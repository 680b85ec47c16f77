"""Matching department lists with registry members: flags, reasons, readers, planted labels."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fupin.matching import BY_CODE, DepartmentList, ListError, match_lists, read_list
from fupin.matching.kinds import FACTS, Effect, Level

A, B, C = "11010519491231002X", "620121198001010016", "620121199002020026"
D = "620121201001010010"  # H2's child, at school


def members() -> pa.Table:
    return pa.table(
        {
            "household_no": ["H1", "H1", "H2", "H2"],
            "id_number": [A, B, C, D],
            "attribute": ["ordinary", "ordinary", "dibao", "dibao"],
            "health": ["healthy", "serious", "disabled", "healthy"],
            "school_status": ["graduated", "not_school_age", "graduated", "in_school"],
            "at_risk_housing": [False, False, True, True],
        }
    )


def test_a_death_matches_however_the_number_is_written() -> None:
    deaths = pa.table({"身份证号": [A.lower(), "999999199001010016", "620121 19800101 0016"]})
    result = match_lists(
        members(), [DepartmentList(BY_CODE["deaths"], "死亡.csv", deaths, "身份证号")]
    )
    assert result.flagged() == {("H1", "deaths", 0), ("H1", "deaths", 2)}
    [row] = result.flags.to_pylist()
    assert row["household_no"] == "H1" and row["kinds"] == ["deaths"]
    assert "已死亡" in row["reasons"] and row["sources"] == ["死亡.csv"]


def test_an_invalid_number_is_reported_and_never_matched() -> None:
    bad = B[:17] + "9"
    result = match_lists(
        members(), [DepartmentList(BY_CODE["vehicles"], "v", pa.table({"id_number": [bad]}))]
    )
    assert result.matches.num_rows == 0
    assert result.invalid.to_pylist() == [
        {"source": "v", "list_row": 0, "id_number": bad, "problem": "check_digit"}
    ]


def test_a_consistency_list_flags_disagreement_not_agreement() -> None:
    dibao = pa.table({"id_number": [A]})  # H1 is on the list but not a 低保 household; H2 claims it
    result = match_lists(members(), [DepartmentList(BY_CODE["dibao"], "低保", dibao)])
    assert result.flagged() == {("H1", "dibao", 0)}
    assert result.missing.column("household_no").to_pylist() == ["H2"]
    agree = match_lists(
        members(), [DepartmentList(BY_CODE["dibao"], "低保", pa.table({"id_number": [C]}))]
    )
    assert agree.flagged() == set() and agree.missing.num_rows == 0 and agree.matches.num_rows == 1


def test_csv_with_chinese_headers_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "车辆.csv"
    path.write_text(
        "姓名,公民身份号码,号牌\n张三,620121198001010016,甘A12345\n李四,0011,甘B1\n",
        encoding="utf-8",
    )
    dl = read_list(path, "vehicles")
    assert dl.id_column == "公民身份号码"
    result = match_lists(members(), [dl])
    assert result.flagged() == {("H1", "vehicles", 0)}
    assert result.invalid.column("id_number").to_pylist() == ["0011"]


def test_parquet_list_and_a_named_id_column(tmp_path: Path) -> None:
    path = tmp_path / "gs.parquet"
    pq.write_table(pa.table({"zjhm": [C, "x"]}), path)
    result = match_lists(members(), [read_list(path, "company", id_column="zjhm")])
    assert result.flagged() == {("H2", "company", 0)}
    with pytest.raises(ListError, match="no ID-number column"):
        read_list(path, "company")


# (kind, a number the registry agrees with, one it disagrees with → its household flagged, and
# the household then missing from the list). 大病 and 学籍 are the member's facts (D being on the
# 学籍 list does not cover another member); 危房 and 低保 the household's (any member covers it).
CONSISTENCY_CASES = [
    ("dibao", [D], A, "H1", "H2"),
    ("disability", [C], D, "H2", "H2"),
    ("serious_illness", [B], A, "H1", "H1"),
    ("school_roll", [D], C, "H2", "H2"),
    ("dangerous_house", [D], B, "H1", "H2"),
]


def test_every_consistency_kind_is_in_the_table_and_the_issue_names_them() -> None:
    consistency = {k.code for k in BY_CODE.values() if k.effect is Effect.CONSISTENCY}
    assert consistency == set(FACTS) == {c[0] for c in CONSISTENCY_CASES}
    assert {FACTS[c].level for c in ("serious_illness", "school_roll")} == {Level.MEMBER}
    assert FACTS["dangerous_house"].level is Level.HOUSEHOLD
    assert [
        BY_CODE[c].department for c in ("school_roll", "serious_illness", "dangerous_house")
    ] == [
        "教育",
        "卫生健康",
        "住房和城乡建设",
    ]


@pytest.mark.parametrize(("code", "agree", "disagree", "flagged", "missing"), CONSISTENCY_CASES)
def test_a_consistency_list_confirms_agreement_and_flags_disagreement_both_ways(
    code: str, agree: list[str], disagree: str, flagged: str, missing: str
) -> None:
    kind = BY_CODE[code]
    ok = match_lists(members(), [DepartmentList(kind, "名单", pa.table({"id_number": agree}))])
    assert ok.flagged() == set() and ok.missing.num_rows == 0
    assert ok.matches.num_rows == len(agree) and ok.lists[0].flagged_households == 0
    bad = match_lists(
        members(), [DepartmentList(kind, "名单", pa.table({"id_number": [disagree]}))]
    )
    assert bad.flagged() == {(flagged, code, 0)}
    assert bad.matches.column("reason").to_pylist() == [kind.reason]
    assert bad.missing.to_pylist() == [
        {"household_no": missing, "kind": code, "source": "名单", "reason": kind.missing_reason}
    ]


def test_a_fact_the_members_table_does_not_carry_is_unknown_and_claims_nothing() -> None:
    bare = members().drop_columns(["school_status", "at_risk_housing"])
    roll = match_lists(
        bare, [DepartmentList(BY_CODE["school_roll"], "学籍", pa.table({"id_number": [D]}))]
    )
    assert roll.flagged() == {("H2", "school_roll", 0)} and roll.missing.num_rows == 0
