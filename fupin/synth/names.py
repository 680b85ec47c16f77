"""Fake Chinese names of people, townships and villages, drawn in bulk."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

StrArray = npt.NDArray[np.str_]

# Common surnames, the most frequent first; weights fall off roughly like the census ranking,
# with a few surnames frequent in Gansu (马 among the Hui, 杨, 何) raised.
SURNAMES = np.array(
    list(
        "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文雷"
    )
)
_RANK = np.arange(1, len(SURNAMES) + 1, dtype=np.float64)
SURNAME_WEIGHTS = 1.0 / _RANK**0.9
SURNAME_WEIGHTS[SURNAMES == "马"] *= 3.0
SURNAME_WEIGHTS[SURNAMES == "杨"] *= 1.5
SURNAME_WEIGHTS /= SURNAME_WEIGHTS.sum()

MALE_CHARS = np.array(
    list("伟强军平刚勇杰涛明超辉华建国峰斌文武鹏海龙发成林福生忠俊德学志永春旺宝兴家贵荣财顺")
)
FEMALE_CHARS = np.array(list("芳娟敏静丽艳霞燕玲梅红兰琴英秀花莉萍凤桂翠云婷雪琳娜玉珍瑞彩香叶慧"))
COMMON_CHARS = np.array(list("小子一世天新金继振晓东玉永治万正加彦"))

PLACE_CHARS = np.array(
    list(
        dict.fromkeys(
            "东西南北上下中前后大小新老石沟川河坪湾岭山塬峪寨堡庄岔口台梁坡洼源泉水沙柳杨红白黄青龙马牛羊家川安宁丰康和平兴"
        )
    )
)


def surnames(rng: np.random.Generator, n: int) -> StrArray:
    return rng.choice(SURNAMES, size=n, p=SURNAME_WEIGHTS)


def given_names(rng: np.random.Generator, male: npt.NDArray[np.bool_]) -> StrArray:
    """One or two characters; the first sometimes a generation character shared by both sexes."""
    n = len(male)
    male_pick = rng.choice(MALE_CHARS, size=n)
    female_pick = rng.choice(FEMALE_CHARS, size=n)
    last = np.where(male, male_pick, female_pick)
    first_is_common = rng.random(n) < 0.35
    first_own = np.where(male, rng.choice(MALE_CHARS, size=n), rng.choice(FEMALE_CHARS, size=n))
    first = np.where(first_is_common, rng.choice(COMMON_CHARS, size=n), first_own)
    two = rng.random(n) < 0.7
    out: StrArray = np.where(two, np.strings.add(first, last), last)
    return out


def full_names(surname: StrArray, given: StrArray) -> StrArray:
    out: StrArray = np.strings.add(surname, given)
    return out


def place_names(rng: np.random.Generator, n: int, suffix: StrArray | str) -> StrArray:
    """n distinct two-character place names followed by a suffix (村, 镇, 乡)."""
    k = len(PLACE_CHARS)
    if n > k * k:
        raise ValueError(f"cannot make {n} distinct place names")
    picks = rng.choice(k * k, size=n, replace=False)
    stem = np.strings.add(PLACE_CHARS[picks // k], PLACE_CHARS[picks % k])
    out: StrArray = np.strings.add(stem, suffix)
    return out
