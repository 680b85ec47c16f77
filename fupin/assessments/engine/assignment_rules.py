"""Who may evaluate what (三回避, 以老带新): evaluator records, rules, violations and the explanations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from fupin.policy.zones import PROVINCES

_EASTERN_PROVINCES = {
    "11": "北京市",
    "12": "天津市",
    "21": "辽宁省",
    "31": "上海市",
    "32": "江苏省",
    "33": "浙江省",
    "35": "福建省",
    "37": "山东省",
    "44": "广东省",
}
PROVINCE_NAMES: dict[str, str] = {p.code: p.name for p in PROVINCES} | _EASTERN_PROVINCES


def province_name(code: str) -> str:
    """The province's Chinese name from its 2-digit code ("62" → 甘肃省); unknown codes as given."""
    return PROVINCE_NAMES.get(code[:2], f"{code}省")


@dataclass(frozen=True, slots=True)
class Institution:
    """A third-party evaluation institution (评估机构), the province it is located in, and the
    provinces whose own assessment it took part in (三回避 applies to institutions too)."""

    id: str
    name: str
    province: str
    took_part_in: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Expert:
    """An expert; `took_part_in` holds the provinces whose own assessment they worked on."""

    id: str
    name: str
    employer_province: str
    experienced: bool = False
    took_part_in: frozenset[str] = frozenset()
    institution_id: str | None = None


@dataclass(frozen=True, slots=True)
class Enumerator:
    """A field enumerator (调查员) sent by an institution."""

    id: str
    name: str
    home_province: str
    experienced: bool
    took_part_in: frozenset[str] = frozenset()
    institution_id: str = ""


@dataclass(frozen=True, slots=True)
class CountyTask:
    """A sampled county to assess and its workload in households."""

    code: str
    province: str
    households: int
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}（{self.code}）" if self.name else self.code


@dataclass(frozen=True, slots=True)
class Team:
    """A two-person field team: an experienced mentor and a newcomer (以老带新)."""

    id: str
    institution_id: str
    mentor: Enumerator
    newcomer: Enumerator

    @property
    def members(self) -> tuple[Enumerator, Enumerator]:
        return (self.mentor, self.newcomer)


class Rule(StrEnum):
    """Every rule an assignment can break; the first four are the avoidance rules (三回避)."""

    OWN_PROVINCE = "own_province"
    EMPLOYER_PROVINCE = "employer_province"
    HOME_PROVINCE = "home_province"
    TOOK_PART = "took_part"
    EXPERT_INSTITUTION = "expert_institution"
    MENTORING = "mentoring"
    SAME_INSTITUTION = "same_institution"
    TEAM_COUNTY = "team_county"
    ONE_PLACE = "one_place"
    COVERAGE = "coverage"
    CAPACITY = "capacity"
    EXPERT_COUNT = "expert_count"
    EXPERIENCED_LEAD = "experienced_lead"
    HOUSEHOLD_TEAM = "household_team"

    @property
    def label(self) -> str:
        return _RULE_LABELS[self][0]

    @property
    def label_en(self) -> str:
        return _RULE_LABELS[self][1]


_RULE_LABELS = {
    Rule.OWN_PROVINCE: ("本省回避", "own-province rule"),
    Rule.EMPLOYER_PROVINCE: ("雇主省份回避", "employer-province rule"),
    Rule.HOME_PROVINCE: ("家乡省份回避", "home-province rule"),
    Rule.TOOK_PART: ("参评回避", "took-part rule"),
    Rule.EXPERT_INSTITUTION: ("专家随本机构", "experts stay with their institution"),
    Rule.MENTORING: ("以老带新", "one experienced and one new member"),
    Rule.SAME_INSTITUTION: ("同一机构组队", "team members from one institution"),
    Rule.TEAM_COUNTY: ("调查组只去本机构承担的县", "teams only work where their institution does"),
    Rule.ONE_PLACE: ("每人只在一处", "nobody in two places"),
    Rule.COVERAGE: ("每县恰好一家机构", "exactly one institution per county"),
    Rule.CAPACITY: ("承担县数上限", "capacity limit"),
    Rule.EXPERT_COUNT: ("每县专家人数", "experts per county"),
    Rule.EXPERIENCED_LEAD: ("每县至少一名有经验的专家", "an experienced expert per county"),
    Rule.HOUSEHOLD_TEAM: ("住户由本县调查组调查", "households surveyed by a team of their county"),
}

