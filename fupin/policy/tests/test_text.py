"""Tests for the text rules: control characters and oversized text refused, naming the field."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fupin.policy.text import FREE_TEXT_MAX, LINE_TEXT_MAX, check_text, text_problem


def test_ordinary_chinese_text_passes_unchanged() -> None:
    assert check_text("张三丰", field="姓名", max_length=LINE_TEXT_MAX) == "张三丰"


def test_nul_byte_in_a_name_is_refused_naming_the_field_and_position() -> None:
    with pytest.raises(ValueError) as exc:
        check_text("张\x00三", field="姓名")
    message = str(exc.value)
    assert "“姓名”" in message and "NUL" in message and "第 2 个字符" in message


@pytest.mark.parametrize("ch", ["\x01", "\x1b", "\x7f", "\x85", "\u202e", "\ud800"])
def test_other_control_characters_are_refused(ch: str) -> None:
    assert text_problem(f"李{ch}四", field="姓名") is not None


def test_newline_and_tab_are_refused_in_a_line_but_allowed_in_free_text() -> None:
    assert text_problem("第一行\n第二行", field="姓名") is not None
    assert text_problem("第一行\n\t第二行\r\n", field="回答", multiline=True) is None
    assert text_problem("答\x00案", field="回答", multiline=True) is not None


def test_a_two_megabyte_answer_is_refused_with_the_stated_limit() -> None:
    message = text_problem("字" * 2_000_000, field="回答", multiline=True, max_length=FREE_TEXT_MAX)
    assert message is not None
    assert "“回答”" in message and "10000" in message and "2000000" in message


def test_text_at_the_limit_passes_and_one_more_character_fails() -> None:
    assert text_problem("a" * FREE_TEXT_MAX, max_length=FREE_TEXT_MAX) is None
    assert text_problem("a" * (FREE_TEXT_MAX + 1), max_length=FREE_TEXT_MAX) is not None


@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs"))))
def test_text_without_control_characters_passes(value: str) -> None:
    value = "".join(
        c for c in value if c not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    )
    assert check_text(value) == value
