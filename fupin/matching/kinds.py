"""The kinds of department lists (部门数据) compared with the registry, and what a match means."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Effect(StrEnum):
    # A match is itself a doubt about the household (it may be wrongly registered, 错评, or a
    # member should have left the roster): the household is flagged for verification (凡疑必核).
    PROBLEM = "problem"
    # The list and the registry describe the same fact (低保, 残疾, 在校, 大病, 危房: FACTS): a
    # match confirms it; a disagreement between the two, in either direction, is what gets flagged.
    CONSISTENCY = "consistency"


class Level(StrEnum):
    # The fact is the member's (残疾, 大病, 在校): that member should be on the list.
    MEMBER = "member"
    # The fact is the household's (低保贫困户, 危房户): some member of it should be on the list.
    HOUSEHOLD = "household"


@dataclass(frozen=True)
class RegistryFact:
    """The registry fact a consistency list states: `column` of the registry members table
    (fupin.matching.match_lists' input; fupin.analytics.matching.registry_members) holds `value`
    where the registry claims it. Both engines compare through this one table (FACTS)."""

    column: str
    value: str | bool
    level: Level
    label: str  # Chinese, as a report states the fact

    @property
    def key(self) -> str:
        """The column a list member is matched by to satisfy the claim."""
        return "id_key" if self.level is Level.MEMBER else "household_no"


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
    registry_fact: RegistryFact | None = None
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
        registry_fact=RegistryFact("attribute", "dibao", Level.HOUSEHOLD, "贫困户属性为低保贫困户"),
        missing_reason="建档立卡户属性为低保贫困户，但民政低保名单中无该户成员",
    ),
    ListKind(
        "disability",
        "持证残疾人名单",
        "残疾人联合会",
        Effect.CONSISTENCY,
        "家庭成员持有残疾人证（残联名单），但建档立卡健康状况未登记为残疾",
        registry_fact=RegistryFact("health", "disabled", Level.MEMBER, "健康状况为残疾"),
        missing_reason="建档立卡登记有残疾成员，但残联持证残疾人名单中无该成员",
    ),
    ListKind(
        "school_roll",
        "学生学籍名单",
        "教育",
        Effect.CONSISTENCY,
        "家庭成员在教育学籍名单中（有在读学籍），但建档立卡在校生状况未登记为在校生",
        registry_fact=RegistryFact(
            "school_status", "in_school", Level.MEMBER, "在校生状况为在校生"
        ),
        missing_reason=(
            "建档立卡登记为在校生，但教育学籍名单中无该成员，需核实是否辍学或在外地就读"
        ),
    ),
    ListKind(
        "serious_illness",
        "大病患者名单",
        "卫生健康",
        Effect.CONSISTENCY,
        "家庭成员在卫健大病患者名单中，但建档立卡健康状况未登记为大病",
        registry_fact=RegistryFact("health", "serious", Level.MEMBER, "健康状况为大病"),
        missing_reason="建档立卡登记有大病成员，但卫健大病患者名单中无该成员",
    ),
    ListKind(
        "dangerous_house",
        "农村危房户名单",
        "住房和城乡建设",
        Effect.CONSISTENCY,
        "家庭成员在住建危房户名单中，但建档立卡户未登记为危房户",
        registry_fact=RegistryFact("at_risk_housing", True, Level.HOUSEHOLD, "登记为危房户"),
        missing_reason="建档立卡户登记为危房户，但住建危房户名单中无该户成员",
    ),
)
BY_CODE: dict[str, ListKind] = {k.code: k for k in KINDS}
# kind → the registry fact its list states (the consistency kinds only).
FACTS: dict[str, RegistryFact] = {k.code: k.registry_fact for k in KINDS if k.registry_fact}
# The fact columns the registry members table carries (absent ones count as unknown), in order.
FACT_COLUMNS: tuple[str, ...] = tuple(dict.fromkeys(f.column for f in FACTS.values()))
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
