"""Text people type or upload: control characters and oversized values refused with a Chinese
message naming the field (issue #18 item 5)."""

from __future__ import annotations

import unicodedata

# Stated limits, in characters (not bytes). A name, a village or an office label fits in a line;
# a free-text answer, an opinion or a note is at most 10 000 characters — about five printed pages
# of Chinese, far above any real survey answer and far below the 2 MB an attacker sent.
LINE_TEXT_MAX = 200
FREE_TEXT_MAX = 10_000

# Allowed only where the field is multi-line free text.
_LAYOUT = frozenset("\t\n\r")
# Bidirectional overrides and isolates reorder what a reader sees (a name shown reversed, a
# number disguised); they are format characters (Cf) but never part of a real name or answer.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _describe(ch: str) -> str:
    if ch == "\x00":
        return "空字符（NUL，U+0000）"
    return f"控制字符（U+{ord(ch):04X}）"


def bad_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character not allowed in text, or None.

    Refused: C0/C1 control characters and DEL (Unicode category Cc), lone surrogates (Cs) and
    bidirectional overrides; tab, newline and carriage return pass when `multiline`.
    """
    for ch in value:
        if multiline and ch in _LAYOUT:
            continue
        if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs"):
            return ch
    return None


def check_text(
    value: str,
    *,
    max_length: int | None = None,
    multiline: bool = False,
    field: str = "",
) -> str:
    """`value` unchanged when acceptable; otherwise ValueError with a Chinese message.

    `field` is the Chinese label of the field (“姓名”, “回答”) so the message names it;
    `max_length` is the stated limit in characters (None: no limit).
    """
    label = f"“{field}”" if field else "文本"
    if not isinstance(value, str):
        raise ValueError(f"{label}应为文本")
    ch = bad_character(value, multiline=multiline)
    if ch is not None:
        position = value.index(ch) + 1
        allowed = "（只允许换行和制表符）" if multiline else ""
        raise ValueError(
            f"{label}含有不允许的{_describe(ch)}，位于第 {position} 个字符{allowed}；"
            "请删除后重新提交"
        )
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{label}过长：最多 {max_length} 个字符，实际为 {len(value)} 个字符")
    return value


def text_problem(
    value: str, *, max_length: int | None = None, multiline: bool = False, field: str = ""
) -> str | None:
    """The message `check_text` would raise, or None: for callers that collect row messages."""
    try:
        check_text(value, max_length=max_length, multiline=multiline, field=field)
    except ValueError as exc:
        return str(exc)
    return None