_REASONS: dict[Rule, tuple[str, str]] = {
    Rule.OWN_PROVINCE: ("位于{p}", "are located in {p}"),
    Rule.EMPLOYER_PROVINCE: ("受雇于{p}单位", "are employed in {p}"),
    Rule.HOME_PROVINCE: ("家在{p}", "are from {p}"),
    Rule.TOOK_PART: ("参加过{p}的本省评估", "took part in {p}'s own assessment"),
    Rule.EXPERT_INSTITUTION: ("属于其他机构", "belong to another institution"),
}


def institution_exclusions(institution: Institution, county: CountyTask) -> tuple[Rule, ...]:
    """The rules that keep an institution off a county (empty when it may evaluate it)."""
    rules: list[Rule] = []
    if institution.province == county.province:
        rules.append(Rule.OWN_PROVINCE)
    if county.province in institution.took_part_in:
        rules.append(Rule.TOOK_PART)
    return tuple(rules)


def expert_exclusions(
    expert: Expert, county: CountyTask, holder: str | None = None
) -> tuple[Rule, ...]:
    """The rules that keep an expert off a county; `holder` is the institution assessing it.

    An expert sent by an institution works only on the counties that institution holds.
    """
    rules: list[Rule] = []
    if expert.employer_province == county.province:
        rules.append(Rule.EMPLOYER_PROVINCE)
    if county.province in expert.took_part_in:
        rules.append(Rule.TOOK_PART)
    if holder is not None and expert.institution_id not in (None, holder):
        rules.append(Rule.EXPERT_INSTITUTION)
    return tuple(rules)


