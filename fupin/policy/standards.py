"""Identification standards as data: the national standard and provinces' relative standards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from fupin.policy import _rows
from fupin.policy._text import percent, yuan
from fupin.policy.errors import NotInTable, PolicyTableError, StandardNotInForce
from fupin.policy.lines import IncomeMeasure


class StandardKind(StrEnum):
    """识别标准, as the registry records it."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    CITY = "city"

    @property
    def label(self) -> str:
        return {"national": "国家标准", "provincial": "省定标准", "city": "市定标准"}[self.value]


class Combine(StrEnum):
    """How a village rule's conditions combine."""

    ANY = "any"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class NationalRule:
    """Poor when income per capita is at or below the year's national line, or 两不愁三保障 fails.

    Safe drinking water counts alongside the three guarantees from `water_from` (2019).
    """

    water_from: int | None = 2019

    def water_counts(self, year: int) -> bool:
        return self.water_from is not None and year >= self.water_from


@dataclass(frozen=True, slots=True)
class ReferenceIncome:
    """The provincial average a relative standard is a share of (全省农民人均纯收入), with its source."""

    year: int
    yuan: float
    source: str
    income_measure: IncomeMeasure = IncomeMeasure.NET

    def __post_init__(self) -> None:
        if not self.yuan > 0:
            raise PolicyTableError("a reference income must be positive")
        if not self.source.strip():
            raise PolicyTableError(f"the reference income of {self.year} needs a source")
        object.__setattr__(self, "income_measure", IncomeMeasure(self.income_measure))

    @property
    def label(self) -> str:
        """`2011 年全省农民人均纯收入 9372 元`."""
        return f"{self.year} 年全省农民{self.income_measure.label} {yuan(self.yuan)} 元"


