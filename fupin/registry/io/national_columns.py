"""The national system's person-list layout (全国扶贫开发信息系统 贫困人口明细, 已脱贫人口名单): its
headers as the system writes them, its labels mapped onto fupin's codes and back, and its cells'
parsers. Reading is `national.py`; writing is `national_export.py`."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from fupin.registry.io.columns import (
    Cell,
    CellError,
    _text,
    parse_choice,
    parse_id_number,
    parse_int,
    parse_money,
    parse_text,
    parse_year,
    parse_yes_no,
)
from fupin.registry.models import (
    Attribute,
    Cause,
    Education,
    Health,
    LabourAbility,
    Relation,
    SchoolStatus,
    Sex,
    Status,
)

LAYOUT_LABEL = "全国扶贫开发信息系统人员名单"


def normalize_header(header: Any) -> str:
    """A header as compared: full-width characters made ASCII, spaces, line breaks and the
    required-column asterisk removed (“务工时间\n（月）” → “务工时间(月)”)."""
    s = unicodedata.normalize("NFKC", str(header or ""))
    return re.sub(r"\s+", "", s).lstrip("*")


# Canonical name → the headers (normalized) it is found under in the national system's lists.
HEADERS: dict[str, tuple[str, ...]] = {
    "county": ("县(市、区、旗)", "县(市、区)", "县(区)", "县", "区县", "县区"),
    "township": ("乡(镇)", "乡镇", "乡(镇、街道)", "乡镇(街道)"),
    "village": ("行政村", "村"),
    "natural_village": ("自然村", "自然村(组)"),
    "household_no": ("户编号",),
    "person_no": ("人编号",),
    "name": ("姓名",),
    "id_number": ("证件号码", "身份证号", "身份证号码"),
    "size": ("人数", "家庭人口", "家庭人口数"),
    "relation": ("与户主关系",),
    "ethnicity": ("民族",),
    "sex": ("性别",),
    "birth_date": ("出生日期",),
    "education": ("文化程度",),
    "school_status": ("在校生状况",),
    "health": ("健康状况",),
    "disability_grade": ("残疾等级",),
    "labour_ability": ("劳动技能", "劳动能力"),
    "months_away": ("务工时间(月)", "务工时间", "务工时间(个月)"),
    "serious_insurance": ("是否参加大病保险", "大病保险"),
    "insured": (
        "城乡居民基本医疗保险",
        "是否参加城乡居民基本医疗保险",
        "是否参加新型农村合作医疗",
        "是否参加新农合",
    ),
    "attribute": ("贫困户属性",),
    "main_cause": ("致贫原因1", "主要致贫原因", "致贫原因"),
    "cause_2": ("致贫原因2",),
    "cause_3": ("致贫原因3",),
    "status": ("脱贫属性", "脱贫状态", "贫困户状态"),
    "exited_year": ("脱贫年度", "脱贫年份"),
    "returned_year": ("返贫年度", "返贫年份"),
    "at_risk_housing": ("危房户", "是否危房户"),
    "water_ok": ("是否解决安全饮用水", "饮水安全有保障"),
    "income_per_capita": ("人均纯收入", "人均纯收入(元)"),
    "income_total": ("家庭纯收入", "家庭纯收入(元)", "家庭年纯收入"),
    "phone": ("联系电话",),
    "identified": ("首次识别时间", "识别时间", "识别年度"),
}
REQUIRED = (
    "household_no",
    "name",
    "id_number",
    "relation",
    "village",
    "status",
    "income_per_capita",
    "identified",
)
# Headers only the national lists use: two of them (and no 行政区划代码) tell the layout apart.
MARKERS = frozenset(
    {
        "县(市、区、旗)",
        "乡(镇)",
        "人编号",
        "人数",
        "劳动技能",
        "务工时间(月)",
        "脱贫属性",
        "致贫原因1",
        "首次识别时间",
        "是否解决安全饮用水",
        "是否参加大病保险",
    }
)
# fupin's own column names used by the shared checks → canonical names here (for the report).
OWN_HEADERS = {
    "家庭人口": "size",
    "人均纯收入": "income_per_capita",
    "家庭纯收入": "income_total",
    "证件号码": "id_number",
    "与户主关系": "relation",
    "脱贫状态": "status",
    "识别年度": "identified",
    "脱贫年度": "exited_year",
    "行政区划代码": "village",
    "户编号": "household_no",
}


def is_national(headers: Iterable[str]) -> bool:
    """Whether a header row is a national-system person list rather than fupin's own layout."""
    names = {normalize_header(h) for h in headers}
    return "行政区划代码" not in names and len(names & MARKERS) >= 2


# ---- the system's labels → fupin's codes (None: the label says the value is unknown) ----

