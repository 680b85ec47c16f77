"""Tests for resident ID numbers: check digits, dates, normalisation and masking."""

from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from fupin.policy import idnumber

VALID = "11010519491231002X"  # the GB 11643 example number


def codes(raw: str, **kw: object) -> list[str]:
    return [p.code for p in idnumber.problems(raw, **kw)]  # type: ignore[arg-type]


def with_check(first17: str) -> str:
    return first17 + idnumber.check_digit(first17)


def test_known_valid_number_has_no_problems() -> None:
    assert idnumber.problems(VALID) == []
    assert idnumber.is_valid(VALID)


def test_check_digit_of_the_standard_example_is_x() -> None:
    assert idnumber.check_digit(VALID[:17]) == "X"


def test_wrong_check_digit_is_reported_with_the_expected_one() -> None:
    found = idnumber.problems("110105194912310021")
    assert [p.code for p in found] == ["check_digit"]
    assert "应为 X" in found[0].message and "实际为 1" in found[0].message


def test_february_30_is_not_a_date() -> None:
    assert codes(with_check("11010519490230002")) == ["birth_date"]


def test_birth_date_in_the_future_is_impossible() -> None:
    raw = with_check("11010520990101002")
    assert codes(raw, today=dt.date(2020, 1, 1)) == ["birth_date"]
    assert codes(with_check("11010520190101002"), today=dt.date(2020, 1, 1)) == []


def test_birth_before_1890_is_impossible() -> None:
    assert codes(with_check("11010518800101002")) == ["birth_date"]


def test_wrong_length_is_a_format_problem() -> None:
    assert codes("1101051949123100") == ["format"]
    assert codes("11010519491231002Y") == ["format"]


def test_fifteen_digit_number_is_widened_with_19_and_a_check_digit() -> None:
    assert idnumber.normalize("110105491231002") == VALID
    assert idnumber.is_valid("110105491231002")


def test_lower_case_x_and_spaces_normalise() -> None:
    assert idnumber.normalize(" 110105 19491231 002x ") == VALID
    assert idnumber.is_valid("110105 19491231 002x")


def test_full_width_characters_normalise_to_ascii() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in VALID)  # １１０…Ｘ, typed with a Chinese IME
    assert idnumber.normalize(full_width) == VALID
    assert idnumber.is_valid(full_width)


def test_digits_of_other_scripts_are_not_an_id_number() -> None:
    arabic_indic = "".join("٠١٢٣٤٥٦٧٨٩"[int(c)] for c in VALID[:17]) + "X"
    assert codes(arabic_indic) == ["format"]


def test_invalid_province_prefix_is_reported() -> None:
    assert "region_prefix" in codes(with_check("90010519491231002"))


def test_known_prefix_must_match_the_household_region() -> None:
    assert codes(VALID, known_prefix="11") == []
    found = idnumber.problems(VALID, known_prefix="62")
    assert [p.code for p in found] == ["region_prefix"]
    assert "62" in found[0].message


def test_mask_keeps_first_six_and_last_four() -> None:
    assert idnumber.mask("620102199001011234") == "620102********1234"
    assert idnumber.mask(VALID.lower()) == "110105********002X"


def test_mask_of_short_or_empty_input_hides_everything() -> None:
    assert idnumber.mask("") == ""
    assert idnumber.mask("12345") == "*****"


def test_birth_date_and_sex_are_read_from_the_number() -> None:
    assert idnumber.birth_date(VALID) == dt.date(1949, 12, 31)
    assert idnumber.sex(VALID) == "female"  # 17th digit 2 is even
    assert idnumber.sex(with_check("11010519491231001")) == "male"


@given(st.lists(st.integers(0, 9), min_size=17, max_size=17))
def test_vectorised_check_digits_agree_with_the_scalar_one(digits: list[int]) -> None:
    first17 = "".join(map(str, digits))
    arr = np.array([digits], dtype=np.int64)
    assert idnumber.check_digits(arr)[0] == idnumber.check_digit(first17)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(0, 999),
)
def test_any_number_built_with_its_check_digit_is_valid(born: dt.date, serial: int) -> None:
    raw = with_check(f"620102{born:%Y%m%d}{serial:03d}")
    assert idnumber.problems(raw, today=dt.date(2021, 1, 1)) == []
    assert idnumber.birth_date(raw) == born


@given(st.integers(0, 16), st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_check(position: int, delta: int) -> None:
    digits = list(VALID)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    assert "check_digit" in codes(changed)


def test_mask_all_masks_id_numbers_at_any_depth_and_in_text() -> None:
    value = {
        "id_number": "621126198001010019",
        "members": [{"id_number": "621126197505050012", "name": "李四"}],
        "note": "核对 621126198001010019 的户口",
        "household_no": "6211261000010001",
    }
    masked = idnumber.mask_all(value)
    assert masked == {
        "id_number": "621126********0019",
        "members": [{"id_number": "621126********0012", "name": "李四"}],
        "note": "核对 621126********0019 的户口",
        "household_no": "6211261000010001",
    }


def test_mask_all_masks_id_numbers_used_as_keys_at_any_depth() -> None:
    value = {"members": {"621126198001010019": {"name": ["张三", "张四"]}}}
    masked = idnumber.mask_all(value)
    assert masked == {"members": {"621126********0019": {"name": ["张三", "张四"]}}}


def test_mask_all_keeps_two_keys_that_mask_alike_apart() -> None:
    masked = idnumber.mask_all({"621126198001010019": 1, "621126199901010019": 2})
    assert isinstance(masked, dict) and sorted(masked.values()) == [1, 2]
    assert all("1980" not in k and "1999" not in k for k in masked)


def test_numbers_in_finds_only_18_digit_numbers_with_a_right_check_digit() -> None:
    text = f"户 6211261000010001，证 {VALID}，错 110105194912310021，长 {VALID}9，区划 621126100001"
    assert idnumber.numbers_in(text) == [VALID]
    assert idnumber.numbers_in(idnumber.mask(VALID)) == []
