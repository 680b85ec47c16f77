"""Issue #18 item 5 on forms and the API: control characters and oversized text are refused by
every text field (fupin.textfields), the message naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from rest_framework import serializers

from fupin.exits.forms import ObjectionForm
from fupin.policy.text import FREE_TEXT_MAX


def test_a_nul_byte_in_a_name_is_refused_with_one_chinese_message_naming_the_field() -> None:
    form = ObjectionForm(data={"raised_by_name": "张\x00三", "content": "不同意"})
    assert not form.is_valid()
    (message,) = form.errors["raised_by_name"]
    assert "“异议人”" in message and "NUL" in message


@pytest.mark.parametrize("bad", ["\x07", "\x1b[31m", "\u202e", "\x7f", "第一行\n第二行"])
def test_control_characters_and_line_breaks_are_refused_in_a_name(bad: str) -> None:
    form = ObjectionForm(data={"raised_by_name": f"张{bad}三", "content": "不同意"})
    assert not form.is_valid() and "“异议人”" in form.errors["raised_by_name"][0]


def test_free_text_keeps_its_line_breaks_but_not_a_two_megabyte_answer() -> None:
    assert ObjectionForm(data={"content": "第一条\r\n第二条\t附件"}).is_valid()
    form = ObjectionForm(data={"content": "x" * 2_000_000})
    assert not form.is_valid()
    assert f"最多 {FREE_TEXT_MAX} 个字符" in form.errors["content"][0]


def test_every_form_and_serializer_text_field_gets_the_rule_even_one_written_later() -> None:
    class Later(forms.Form):
        title = forms.CharField(label="标题", max_length=50)

    class LaterSerializer(serializers.Serializer[Any]):
        title = serializers.CharField(label="标题", max_length=50)
        note = serializers.CharField(label="备注")

    assert "“标题”" in Later(data={"title": "a\x01b"}).errors["title"][0]
    s = LaterSerializer(data={"title": "a\x00b", "note": "y" * (FREE_TEXT_MAX + 1)})
    assert not s.is_valid()
    assert len(s.errors["title"]) == 1 and "“标题”" in s.errors["title"][0]
    assert f"最多 {FREE_TEXT_MAX} 个字符" in s.errors["note"][0]
    ok = LaterSerializer(data={"title": "张三", "note": "多行\n备注"})
    assert ok.is_valid(), ok.errors
