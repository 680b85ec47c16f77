"""The kinds of department lists (部门数据) compared with the registry, and what a match means."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    # A match is itself a doubt about the household (it may be wrongly registered, 错评, or a
    # member should have left the roster): the household is flagged for verification (凡疑必核).
    PROBLEM = "problem"
    # The list and the registry describe the same fact (低保, disability): a match confirms it;
    # a disagreement between the two, in either direction, is what gets flagged.
    CONSISTENCY = "consistency"


@dataclass(frozen=True)
class ListKind:
    """One department's list: who keeps it, what a match means, and the reason text it gives."""

    code: str
    title: str  # Chinese name shown in the UI and reports
    department: str
    effect: Effect
    reason: str  # for a match (PROBLEM) or for a member on the list the registry disagrees with
    # CONSISTENCY only: the registry fact the list should agree with, and the reason text for a
    # registry household that claims it with no member on the list.
    registry_fact: str = ""
    missing_reason: str = ""


KINDS: tuple[ListKind, ...] = (
    ListKind(
        "deaths",
        "死亡人员名单",
        "公安户籍 / 民政殡葬 / 卫健死亡医学证明",
        Effect.PROBLEM,
        "家庭成员已死亡（死亡人员名单），仍列在建档立卡家庭成员中，应作自然减少处理",
    ),
    ListKind(
        "vehicles",
        "机动车登记",
        "公安交通管理",
        Effect.PROBLEM,
        "家庭成员名下登记有机动车（生产经营用农用车、三轮车等除外），需核实是否符合识别标准",
    ),
    ListKind(
        "real_estate",
        "不动产登记（城镇商品房）",
        "自然资源 / 住房和城乡建设",
        Effect.PROBLEM,
        "家庭成员在城镇购有商品房或非居住用房，需核实是否符合识别标准",
    ),
    ListKind(
        "company",
        "工商注册（企业法人、股东）",
        "市场监督管理",
        Effect.PROBLEM,
        "家庭成员为企业法定代表人或股东，需核实经营收入与识别标准",
    ),
    ListKind(
        "civil_servant",
        "财政供养人员",
        "财政 / 组织人事",
        Effect.PROBLEM,
        "家庭成员为财政供养人员（公务员、事业单位或国有企业在编人员），有稳定工资收入",
    ),
    ListKind(
        "pension",
        "职工养老金领取人员",
        "人力资源和社会保障",
        Effect.PROBLEM,
        "家庭成员领取企业职工或机关事业单位养老金，有稳定收入，需核实人均收入",
    ),
    ListKind(
        "dibao",
        "农村低保对象名单",
        "民政",
        Effect.CONSISTENCY,
        "家庭成员在民政低保名单中，但建档立卡户属性不是低保贫困户",
        registry_fact="household attribute is dibao (低保贫困户)",
        missing_reason="建档立卡户属性为低保贫困户，但民政低保名单中无该户成员",
    ),
    ListKind(
        "disability",
        "持证残疾人名单",
        "残疾人联合会",
        Effect.CONSISTENCY,
        "家庭成员持有残疾人证（残联名单），但建档立卡健康状况未登记为残疾",
        registry_fact="member's health is disabled (残疾)",
        missing_reason="建档立卡登记有残疾成员，但残联持证残疾人名单中无该成员",
    ),
)
BY_CODE: dict[str, ListKind] = {k.code: k for k in KINDS}
# The five lists of the benchmark and of `fupin synth --departments`: the problem kinds whose
# matches most often decide a household's eligibility (the 四有一超-style exclusions).
BENCH_KINDS = ("deaths", "vehicles", "real_estate", "company", "civil_servant")


def kind(code: str) -> ListKind:
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(
            f"unknown department list kind {code!r}: use one of {', '.join(BY_CODE)}"
        ) from None