def enumerator_exclusions(enumerator: Enumerator, county: CountyTask) -> tuple[Rule, ...]:
    """The rules that keep an enumerator off a county.

    The national rules name institutions and experts; we also keep enumerators away from their
    home province, the same conflict of interest one level down.
    """
    rules: list[Rule] = []
    if enumerator.home_province == county.province:
        rules.append(Rule.HOME_PROVINCE)
    if county.province in enumerator.took_part_in:
        rules.append(Rule.TOOK_PART)
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule in a given assignment, said in Chinese and English."""

    rule: Rule
    subject: str
    county: str | None
    message: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message}（{self.rule.label}） / {self.message_en} ({self.rule.label_en})"


@dataclass(frozen=True, slots=True)
class Blocker:
    """Why no assignment exists: the rules, and the counties and people or institutions involved."""

    rules: tuple[Rule, ...]
    counties: tuple[str, ...]
    subjects: tuple[str, ...]
    message: str
    message_en: str


class AssignmentInfeasible(ValueError):
    """No assignment keeps every rule; `blockers` say which rules and whom."""

    def __init__(self, blockers: Sequence[Blocker]) -> None:
        self.blockers = tuple(blockers)
        text = "\n".join(f"{b.message}\n{b.message_en}" for b in self.blockers)
        super().__init__(text)

    @property
    def rules(self) -> frozenset[Rule]:
        return frozenset(r for b in self.blockers for r in b.rules)


def names(items: Sequence[str], unit: str, *, limit: int = 8) -> str:
    """张三、李四、… 等 12 名."""
    shown = "、".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} 等 {len(items)} {unit}"


def each(unit: str) -> str:
    """每人 for people, 每家 for institutions."""
    return "人" if unit == "名" else unit


def names_en(items: Sequence[str], *, limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


@dataclass(frozen=True)
class Role:
    """How candidates are spoken of in messages: 专家/名, 评估机构/家."""

    zh: str
    en: str
    unit: str


INSTITUTION_ROLE = Role("评估机构", "institutions", "家")
EXPERT_ROLE = Role("专家", "experts", "名")
LEAD_ROLE = Role("有经验的专家", "experienced experts", "名")
MENTOR_ROLE = Role("有经验的调查员", "experienced enumerators", "名")
NEWCOMER_ROLE = Role("新调查员", "new enumerators", "名")


@dataclass
class Group:
    """Counties that draw on one pool of candidates, for Hall's condition: enough of them, enough
    capacity. `per_county` distinct candidates are needed in each county; each serves at most
    `capacity` counties of the group (None: any number)."""

    where: str
    where_en: str
    counties: Sequence[CountyTask]
    role: Role
    pool: Sequence[tuple[str, str]]
    excluded: Callable[[int, CountyTask], tuple[Rule, ...]]
    per_county: int
    capacity: int | None
    extra_rules: tuple[Rule, ...] = field(default=())

    def blocker(self) -> Blocker | None:
        """A blocker when the pool cannot staff the counties, naming who is excluded and why."""
        available: list[int] = []
        clauses: dict[tuple[Rule, str], list[int]] = {}
        for k in range(len(self.pool)):
            per_county = [self.excluded(k, c) for c in self.counties]
            if any(not rules for rules in per_county):
                available.append(k)
                continue
            for county, rules in zip(self.counties, per_county, strict=True):
                for rule in rules:
                    members = clauses.setdefault((rule, county.province), [])
                    if not members or members[-1] != k:
                        members.append(k)
        demand = self.per_county * len(self.counties)
        need = self.per_county
        if self.capacity is not None:
            need = max(need, -(-demand // self.capacity))
        if len(available) >= need:
            return None
        return self._explain(available, clauses, need)

    def _explain(
        self, available: list[int], clauses: dict[tuple[Rule, str], list[int]], need: int
    ) -> Blocker:
        role, unit = self.role, self.role.unit
        pool_names = [self.pool[k][1] for k in range(len(self.pool))]
        if available:
            listed = names([pool_names[k] for k in available], unit)
            head = f"{self.where}只剩 {len(available)} {unit}可用{role.zh}（{listed}），需要 {need} {unit}"
            head_en = (
                f"{self.where_en}: only {len(available)} eligible {role.en} left "
                f"({names_en([pool_names[k] for k in available])}), {need} needed"
            )
        else:
            head = f"{self.where}没有可用的{role.zh}"
            head_en = f"{self.where_en}: no eligible {role.en}"
        if self.capacity is not None and need > self.per_county:
            head += f"（每{each(unit)}至多承担 {self.capacity} 个县）"
            head_en += f" (each takes at most {self.capacity} counties)"
        parts, parts_en = [], []
        everyone = not available and len(clauses) == 1
        for (rule, province), members in clauses.items():
            p = province_name(province)
            reason, reason_en = (r.format(p=p) for r in _REASONS[rule])
            people = [pool_names[k] for k in members]
            if everyone and len(members) == len(self.pool):
                who, who_en = f"所有{role.zh}均", f"all {role.en}"
            else:
                both = "均" if len(members) > 1 else ""
                who, who_en = f"{role.zh} {names(people, unit)} {both}", names_en(people)
            parts.append(f"{who}{reason}（{rule.label}）")
            parts_en.append(f"{who_en} {reason_en} ({rule.label_en})")
        if not self.pool:
            parts.append(f"没有任何{role.zh}")
            parts_en.append(f"there are no {role.en} at all")
        message = head + ("：" + "；".join(parts) if parts else "")
        message_en = head_en + ("; " + "; ".join(parts_en) if parts_en else "")
        rules = tuple(dict.fromkeys(r for r, _ in clauses)) + self.extra_rules
        if self.capacity is not None and need > self.per_county:
            rules += (Rule.CAPACITY,)
        return Blocker(
            rules=rules,
            counties=tuple(c.code for c in self.counties),
            subjects=tuple(dict.fromkeys(self.pool[k][0] for m in clauses.values() for k in m)),
            message=message,
            message_en=message_en,
        )


def province_groups(counties: Iterable[CountyTask]) -> dict[str, list[CountyTask]]:
    """Counties by province, in first-seen order."""
    groups: dict[str, list[CountyTask]] = {}
    for county in counties:
        groups.setdefault(county.province, []).append(county)
    return groups


def where(counties: Sequence[CountyTask], suffix: str = "") -> tuple[str, str]:
    """甘肃省的3个县 / 3 counties of 甘肃省 (62); a single county is named."""
    provinces = list(dict.fromkeys(c.province for c in counties))
    if len(counties) == 1:
        c = counties[0]
        return f"{province_name(c.province)}的县 {c.label}{suffix}", f"county {c.label}{suffix}"
    if len(provinces) == 1:
        p = provinces[0]
        return (
            f"{province_name(p)}的{len(counties)}个县{suffix}",
            f"{len(counties)} counties of {province_name(p)} ({p}){suffix}",
        )
    return f"{len(counties)}个县{suffix}", f"{len(counties)} counties{suffix}"
