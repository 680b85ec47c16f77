"""Resident ID numbers (身份证号, GB 11643-1999): validation, normalisation, masking, check digits."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK_CHARS = "10X98765432"
_CHECK_LOOKUP = np.array(list(CHECK_CHARS))
# ASCII digits only: Python's \d also matches other scripts' digits, which are not ID numbers.
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")


def check_digit(first17: str) -> str:
    """The 18th character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(c) * int(w) for c, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_digits(first17: npt.NDArray[np.int64]) -> npt.NDArray[np.str_]:
    """Check characters for many IDs at once; `first17` is an (n, 17) array of digits."""
    return _CHECK_LOOKUP[(first17 @ WEIGHTS) % 11]  # type: ignore[no-any-return]


def normalize(raw: str) -> str:
    """Canonical form: spaces removed, full-width characters made ASCII (NFKC), lower-case x
    upper-cased, old 15-digit numbers widened.

    A 15-digit number (issued before 1999) has a two-digit year in the 20th century and no
    check digit: insert "19" and append the check digit, as GB 11643 prescribes.
    """
    s = "".join(unicodedata.normalize("NFKC", str(raw)).split()).upper()
    if _ID15.match(s):
        body = s[:6] + "19" + s[6:]
        return body + check_digit(body)
    return s


@dataclass(frozen=True)
class IdProblem:
    code: str
    message: str


def problems(
    raw: str, *, known_prefix: str | None = None, today: dt.date | None = None
) -> list[IdProblem]:
    """Everything wrong with an ID number (empty list when valid).

    `known_prefix` is the region prefix the number should start with when it is known
    (the 2-digit province code of the household's region).
    """
    s = normalize(raw)
    if not _ID18.match(s):
        return [IdProblem("format", f"身份证号应为18位（17位数字加校验位），实际为“{raw}”")]
    out: list[IdProblem] = []
    try:
        born = dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        out.append(IdProblem("birth_date", f"身份证号中的出生日期 {s[6:14]} 不存在"))
    else:
        today = today or dt.date.today()
        if born > today or born.year < 1890:
            out.append(IdProblem("birth_date", f"身份证号中的出生日期 {born.isoformat()} 不可能"))
    expected = check_digit(s[:17])
    if s[17] != expected:
        out.append(IdProblem("check_digit", f"身份证号校验位错误：应为 {expected}，实际为 {s[17]}"))
    if s[:2] in {"00", "10", "20", "30", "40", "70", "80", "90"} or s[2:4] == "00":
        out.append(IdProblem("region_prefix", f"身份证号前六位 {s[:6]} 不是有效的行政区划代码"))
    elif known_prefix and not s.startswith(known_prefix):
        out.append(
            IdProblem(
                "region_prefix",
                f"身份证号前缀 {s[: len(known_prefix)]} 与所在地区 {known_prefix} 不符",
            )
        )
    return out


def is_valid(raw: str, **kw: object) -> bool:
    return not problems(raw, **kw)  # type: ignore[arg-type]


def birth_date(id18: str) -> dt.date:
    s = normalize(id18)
    return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))


def sex(id18: str) -> str:
    """'male' or 'female' from the 17th digit (odd is male)."""
    return "male" if int(normalize(id18)[16]) % 2 else "female"


def mask(raw: str) -> str:
    """`620102********1234`: the first six and last four characters, the rest hidden."""
    s = normalize(raw) if raw else ""
    if len(s) < 10:
        return "*" * len(s)
    return s[:6] + "*" * (len(s) - 10) + s[-4:]


# 18-digit ID numbers (and old 15-digit ones) standing alone in free text; household numbers
# have 16 digits and region codes 12, so neither is caught.
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_SHORTEST_ID = 15  # the old 15-digit numbers; _ID_IN_TEXT matches nothing shorter


def mask_all(value: object) -> object:
    """The value with every ID number masked: under an `id_number` key at any depth, any
    ID-shaped number in text, and dictionary keys too (audit rows of imports once keyed members
    by their ID numbers; a masked value under a full-number key still shows the number)."""
    if isinstance(value, dict):
        out: dict[object, object] = {}
        for k, v in value.items():
            # Short keys and values (most of an audit row's) hold no number: kept as they are.
            key = mask_all(k) if isinstance(k, str) and len(k) >= _SHORTEST_ID else k
            while key in out:  # two numbers masked alike keep both entries
                key = f"{key}′"
            if k == "id_number" and v:
                out[key] = mask(str(v))
            elif (
                v is None
                or isinstance(v, int | float)
                or (isinstance(v, str) and len(v) < _SHORTEST_ID)
            ):
                out[key] = v
            else:
                out[key] = mask_all(v)
        return out
    if isinstance(value, list | tuple):
        return [mask_all(v) for v in value]
    if isinstance(value, str):
        if len(value) < _SHORTEST_ID:  # too short to hold a number: no pattern search
            return value
        return _ID_IN_TEXT.sub(lambda m: mask(m.group(0)), value)
    return value


_ID18_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{17}[0-9X](?![0-9X])")


def numbers_in(text: str) -> list[str]:
    """The 18-digit numbers in `text` whose check digit is right (GB 11643): what a scan for
    leaked ID numbers looks for in a page or a response."""
    return [m for m in _ID18_IN_TEXT.findall(text) if check_digit(m[:17]) == m[17]]