def share_amount(share: float, reference: float) -> float:
    """A share of the reference income in whole yuan, halves rounded up, as the provinces publish
    them (33% × 9372 = 3092.76 → 3093; 33% × 10 542 = 3478.86 → 3479)."""
    # Decimal-free half-up on cents first, so that 0.33 × 9372 is not 3092.7599999.
    cents = round(float(share) * float(reference) * 100)
    return float((cents + 50) // 100)


def _amount_from(
    what: str, income_below: float | None, share: float | None, reference: ReferenceIncome | None
) -> float:
    """The yuan limit: computed from `share` of `reference` when both are given (relative and
    dynamic: a new reference year moves it), otherwise the fixed `income_below`."""
    if (share is None) != (reference is None):
        raise PolicyTableError(f"{what}: a share needs its reference income, and the reverse")
    if share is not None and reference is not None:
        if not 0 < share < 1:
            raise PolicyTableError(f"{what}: a share must be between 0 and 1, got {share}")
        computed = share_amount(share, reference.yuan)
        if income_below not in (None, computed):
            raise PolicyTableError(
                f"{what}: {percent(share)} × {yuan(reference.yuan)} 元 = {yuan(computed)} 元, "
                f"not {income_below}"
            )
        return computed
    if income_below is None or not income_below > 0:
        raise PolicyTableError(f"{what}: the income limit must be positive")
    return float(income_below)


@dataclass(frozen=True, slots=True)
class RelativeIncomeRule:
    """A province's relative standard: poor when income per capita is strictly below a limit.

    The limit is either `share` of a `reference` provincial average (Guangdong 2013: 33% of the
    province's 2011 rural per-capita net income; `income_below` is then computed) or a fixed
    amount. `basis` names the year or prices the amount is stated in (`2011 年`, `2014 年不变价`);
    the caller supplies income on that basis. Optionally the household must have labour ability
    and live in a village the standard names (重点帮扶村).
    """

    income_below: float | None = None
    basis: str = ""
    income_measure: IncomeMeasure = IncomeMeasure.NET
    requires_labour_ability: bool = False
    requires_poor_village: bool = False
    share: float | None = None
    reference: ReferenceIncome | None = None

    def __post_init__(self) -> None:
        amount = _amount_from("a relative standard", self.income_below, self.share, self.reference)
        object.__setattr__(self, "income_below", amount)
        object.__setattr__(self, "income_measure", IncomeMeasure(self.income_measure))

    @property
    def limit(self) -> float:
        assert self.income_below is not None  # set in __post_init__
        return self.income_below

    def describe(self) -> str:
        """How the limit is set, in Chinese, for the household page."""
        return _describe(self.limit, self.basis, self.share, self.reference)


def _describe(
    amount: float, basis: str, share: float | None, reference: ReferenceIncome | None
) -> str:
    if share is not None and reference is not None:
        return f"{reference.label}的 {percent(share)}，即 {yuan(amount)} 元（来源：{reference.source}）"
    return f"{yuan(amount)} 元（{basis}）" if basis else f"{yuan(amount)} 元"


HouseholdRule = NationalRule | RelativeIncomeRule


@dataclass(frozen=True, slots=True)
class VillageRule:
    """Which villages a standard names (重点帮扶村 / 相对贫困村).

    Conditions: village income per capita below `income_below`; collective income below
    `collective_income_below`; relative-poor people at least `poor_share_at_least` of the
    registered population. Unset conditions are skipped; `combine` says any or all must hold.
    `term` is what the standard calls such a village.
    """

    income_below: float | None = None
    basis: str = ""
    income_measure: IncomeMeasure = IncomeMeasure.NET
    collective_income_below: float | None = None
    poor_share_at_least: float | None = None
    combine: Combine = Combine.ALL
    term: str = "贫困村"
    share: float | None = None
    reference: ReferenceIncome | None = None

    def __post_init__(self) -> None:
        amount = _amount_from("a village rule", self.income_below, self.share, self.reference)
        object.__setattr__(self, "income_below", amount)
        if self.poor_share_at_least is not None and not 0 < self.poor_share_at_least <= 1:
            raise PolicyTableError("a village rule's poor share must be in (0, 1]")
        object.__setattr__(self, "income_measure", IncomeMeasure(self.income_measure))
        object.__setattr__(self, "combine", Combine(self.combine))

    @property
    def limit(self) -> float:
        assert self.income_below is not None  # set in __post_init__
        return self.income_below

    def describe(self) -> str:
        return _describe(self.limit, self.basis, self.share, self.reference)


@dataclass(frozen=True, slots=True)
class Standard:
    """An identification standard: who made it, where and when it applies, and its rules.

    `region_code` is empty for the national standard, otherwise the code prefix of the province
    (2 digits) or city (4 digits). Open `first_year`/`last_year` mean the national line table
    decides which years can be judged.
    """

    code: str
    name: str
    kind: StandardKind
    household_rule: HouseholdRule
    source: str
    region_code: str = ""
    first_year: int | None = None
    last_year: int | None = None
    village_rule: VillageRule | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", StandardKind(self.kind))
        if not self.code.strip() or not self.name.strip() or not self.source.strip():
            raise PolicyTableError("a standard needs a code, a name and a source")
        if self.kind is StandardKind.NATIONAL and self.region_code:
            raise PolicyTableError(f"national standard {self.code} cannot have a region")
        if self.kind is not StandardKind.NATIONAL and not self.region_code:
            raise PolicyTableError(f"{self.kind} standard {self.code} needs a region code")
        if (
            self.first_year is not None
            and self.last_year is not None
            and self.first_year > self.last_year
        ):
            raise PolicyTableError(f"standard {self.code} ends before it starts")
        if isinstance(self.household_rule, RelativeIncomeRule) and (
            self.household_rule.requires_poor_village and self.village_rule is None
        ):
            raise PolicyTableError(f"standard {self.code} needs a village rule to name villages")

    def in_force(self, year: int) -> bool:
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )

    def check_in_force(self, year: int) -> None:
        if not self.in_force(year):
            raise StandardNotInForce(
                f"standard {self.code} ({self.name}) applies to "
                f"{self.first_year or '…'}–{self.last_year or '…'}, not {year}"
            )

    def applies_to(self, region_code: str) -> bool:
        return str(region_code).startswith(self.region_code)

    def as_dict(self) -> dict[str, object]:
        """Plain data that `standard_from_dict` reads back (for the database's editable copy)."""
        rule = self.household_rule
        household: dict[str, object]
        if isinstance(rule, NationalRule):
            household = {"type": "national", "water_from": rule.water_from}
        else:
            household = {
                "type": "relative_income",
                "income_below": rule.income_below,
                "basis": rule.basis,
                "income_measure": rule.income_measure.value,
                "requires_labour_ability": rule.requires_labour_ability,
                "requires_poor_village": rule.requires_poor_village,
                **_share_dict(rule.share, rule.reference),
            }
        village: dict[str, object] | None = None
        if self.village_rule is not None:
            v = self.village_rule
            village = {
                "income_below": v.income_below,
                "basis": v.basis,
                "income_measure": v.income_measure.value,
                "collective_income_below": v.collective_income_below,
                "poor_share_at_least": v.poor_share_at_least,
                "combine": v.combine.value,
                "term": v.term,
                **_share_dict(v.share, v.reference),
            }
        return {
            "code": self.code,
            "name": self.name,
            "kind": self.kind.value,
            "source": self.source,
            "region_code": self.region_code,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "household_rule": household,
            "village_rule": village,
        }