RELATIONS: dict[str, str] = {
    "户主": Relation.HEAD,
    "配偶": Relation.SPOUSE,
    "之子": Relation.CHILD,
    "之女": Relation.CHILD,
    "子女": Relation.CHILD,
    "之孙子": Relation.GRANDCHILD,
    "之孙女": Relation.GRANDCHILD,
    "之外孙子": Relation.GRANDCHILD,
    "之外孙女": Relation.GRANDCHILD,
    "孙子女": Relation.GRANDCHILD,
    "之父": Relation.PARENT,
    "之母": Relation.PARENT,
    "父母": Relation.PARENT,
    "之兄弟姐妹": Relation.SIBLING,
    "兄弟姐妹": Relation.SIBLING,
    # In-laws have no relation of their own in fupin's vocabulary.
    "之儿媳": Relation.OTHER,
    "之女婿": Relation.OTHER,
    "之公公": Relation.OTHER,
    "之婆婆": Relation.OTHER,
    "之岳父": Relation.OTHER,
    "之岳母": Relation.OTHER,
    "其他": Relation.OTHER,
}
EDUCATIONS: dict[str, str | None] = {
    "文盲或半文盲": Education.NONE,
    "文盲": Education.NONE,
    "半文盲": Education.NONE,
    "小学": Education.PRIMARY,
    "初中": Education.JUNIOR,
    "高中": Education.SENIOR,
    "中专": Education.SENIOR,
    "高中(含中专)": Education.SENIOR,
    "大专及以上": Education.COLLEGE,
    "大专": Education.COLLEGE,
    "本科及以上": Education.COLLEGE,
    "学龄前儿童": None,  # not yet at school: no level of education to record
}
SCHOOL_STATUSES: dict[str, str] = {
    "非在校生": SchoolStatus.NOT_SCHOOL_AGE,
    "在校生": SchoolStatus.IN_SCHOOL,
    "辍学": SchoolStatus.DROPPED_OUT,
    "已毕业": SchoolStatus.GRADUATED,
}
# The system writes the stage or grade a pupil is in (学前教育, 小学三年级, 中职一年级 …).
_IN_SCHOOL = re.compile(
    r"^(学前教育|学前|小学|初中|高中|中职|高职|中专|大专|本科|研究生).*|.*年级$"
)
HEALTHS: dict[str, str] = {
    "健康": Health.HEALTHY,
    "长期慢性病": Health.CHRONIC,
    "患有大病": Health.SERIOUS,
    "大病": Health.SERIOUS,
    "残疾": Health.DISABLED,
}
LABOUR: dict[str, str] = {
    "普通劳动力": LabourAbility.NORMAL,
    "技能劳动力": LabourAbility.NORMAL,  # a skill does not change the ability recorded
    "弱劳动力": LabourAbility.WEAK,
    "部分丧失劳动力": LabourAbility.WEAK,
    "丧失劳动力": LabourAbility.NONE,
    "无劳动力": LabourAbility.NOT_WORKING_AGE,
}
STATUSES: dict[str, str] = {
    "未脱贫": Status.POOR,
    "已脱贫": Status.EXITED,
    "脱贫": Status.EXITED,
    "已脱贫(享受政策)": Status.EXITED,
    "已脱贫(不享受政策)": Status.EXITED,
    "脱贫(享受政策)": Status.EXITED,
    "脱贫(不享受政策)": Status.EXITED,
    "返贫": Status.RETURNED,
}
DISABILITY_GRADES = {"一级": 1, "二级": 2, "三级": 3, "四级": 4, "无": 0}
SEXES = {"男": Sex.MALE, "女": Sex.FEMALE}


def _labels(mapping: dict[str, Any], what: str) -> Callable[[Cell], Any]:
    shown = "、".join(mapping)

    def parse(cell: Cell) -> Any:
        s = normalize_header(_text(cell))
        if not s:
            return None
        if s in mapping:
            return mapping[s]
        raise CellError(f"“{_text(cell)}”不是有效的{what}，可选：{shown}")

    return parse


def _school(cell: Cell) -> str | None:
    s = normalize_header(_text(cell))
    if not s:
        return None
    if s in SCHOOL_STATUSES:
        return SCHOOL_STATUSES[s]
    if _IN_SCHOOL.match(s):
        return SchoolStatus.IN_SCHOOL
    raise CellError(
        f"“{_text(cell)}”不是有效的在校生状况，可选：{'、'.join(SCHOOL_STATUSES)}，或所在学段和年级"
    )


def _disability(cell: Cell) -> int | None:
    s = normalize_header(_text(cell))
    if s in DISABILITY_GRADES:
        return DISABILITY_GRADES[s]
    return parse_int(0, 4, "残疾等级")(cell)


@dataclass(frozen=True)
class When:
    """A date as precise as the list gives it: "day", "month" or "year"."""

    date: dt.date
    precision: str

    @property
    def shown(self) -> str:
        if self.precision == "day":
            return self.date.isoformat()
        return f"{self.date:%Y-%m}" if self.precision == "month" else str(self.date.year)


_MONTH = re.compile(r"^(\d{4})(?:[-/.年](\d{1,2})月?|(\d{2}))$")
_DAY = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$|^(\d{4})(\d{2})(\d{2})$")


