"""Personal facts the national lists carry as text: 民族 (the 56 nationalities) and 联系电话."""

from __future__ import annotations

import re
import unicodedata

# The 56 nationalities in the order of GB/T 3304《中国各民族名称的罗马字母拼写法和代码》.
ETHNICITIES: tuple[str, ...] = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族",
    "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族",
    "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)  # fmt: skip
assert len(ETHNICITIES) == 56 and len(set(ETHNICITIES)) == 56

# Names written without 族 (汉, 回, 蒙古) as lists often hold them.
_SHORT = {name.removesuffix("族"): name for name in ETHNICITIES}


def ethnicity_name(raw: str) -> str | None:
    """The standard name of a nationality (`汉` → `汉族`), "" for blank, None when not one of 56."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))
    if not s:
        return ""
    if s in ETHNICITIES:
        return s
    return _SHORT.get(s)


# A mobile (11 digits from 13–19) or a landline with its area code (0931-8123456, 010 12345678,
# the hyphen optional), optionally an extension; several separated by “/”, “、”, “,” or “;”.
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(?:-\d{1,6})?")
_SEPARATORS = re.compile(r"[/、,，;；]")


def phone_normalize(raw: str) -> str:
    """Full-width digits made ASCII, spaces dropped (`0931 8123456` → `09318123456`)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", raw or ""))


def phone_problem(raw: str) -> str:
    """Why `raw` is not a Chinese phone number (or numbers), in Chinese; "" when it is one."""
    s = phone_normalize(raw)
    if not s:
        return ""
    if len(s) > 40:
        return "联系电话过长（最多 40 个字符）"
    for part in _SEPARATORS.split(s):
        if not (_MOBILE.fullmatch(part) or _LANDLINE.fullmatch(part)):
            return (
                f"“{part}”不是有效的电话号码：手机为 1 开头的 11 位数字（如 13800000000），"
                "座机须带区号（如 0931-8123456）"
            )
    return ""


def mask_phone(raw: str) -> str:
    """Each number with its middle digits hidden, like an ID number: `138****0000`,
    `093*-***3456` (the first three and last four digits kept, separators kept)."""

    def one(number: str) -> str:
        digits = [i for i, ch in enumerate(number) if ch.isdigit()]
        hidden = set(digits[3:-4]) if len(digits) > 7 else set(digits)
        return "".join("*" if i in hidden else ch for i, ch in enumerate(number))

    s = phone_normalize(raw)
    out, last = [], 0
    for m in _SEPARATORS.finditer(s):
        out += [one(s[last : m.start()]), m.group(0)]
        last = m.end()
    out.append(one(s[last:]))
    return "".join(out)