def standard_from_dict(data: Mapping[str, object]) -> Standard:
    """A `Standard` from plain data in the shape `Standard.as_dict` writes."""
    where = f"standard {data.get('code', '?')!r}"
    rule_data = data.get("household_rule")
    if not isinstance(rule_data, Mapping):
        raise PolicyTableError(f"{where}: missing 'household_rule'")
    rule_type = _rows.get_str(rule_data, "type", where)
    household_rule: HouseholdRule
    try:
        if rule_type == "national":
            water = rule_data.get("water_from")
            household_rule = NationalRule(
                water_from=None if water is None else _rows.get_int(rule_data, "water_from", where)
            )
        elif rule_type == "relative_income":
            share, reference = share_of(rule_data, where)
            household_rule = RelativeIncomeRule(
                income_below=_fixed_amount(rule_data),
                basis=_rows.get_optional_str(rule_data, "basis"),
                income_measure=IncomeMeasure(
                    _rows.get_optional_str(rule_data, "income_measure", "net")
                ),
                requires_labour_ability=_rows.get_bool(
                    rule_data, "requires_labour_ability", where, default=False
                ),
                requires_poor_village=_rows.get_bool(
                    rule_data, "requires_poor_village", where, default=False
                ),
                share=share,
                reference=reference,
            )
        else:
            raise PolicyTableError(f"{where}: unknown household rule type {rule_type!r}")
        village_data = data.get("village_rule")
        village_rule = None
        if isinstance(village_data, Mapping):
            v_share, v_reference = share_of(village_data, where)
            village_rule = VillageRule(
                income_below=_fixed_amount(village_data),
                basis=_rows.get_optional_str(village_data, "basis"),
                income_measure=IncomeMeasure(
                    _rows.get_optional_str(village_data, "income_measure", "net")
                ),
                collective_income_below=_optional_float(village_data, "collective_income_below"),
                poor_share_at_least=_optional_float(village_data, "poor_share_at_least"),
                combine=Combine(_rows.get_optional_str(village_data, "combine", "all")),
                term=_rows.get_optional_str(village_data, "term", "贫困村"),
                share=v_share,
                reference=v_reference,
            )
        first, last = data.get("first_year"), data.get("last_year")
        return Standard(
            code=_rows.get_str(data, "code", where),
            name=_rows.get_str(data, "name", where),
            kind=StandardKind(_rows.get_str(data, "kind", where)),
            household_rule=household_rule,
            source=_rows.get_str(data, "source", where),
            region_code=_rows.get_optional_str(data, "region_code"),
            first_year=None if first in (None, "") else _rows.get_int(data, "first_year", where),
            last_year=None if last in (None, "") else _rows.get_int(data, "last_year", where),
            village_rule=village_rule,
        )
    except PolicyTableError:
        raise
    except ValueError as e:
        raise PolicyTableError(f"{where}: {e}") from None


def _fixed_amount(data: Mapping[str, object]) -> float | None:
    """The stored amount, unless a share sets it (then it is recomputed from the share)."""
    if data.get("share") not in (None, ""):
        return None
    return _optional_float(data, "income_below")