def parse_when(cell: Cell) -> When | None:
    """首次识别时间: a date, a month (2014-05, 2014年5月, 201405) or a year (2014)."""
    if isinstance(cell, dt.datetime):
        return When(cell.date(), "day")
    if isinstance(cell, dt.date):
        return When(cell, "day")
    if isinstance(cell, float) and cell != int(cell):
        raise CellError(
            f"首次识别时间被存成了数字 {cell:g}，月份不明确；请填写为 2014-05 或 2014-05-12"
        )
    s = _text(cell).split(" ")[0].split("T")[0]
    if not s:
        return None
    try:
        if m := _DAY.match(s):
            y, mo, d = (int(g) for g in (m.groups()[:3] if m.group(1) else m.groups()[3:]))
            return When(dt.date(y, mo, d), "day")
        if m := _MONTH.match(s):
            mo = int(m.group(2) or m.group(3))
            return When(dt.date(int(m.group(1)), mo, 1), "month")
    except ValueError:
        raise CellError(f"日期 {s} 不存在") from None
    if re.fullmatch(r"\d{4}年?", s):
        year = parse_year(s.rstrip("年"))
        assert year is not None
        return When(dt.date(year, 1, 1), "year")
    raise CellError(f"“{s}”不是日期（应为 2014-05 或 2014-05-12）")


PARSERS: dict[str, Callable[[Cell], Any]] = {
    "county": parse_text(64, "县"),
    "township": parse_text(64, "乡(镇)"),
    "village": parse_text(64, "行政村"),
    "natural_village": parse_text(64, "自然村"),
    "household_no": lambda c: _household_no(c),
    "person_no": lambda c: _number_text(c, 24, "人编号"),
    "name": parse_text(32, "姓名"),
    "id_number": parse_id_number,
    "size": parse_int(0, 99, "人数"),
    "relation": _labels(RELATIONS, "与户主关系"),
    "ethnicity": parse_text(16, "民族"),
    "sex": _labels(SEXES, "性别"),
    "birth_date": lambda c: None if _text(c) == "" else _day(c),
    "education": _labels(EDUCATIONS, "文化程度"),
    "school_status": _school,
    "health": _labels(HEALTHS, "健康状况"),
    "disability_grade": _disability,
    "labour_ability": _labels(LABOUR, "劳动技能"),
    "months_away": parse_int(0, 12, "月数"),
    "insured": parse_yes_no,
    "attribute": parse_choice(Attribute),
    "main_cause": parse_choice(Cause),
    "cause_2": parse_choice(Cause),
    "cause_3": parse_choice(Cause),
    "status": _labels(STATUSES, "脱贫属性"),
    "exited_year": parse_year,
    "returned_year": parse_year,
    "at_risk_housing": parse_yes_no,
    "water_ok": parse_yes_no,
    "income_per_capita": parse_money,
    "income_total": parse_money,
    "phone": lambda c: _phone(c),
    "identified": parse_when,
}
PERSON_KEYS = (
    "person_no",
    "name",
    "id_number",
    "relation",
    "ethnicity",
    "sex",
    "birth_date",
    "education",
    "school_status",
    "health",
    "disability_grade",
    "labour_ability",
    "months_away",
    "insured",
)
HOUSEHOLD_KEYS = tuple(k for k in PARSERS if k not in PERSON_KEYS)
# Model fields only these lists carry: an import writes them when the list has the column and
# leaves them alone otherwise (fupin's own layout has no such columns).
EXTRA_HOUSEHOLD_FIELDS = ("natural_village", "phone")
EXTRA_PERSON_FIELDS = ("person_no", "ethnicity")


def _household_no(cell: Cell) -> str | None:
    """户编号: text; a long number Excel stored as a number has lost its last digits."""
    return _number_text(cell, 20, "户编号")


def _number_text(cell: Cell, max_length: int, label: str) -> str | None:
    """A number kept as text (户编号, 人编号): refused when Excel stored it as a number of more
    than 15 digits, which has lost its last digits."""
    if isinstance(cell, int | float) and not isinstance(cell, bool) and abs(cell) >= 1e15:
        raise CellError(
            f"{label}被 Excel 存成了数字，15位以后的数字已丢失；请把该列设为文本后重新导出"
        )
    return parse_text(max_length, label)(cell)


# One or more numbers (a mobile, or a landline with its area code 0931-8123456), separated by
# “/”, “、”, a comma or a semicolon.
_PHONE = re.compile(r"\d[\d-]{4,19}(?:[/、,，;；]\d[\d-]{4,19})*")


def _phone(cell: Cell) -> str | None:
    """联系电话: digits (a number cell as its digits), spaces dropped; anything else refused."""
    s = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _text(cell)))
    if not s:
        return None
    if len(s) > 40 or not _PHONE.fullmatch(s):
        raise CellError(
            f"“{_text(cell)}”不是有效的联系电话（应为数字，如 13800000000 或 0931-8123456）"
        )
    return s


def _day(cell: Cell) -> dt.date:
    when = parse_when(cell)
    if when is None or when.precision != "day":
        raise CellError(f"“{_text(cell)}”不是完整的日期（应为 YYYY-MM-DD）")
    return when.date
