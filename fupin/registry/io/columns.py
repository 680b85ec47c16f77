"""The registry file layout (全国扶贫开发信息系统 贫困户信息): one column table for import and export."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.db import models
from django.utils import translation

from fupin.policy import idnumber
from fupin.policy.text import text_problem
from fupin.registry.models import (
    Attribute,
    Cause,
    Education,
    EventKind,
    Health,
    LabourAbility,
    Relation,
    SchoolStatus,
    Sex,
    Standard,
    Status,
)

MEMBERS_TABLE = "家庭成员"
EVENTS_TABLE = "状态变更"
YES, NO = "是", "否"
CAUSE_SEPARATOR = "、"
MAX_OTHER_CAUSES = 2
MAX_HOUSEHOLD_SIZE = 99

Cell = Any  # what a reader hands over: str, float, int, bool, date, datetime or None


class Scope(Enum):
    PLACE = "place"  # region names: written on export, informational on import
    HOUSEHOLD = "household"  # repeated on every member's row; must agree between members
    PERSON = "person"
    EVENT = "event"


class CellError(ValueError):
    """A cell that cannot be read; the message is the Chinese reason shown to the user."""


def _text(cell: Cell) -> str:
    """A cell as stripped text; whole floats from Excel lose their ".0"."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return YES if cell else NO
    if isinstance(cell, float):
        if math.isfinite(cell) and cell == int(cell):
            return str(int(cell))
        return repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    return str(cell).strip()


def is_blank(cell: Cell) -> bool:
    return _text(cell) == ""


# ---- parsers: cell -> python value (None for an empty optional cell); CellError when bad ----


def parse_text(max_length: int, label: str = "") -> Callable[[Cell], str | None]:
    """Text up to `max_length` characters; control characters (NUL, ESC…) refused."""

    def parse(cell: Cell) -> str | None:
        s = _text(cell)
        if not s:
            return None
        problem = text_problem(s, max_length=max_length, field=label)
        if problem:
            raise CellError(problem)
        return s

    return parse


def parse_region_code(cell: Cell) -> str | None:
    s = _text(cell)
    if not s:
        return None
    if not re.fullmatch(r"\d{12}", s):
        raise CellError("行政区划代码应为12位数字（村级统计用区划代码）")
    return s


def parse_yes_no(cell: Cell) -> bool | None:
    if isinstance(cell, bool):
        return cell
    s = _text(cell)
    if not s:
        return None
    if s in {YES, "1", "Y", "y", "TRUE", "True", "true"}:
        return True
    if s in {NO, "0", "N", "n", "FALSE", "False", "false"}:
        return False
    raise CellError("应填“是”或“否”")


# Older names still found in provincial files.
CHOICE_ALIASES: dict[type[models.TextChoices], dict[str, str]] = {
    Attribute: {
        "五保贫困户": Attribute.TEKUN,
        "五保户": Attribute.TEKUN,
        "特困供养户": Attribute.TEKUN,
    },
}


_LABELS: dict[type[models.TextChoices], dict[str, str]] = {}
_LOOKUPS: dict[type[models.TextChoices], dict[str, str]] = {}


def choice_labels(choices: type[models.TextChoices]) -> dict[str, str]:
    """Value → Chinese label, whatever language is active (the file layout is always Chinese)."""
    if choices not in _LABELS:
        with translation.override("zh-hans"):
            _LABELS[choices] = {value: str(label) for value, label in choices.choices}
    return _LABELS[choices]


def _label_lookup(choices: type[models.TextChoices]) -> dict[str, str]:
    """Chinese label (or an older alias) → value."""
    if choices not in _LOOKUPS:
        lookup = {label: value for value, label in choice_labels(choices).items()}
        lookup.update(CHOICE_ALIASES.get(choices, {}))
        _LOOKUPS[choices] = lookup
    return _LOOKUPS[choices]


def parse_choice(choices: type[models.TextChoices]) -> Callable[[Cell], str | None]:
    lookup = _label_lookup(choices)
    allowed = "、".join(choice_labels(choices).values())

    def parse(cell: Cell) -> str | None:
        s = _text(cell)
        if not s:
            return None
        if s in lookup:
            return lookup[s]
        raise CellError(f"“{s}”不是有效的选项，可选：{allowed}")

    return parse


def parse_causes(cell: Cell) -> str | None:
    """其他致贫原因: up to two labels separated by 、 (or commas); stored as comma-joined codes."""
    s = _text(cell)
    if not s:
        return None
    lookup = _label_lookup(Cause)
    codes: list[str] = []
    for part in re.split(r"[、,，;；/\s]+", s):
        if not part:
            continue
        if part not in lookup:
            allowed = "、".join(choice_labels(Cause).values())
            raise CellError(f"“{part}”不是有效的致贫原因，可选：{allowed}")
        if lookup[part] in codes:
            raise CellError(f"致贫原因“{part}”重复")
        codes.append(lookup[part])
    if len(codes) > MAX_OTHER_CAUSES:
        raise CellError(f"其他致贫原因最多 {MAX_OTHER_CAUSES} 项")
    return ",".join(codes) or None