def _share_dict(share: float | None, reference: ReferenceIncome | None) -> dict[str, object]:
    if share is None or reference is None:
        return {}
    return {
        "share": share,
        "reference": {
            "year": reference.year,
            "yuan": reference.yuan,
            "source": reference.source,
            "income_measure": reference.income_measure.value,
        },
    }


def share_of(data: Mapping[str, object], where: str) -> tuple[float | None, ReferenceIncome | None]:
    """`share` and `reference` from plain data; with them the stored amount is recomputed."""
    ref = data.get("reference")
    share = _optional_float(data, "share")
    if share is None and not isinstance(ref, Mapping):
        return None, None
    if share is None or not isinstance(ref, Mapping):
        raise PolicyTableError(f"{where}: a share needs its reference income, and the reverse")
    reference = ReferenceIncome(
        year=_rows.get_int(ref, "year", where),
        yuan=_rows.get_float(ref, "yuan", where),
        source=_rows.get_str(ref, "source", where),
        income_measure=IncomeMeasure(_rows.get_optional_str(ref, "income_measure", "net")),
    )
    return share, reference


def _optional_float(row: Mapping[str, object], key: str) -> float | None:
    if row.get(key) in (None, ""):
        return None
    return _rows.get_float(row, key, key)


NATIONAL = Standard(
    code="national",
    name="国家扶贫标准",
    kind=StandardKind.NATIONAL,
    household_rule=NationalRule(water_from=2019),
    source=(
        "《中国农村扶贫开发纲要（2011—2020年）》与 2011 年中央扶贫开发工作会议：农民人均纯收入"
        " 2300 元（2010 年不变价）与“两不愁三保障”；2019 年国务院扶贫办《关于解决“两不愁三保障”"
        "突出问题的指导意见》将饮水安全纳入核查"
    ),
)

# Seed 002 states the rule as shares (60% and 33% of the province's rural per-capita net income at
# the end of 2011); the average itself is the province's statistics bulletin's, not the seed's.
GUANGDONG_RURAL_INCOME_2011 = ReferenceIncome(
    year=2011,
    yuan=9372,
    source="《2011年广东省国民经济和社会发展统计公报》：农村居民人均纯收入 9372 元",
)

GUANGDONG_2013 = Standard(
    code="guangdong_2013",
    name="广东省第二轮扶贫开发“双到”相对贫困标准（2013—2015）",
    kind=StandardKind.PROVINCIAL,
    region_code="44",
    first_year=2013,
    last_year=2015,
    household_rule=RelativeIncomeRule(
        share=0.33,
        reference=GUANGDONG_RURAL_INCOME_2011,
        basis="2011 年",
        income_measure=IncomeMeasure.NET,
        requires_labour_ability=True,
        requires_poor_village=True,
    ),
    village_rule=VillageRule(
        share=0.60,
        reference=GUANGDONG_RURAL_INCOME_2011,
        basis="2011 年",
        income_measure=IncomeMeasure.NET,
        collective_income_below=30000,
        combine=Combine.ANY,
        term="重点帮扶村",
    ),
    source=(
        "广东省委、省政府第二轮扶贫开发“规划到户、责任到人”（2013—2015）：2011 年末村农民人均"
        "纯收入低于全省农民人均纯收入 60%（5623 元）或村集体收入低于 3 万元的为重点帮扶村；"
        "重点帮扶村内家庭人均纯收入低于全省农民人均纯收入 33%（3093 元）、有劳动能力的为贫困户"
    ),
)

GUANGDONG_2016 = Standard(
    code="guangdong_2016",
    name="广东省新时期精准扶贫相对贫困标准（2016—2020）",
    kind=StandardKind.PROVINCIAL,
    region_code="44",
    first_year=2016,
    last_year=2020,
    household_rule=RelativeIncomeRule(
        income_below=4000,
        basis="2014 年不变价",
        income_measure=IncomeMeasure.DISPOSABLE,
    ),
    village_rule=VillageRule(
        income_below=8000,
        basis="2014 年",
        income_measure=IncomeMeasure.DISPOSABLE,
        poor_share_at_least=0.05,
        combine=Combine.ALL,
        term="相对贫困村",
    ),
    source=(
        "广东省委、省政府《关于新时期精准扶贫精准脱贫三年攻坚的实施意见》（2016）：人均可支配"
        "收入低于 4000 元（2014 年不变价）的为相对贫困人口；村人均可支配收入低于 8000 元、"
        "相对贫困人口占村户籍人口 5% 以上的为相对贫困村"
    ),
)

