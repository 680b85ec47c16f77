"""民族 from the 56 names and 联系电话 checked and masked (pure)."""

from __future__ import annotations

import pytest

from fupin.policy.contact import ETHNICITIES, ethnicity_name, mask_phone, phone_problem


def test_the_56_nationalities_and_names_written_without_zu() -> None:
    assert len(ETHNICITIES) == 56 and ETHNICITIES[0] == "汉族" and "基诺族" in ETHNICITIES
    assert (ethnicity_name("汉"), ethnicity_name(" 回族 "), ethnicity_name("")) == (
        "汉族",
        "回族",
        "",
    )
    assert ethnicity_name("火星族") is None


@pytest.mark.parametrize(
    "good", ["13800000000", "0931-8123456", "010 12345678", "13800000000/0931-8123456"]
)
def test_mobiles_and_landlines_with_area_codes_pass(good: str) -> None:
    assert phone_problem(good) == ""


@pytest.mark.parametrize(
    "bad", ["12345", "8123456", "1380000000", "138000000001", "电话13800000000"]
)
def test_other_text_is_refused_naming_the_number(bad: str) -> None:
    assert "不是有效的电话号码" in phone_problem(bad)


def test_masking_keeps_the_first_three_and_last_four_digits_of_each_number() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0931-8123456/13812345678") == "093*-***3456/138****5678"
    assert mask_phone("") == ""