def parse_int(low: int, high: int, what: str = "整数") -> Callable[[Cell], int | None]:
    def parse(cell: Cell) -> int | None:
        s = _text(cell)
        if not s:
            return None
        try:
            value = int(s)
        except ValueError:
            raise CellError(f"“{s}”不是{what}") from None
        if not low <= value <= high:
            raise CellError(f"{value} 超出范围（{low}–{high}）")
        return value

    return parse


parse_year = parse_int(1949, 2100, "年份")


def parse_money(cell: Cell) -> float | None:
    """Yuan per year: a non-negative number (no thousands separators, no units)."""
    if isinstance(cell, bool):
        raise CellError("收入应为数字（元）")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        s = _text(cell)
        if not s:
            return None
        try:
            value = float(s)
        except ValueError:
            raise CellError(f"“{s}”不是数字（收入以元为单位，只填数字）") from None
    if not math.isfinite(value):
        raise CellError("收入应为有限的数字")
    if value < 0:
        raise CellError("收入不能为负数")
    return value


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")


def parse_date(cell: Cell) -> dt.date | None:
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    s = _text(cell)
    if not s:
        return None
    s = s.split(" ")[0].split("T")[0]
    if len(s) == 10 and s[4] == "-":
        try:
            return dt.date.fromisoformat(s)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    if re.fullmatch(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{8}", s):
        raise CellError(f"日期 {s} 不存在")
    raise CellError(f"“{s}”不是日期（应为 YYYY-MM-DD）")


def parse_id_number(cell: Cell) -> str | None:
    """证件号码: text, never an Excel number (which keeps only 15 digits); masked numbers refused."""
    if isinstance(cell, float | int) and not isinstance(cell, bool):
        raise CellError("证件号码被 Excel 存成了数字，后几位已丢失；请把该列设为文本后重新录入")
    s = _text(cell)
    if not s:
        return None
    if "*" in s:
        raise CellError(
            "证件号码已脱敏（部分数字被 * 隐藏），不能导入；请使用 fupin export --full-ids 导出的文件"
        )
    s = idnumber.normalize(s)
    if len(s) != 18:
        raise CellError(f"身份证号应为18位（17位数字加校验位），实际为 {len(s)} 位")
    if not re.fullmatch(r"\d{17}[\dX]", s):
        raise CellError("身份证号应为17位数字加1位校验位（数字或 X），其中有其他字符")
    return s


# ---- formatters: python value -> cell written on export ----


def format_plain(value: Any) -> Cell:
    return "" if value is None else value


def format_yes_no(value: Any) -> Cell:
    return YES if value else NO


def format_choice(choices: type[models.TextChoices]) -> Callable[[Any], Cell]:
    def fmt(value: Any) -> Cell:
        return choice_labels(choices).get(value, "") if value else ""  # cached after the first

    return fmt


def format_causes(value: Any) -> Cell:
    labels = choice_labels(Cause)
    return CAUSE_SEPARATOR.join(labels.get(c, c) for c in str(value or "").split(",") if c)


def format_money(value: Any) -> Cell:
    value = float(value or 0)
    return int(value) if value == int(value) else value


@dataclass(frozen=True)
class Column:
    """One column of the layout: header, model field, scope, and how to read and write it.

    `required`: the header must be present in an imported file. `mandatory`: the cell must not be
    empty ("always"), must be filled for registered households only ("registered"), or may be
    empty ("optional"; the model default is then used).
    """

    header: str
    field: str
    scope: Scope
    required: bool
    parser: Callable[[Cell], Any]
    formatter: Callable[[Any], Cell] = format_plain
    mandatory: str = "optional"
    kind: str = "text"


def _choice(
    header: str,
    field: str,
    scope: Scope,
    choices: type[models.TextChoices],
    *,
    required: bool = False,
    mandatory: str = "optional",
) -> Column:
    return Column(
        header,
        field,
        scope,
        required,
        parse_choice(choices),
        format_choice(choices),
        mandatory,
        "choice",
    )


def _money(
    header: str, field: str, *, required: bool = False, mandatory: str = "optional"
) -> Column:
    return Column(
        header, field, Scope.HOUSEHOLD, required, parse_money, format_money, mandatory, "money"
    )


def _bool(header: str, field: str, scope: Scope = Scope.HOUSEHOLD) -> Column:
    return Column(header, field, scope, False, parse_yes_no, format_yes_no, "optional", "bool")


H, P = Scope.HOUSEHOLD, Scope.PERSON

MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("省", "province", Scope.PLACE, False, parse_text(64, "省")),
    Column("市", "city", Scope.PLACE, False, parse_text(64, "市")),
    Column("县", "county", Scope.PLACE, False, parse_text(64, "县")),
    Column("乡镇", "township", Scope.PLACE, False, parse_text(64, "乡镇")),
    Column("行政村", "village", Scope.PLACE, False, parse_text(64, "行政村")),
    Column(
        "行政区划代码", "village_code", H, True, parse_region_code, mandatory="always", kind="code"
    ),
    Column("户编号", "household_no", H, True, parse_text(20, "户编号"), mandatory="always"),
    Column("是否建档立卡", "registered", H, True, parse_yes_no, format_yes_no, "always", "bool"),
    _choice("脱贫状态", "status", H, Status, required=True, mandatory="registered"),
    Column("识别年度", "identified_year", H, True, parse_year, mandatory="registered", kind="year"),
    Column("脱贫年度", "exited_year", H, True, parse_year, kind="year"),
    _choice("贫困户属性", "attribute", H, Attribute, required=True, mandatory="registered"),
    _choice("识别标准", "standard", H, Standard),
    _choice("主要致贫原因", "main_cause", H, Cause, required=True, mandatory="registered"),
    Column("其他致贫原因", "other_causes", H, False, parse_causes, format_causes, kind="causes"),
    Column("收入年度", "income_year", H, False, parse_year, kind="year"),
    _money("工资性收入", "income_wages"),
    _money("生产经营性收入", "income_business"),
    _money("财产性收入", "income_property"),
    _money("转移性收入", "income_transfers"),
    _money("其中政策性收入", "income_policy_transfers"),
    # Optional: a file without it (older layouts) has the size counted from its living members.
    Column("家庭人口", "size", H, False, parse_int(0, MAX_HOUSEHOLD_SIZE, "人数"), kind="int"),
    _money("家庭纯收入", "income_total", required=True, mandatory="always"),
    _money("人均纯收入", "income_per_capita", required=True, mandatory="always"),
    _bool("不愁吃", "food_ok"),
    _bool("不愁穿", "clothing_ok"),
    _bool("义务教育有保障", "education_ok"),
    _bool("基本医疗有保障", "medical_ok"),
    _bool("住房安全有保障", "housing_ok"),
    _bool("饮水安全有保障", "water_ok"),
    _bool("低保户", "at_risk_dibao"),
    _bool("大病户", "at_risk_illness"),
    _bool("危房户", "at_risk_housing"),
    Column("姓名", "name", P, True, parse_text(32, "姓名"), mandatory="always"),
    Column("证件号码", "id_number", P, True, parse_id_number, mandatory="always", kind="id"),
    _choice("与户主关系", "relation", P, Relation, required=True, mandatory="always"),
    _choice("性别", "sex", P, Sex, required=True, mandatory="always"),
    Column("出生日期", "birth_date", P, True, parse_date, mandatory="always", kind="date"),
    _choice("文化程度", "education", P, Education),
    _choice("在校生状况", "school_status", P, SchoolStatus),
    _choice("健康状况", "health", P, Health),
    Column("残疾等级", "disability_grade", P, False, parse_int(0, 4), kind="int"),
    _choice("劳动能力", "labour_ability", P, LabourAbility),
    Column("务工时间", "months_away", P, False, parse_int(0, 12, "月数"), kind="int"),
    _bool("参加医疗保险", "insured", P),
    _bool("已故", "deceased", P),
)

EVENT_COLUMNS: tuple[Column, ...] = (
    Column(
        "户编号", "household_no", Scope.EVENT, True, parse_text(20, "户编号"), mandatory="always"
    ),
    _choice("事件", "kind", Scope.EVENT, EventKind, required=True, mandatory="always"),
    Column("日期", "date", Scope.EVENT, True, parse_date, mandatory="always", kind="date"),
    Column("原因", "reason", Scope.EVENT, False, parse_text(200, "原因")),
)

MEMBER_HEADERS = tuple(c.header for c in MEMBER_COLUMNS)
EVENT_HEADERS = tuple(c.header for c in EVENT_COLUMNS)
HOUSEHOLD_COLUMNS = tuple(c for c in MEMBER_COLUMNS if c.scope is Scope.HOUSEHOLD)
PERSON_COLUMNS = tuple(c for c in MEMBER_COLUMNS if c.scope is Scope.PERSON)
# Fields a household that was never registered (建档立卡) may not fill in.
REGISTERED_ONLY_FIELDS = (
    "status",
    "identified_year",
    "exited_year",
    "attribute",
    "standard",
    "main_cause",
    "other_causes",
)