DEFAULT_STANDARDS: tuple[Standard, ...] = (NATIONAL, GUANGDONG_2013, GUANGDONG_2016)


def household_standard(
    kind: str,
    region_code: str,
    year: int | None,
    standards: Iterable[Standard] = DEFAULT_STANDARDS,
) -> Standard:
    """The standard a household was identified under: its 识别标准 (`kind`: national, provincial,
    city; empty means national), its village's code and its identification year. The most local
    standard of that kind in force there that year; none is an error, never the national one."""
    wanted = StandardKind(kind or StandardKind.NATIONAL.value)
    if wanted is StandardKind.NATIONAL:
        return next(s for s in standards if s.kind is StandardKind.NATIONAL)
    if year is None:
        raise NotInTable(f"a {wanted.value} standard needs the identification year")
    found = [s for s in standards_in_force(region_code, year, standards) if s.kind is wanted]
    if not found:
        raise NotInTable(f"no {wanted.value} standard for region {region_code} in {year}")
    return found[-1]


def find_standard(code: str, standards: Iterable[Standard] = DEFAULT_STANDARDS) -> Standard:
    """The standard with `code` (as stored in the registry's 识别标准 detail)."""
    for s in standards:
        if s.code == code:
            return s
    raise NotInTable(f"no identification standard {code!r}")


def standards_in_force(
    region_code: str, year: int, standards: Iterable[Standard] = DEFAULT_STANDARDS
) -> tuple[Standard, ...]:
    """The standards that apply to a place in a year, national first, then the most local."""
    found = [s for s in standards if s.applies_to(region_code) and s.in_force(year)]
    return tuple(sorted(found, key=lambda s: len(s.region_code)))


def own_standard_codes_of(
    kinds: Sequence[str],
    village_codes: Sequence[str],
    years: Sequence[int | None],
    standards: Iterable[Standard] = DEFAULT_STANDARDS,
) -> list[str] | None:
    """For the checks: the code of the standard each household was identified under, from its
    识别标准 (`kinds`), village code and identification year (else its income year; 0 or None
    for unknown), "" for national or where none resolves (judged by the national line, as
    before); None when every household is national (the common case)."""
    table = tuple(standards)
    out: list[str] | None = None
    cache: dict[tuple[str, str, int | None], str] = {}
    for i, (kind, code, year) in enumerate(zip(kinds, village_codes, years, strict=True)):
        if kind in ("", None, StandardKind.NATIONAL.value):
            continue
        key = (str(kind), str(code), int(year) if year else None)
        if key not in cache:
            try:
                cache[key] = household_standard(key[0], key[1], key[2], table).code
            except (PolicyTableError, NotInTable, ValueError):
                cache[key] = ""
        if out is None:
            out = [""] * len(kinds)
        out[i] = cache[key]
    return out if out is not None and any(out) else None


def relative_limit_cases(
    standards: Iterable[Standard] = DEFAULT_STANDARDS,
) -> list[tuple[str, str, int | None, int | None, float | None]]:
    """The relative standards as the checks' engines resolve a household's own line: (kind,
    region code prefix, first year, last year, limit), in the order to try them — the most
    local first and, among equally local ones, the later in `standards` first, as
    `household_standard` chooses. The limit is None for a standard without a relative income
    rule (the national line then applies, as the NumPy checks do)."""
    table = list(standards)
    ranked = sorted(
        (i for i, s in enumerate(table) if s.kind is not StandardKind.NATIONAL),
        key=lambda i: (-len(table[i].region_code), -i),
    )
    out = []
    for i in ranked:
        s = table[i]
        rule = s.household_rule
        limit = rule.limit if isinstance(rule, RelativeIncomeRule) else None
        out.append((s.kind.value, s.region_code, s.first_year, s.last_year, limit))
    return out
