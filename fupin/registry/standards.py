"""Identification standards in the registry: the provinces' relative standards as their offices
record them (versions, never edited in place, withdrawn by a recorded step), and the standard a
household was identified under (its 识别标准, village and year), for its page and the checks.

Who: the province office of the province records, changes and withdraws its relative standard;
every office whose region lies in the province reads it. The national office is not a role of
fupin (accounts.Role has none), so no one above a province records one here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.scoping import has_office, scope_for
from fupin.policy import Identification, NationalRule, PolicyError, Standard, identify
from fupin.policy._text import percent, yuan
from fupin.policy.standards import DEFAULT_STANDARDS, household_standard, share_amount
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, RelativeStandard
from fupin.registry.services import RegistryDenied, RegistryError

AnyUser = AbstractBaseUser | AnonymousUser

# --- the relative standards in force -----------------------------------------------------------


def current_versions() -> QuerySet[RelativeStandard]:
    """The version in force of every recorded standard: the latest of its code not withdrawn."""
    live = RelativeStandard.objects.filter(withdrawn_at__isnull=True)
    latest = live.values("code").annotate(v=Max("version")).values_list("code", "v")
    pairs = list(latest)
    if not pairs:
        return RelativeStandard.objects.none()
    q = Q()
    for code, version in pairs:
        q |= Q(code=code, version=version)
    return live.filter(q).select_related("province").order_by("province__code", "code")


def registry_standards() -> tuple[Standard, ...]:
    """The standards households are judged by: the built-in ones (`DEFAULT_STANDARDS`), then
    those the province offices recorded. A recorded standard comes after a built-in one of the
    same province, so that where both apply it is the one chosen (the office's word counts)."""
    recorded = tuple(v.as_standard() for v in current_versions())
    return DEFAULT_STANDARDS + recorded


# --- who may ------------------------------------------------------------------------------------


def may_record_standard(user: AnyUser | None, province: Region) -> bool:
    """The province office of the province."""
    return province.level == Level.PROVINCE and has_office(user, province, Role.PROVINCE_OFFICE)


def provinces_for(user: AnyUser) -> QuerySet[Region]:
    """The provinces whose standards the user reads: those their scope reaches into (a county
    office reads its province's)."""
    scope = scope_for(user)
    provinces = Region.objects.filter(level=Level.PROVINCE)
    if scope.everything:
        return provinces
    heads = {p[:2] for p in scope.prefixes + scope.county_prefixes if p}
    if "" in scope.prefixes:
        return provinces
    return (
        provinces.filter(code__in=[f"{h}0000000000" for h in heads]) if heads else provinces.none()
    )


def standards_for(user: AnyUser) -> QuerySet[RelativeStandard]:
    """Every recorded version the user may read, withdrawn ones too (the history)."""
    return RelativeStandard.objects.filter(province__in=provinces_for(user)).select_related(
        "province", "recorded_by", "withdrawn_by"
    )


def versions_of(user: AnyUser, code: str) -> list[RelativeStandard]:
    """The versions of one standard, newest first (empty: none, or not the user's to read)."""
    return list(standards_for(user).filter(code=code).order_by("-version"))


def in_force(versions: list[RelativeStandard]) -> RelativeStandard | None:
    """The version in force among a standard's versions (the latest not withdrawn)."""
    live = [v for v in versions if not v.withdrawn]
    return max(live, key=lambda v: v.version) if live else None


# --- recording, changing, withdrawing ----------------------------------------------------------

FIELDS = (
    "name",
    "household_share",
    "village_share",
    "reference_year",
    "reference_yuan",
    "reference_source",
    "first_year",
    "last_year",
    "requires_labour_ability",
    "requires_poor_village",
)


def _years_text(first: int, last: int | None) -> str:
    return f"{first}—{last if last is not None else '今'} 年"


def _checked(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of a version, each refused with a Chinese message naming it."""
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise RegistryError(f"不能在此填写：{'、'.join(sorted(unknown))}")
    d = {f: data.get(f) for f in FIELDS}
    d["name"] = str(d["name"] or "").strip()
    d["reference_source"] = str(d["reference_source"] or "").strip()
    if not d["name"]:
        raise RegistryError("标准名称：请填写")
    if len(d["name"]) > 100:
        raise RegistryError("标准名称：最多 100 个字")
    for key, label in (
        ("household_share", "贫困户收入占比"),
        ("village_share", "重点帮扶村收入占比"),
    ):
        v = d[key]
        if v is None and key == "village_share":
            continue
        if v is None or not 0 < float(v) < 1:
            raise RegistryError(f"{label}：请填写大于 0%、小于 100% 的比例")
        d[key] = float(v)
    this_year = timezone.localdate().year
    ref_year = d["reference_year"]
    if ref_year is None or not 1978 <= int(ref_year) <= this_year:
        raise RegistryError(f"参照年度：请填写 1978 到 {this_year} 之间的年度")
    if d["reference_yuan"] is None or not float(d["reference_yuan"]) > 0:
        raise RegistryError("全省农民人均纯收入：请填写大于 0 的金额（元）")
    d["reference_yuan"] = float(d["reference_yuan"])
    if not d["reference_source"]:
        raise RegistryError("收入来源：请写明该收入的出处（如某年统计公报）")
    if len(d["reference_source"]) > 300:
        raise RegistryError("收入来源：最多 300 个字")
    first, last = d["first_year"], d["last_year"]
    if first is None or not 1978 <= int(first) <= this_year + 10:
        raise RegistryError("起始年度：请填写")
    if int(first) < int(ref_year):
        raise RegistryError(f"起始年度：{first} 年早于参照年度 {ref_year} 年")
    if last is not None and int(last) < int(first):
        raise RegistryError(f"截止年度：{last} 年早于起始年度 {first} 年")
    if d["requires_poor_village"] and d["village_share"] is None:
        raise RegistryError("须在重点帮扶村内：请同时填写重点帮扶村收入占比")
    d["requires_labour_ability"] = bool(d["requires_labour_ability"])
    d["requires_poor_village"] = bool(d["requires_poor_village"])
    return d


def _refuse_overlap(province: Region, d: Mapping[str, Any], code: str | None) -> None:
    """Two standards of a province in force the same year would leave a household's standard
    to chance: refused."""
    first, last = int(d["first_year"]), d["last_year"]
    for other in current_versions().filter(province=province).exclude(code=code or ""):
        if (last is None or other.first_year <= int(last)) and (
            other.last_year is None or first <= other.last_year
        ):
            raise RegistryError(
                f"适用年度：与现行的“{other.name}”（{_years_text(other.first_year, other.last_year)}）"
                "重叠；请先修改或撤回那一项"
            )


def amounts_text(v: RelativeStandard | Mapping[str, Any]) -> dict[str, str]:
    """The yuan amounts the shares give, as the audit row and the pages show them."""
    get = (lambda k: getattr(v, k)) if isinstance(v, RelativeStandard) else v.get
    ref = float(get("reference_yuan"))
    out = {
        "贫困户收入线": f"{percent(get('household_share'))} × {yuan(ref)} 元 = "
        f"{yuan(share_amount(get('household_share'), ref))} 元"
    }
    if get("village_share") is not None:
        out["重点帮扶村收入线"] = (
            f"{percent(get('village_share'))} × {yuan(ref)} 元 = "
            f"{yuan(share_amount(get('village_share'), ref))} 元"
        )
    return out


def _audited(v: RelativeStandard) -> dict[str, Any]:
    """A version in the audit row, in Chinese (no field codes on the audit page)."""
    return {
        "标准名称": v.name,
        "版本": v.version,
        "省份": v.province.name,
        **amounts_text(v),
        "参照收入": f"{v.reference_year} 年全省农民人均纯收入 {yuan(v.reference_yuan)} 元",
        "收入来源": v.reference_source,
        "适用年度": _years_text(v.first_year, v.last_year),
        "须有劳动能力": v.requires_labour_ability,
        "须在重点帮扶村内": v.requires_poor_village,
    }


def _record(
    *, province: Region, code: str, version: int, d: Mapping[str, Any], reason: str, user: AnyUser
) -> RelativeStandard:
    row = RelativeStandard(
        code=code,
        version=version,
        province=province,
        reason=reason,
        recorded_by=user if isinstance(user, AbstractBaseUser) else None,
        **d,
    )
    try:
        row.as_standard()  # the policy rules read it (shares and amounts agree)
    except PolicyError as e:
        raise RegistryError(f"标准无法使用：{e}") from e
    row.save()
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=row,
        after=_audited(row),
        reason=reason,
    )
    return row


def _reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise RegistryError(f"请填写{what}")
    if len(reason) > 300:
        raise RegistryError(f"{what}：最多 300 个字")
    return reason


@transaction.atomic
def relative_standard_record(
    *, province: Region, data: Mapping[str, Any], reason: str, user: AnyUser
) -> RelativeStandard:
    """A province's new relative standard (its first version), by the province office."""
    if not may_record_standard(user, province):
        raise RegistryDenied(f"{province.name}的相对贫困标准须由{province.name}扶贫办制定")
    reason = _reason(reason, "制定理由（文件依据）")
    d = _checked(data)
    _refuse_overlap(province, d, None)
    taken = RelativeStandard.objects.filter(code__startswith=f"{province.prefix}-").count()
    code = f"{province.prefix}-{taken + 1}"
    while RelativeStandard.objects.filter(code=code).exists():
        taken += 1
        code = f"{province.prefix}-{taken + 1}"
    return _record(province=province, code=code, version=1, d=d, reason=reason, user=user)


@transaction.atomic
def relative_standard_change(
    *, current: RelativeStandard, data: Mapping[str, Any], reason: str, user: AnyUser
) -> RelativeStandard:
    """A new version of a standard (the one in force is kept as history, never edited)."""
    province = current.province
    if not may_record_standard(user, province):
        raise RegistryDenied(f"{province.name}的相对贫困标准须由{province.name}扶贫办修改")
    reason = _reason(reason, "修改理由")
    # Lock the standard's versions, so two changes at once cannot take the same number.
    versions = list(
        RelativeStandard.objects.select_for_update(of=("self",))
        .filter(code=current.code)
        .order_by("-version")
    )
    live = in_force(versions)
    if live is None or live.pk != current.pk:
        raise RegistryError("该版本已不是现行版本（已被修改或撤回），请刷新后重试")
    d = _checked(data)
    if all(getattr(current, f) == d[f] for f in FIELDS):
        raise RegistryError("没有任何修改")
    _refuse_overlap(province, d, current.code)
    return _record(
        province=province,
        code=current.code,
        version=versions[0].version + 1,
        d=d,
        reason=reason,
        user=user,
    )


@transaction.atomic
def relative_standard_withdraw(
    *, version: RelativeStandard, reason: str, user: AnyUser
) -> RelativeStandard:
    """Withdraw the version in force (a wrong entry): the one before it, if any, is in force
    again. Recorded (who, when, why) and audited; the version itself stays as history."""
    province = version.province
    if not may_record_standard(user, province):
        raise RegistryDenied(f"{province.name}的相对贫困标准须由{province.name}扶贫办撤回")
    reason = _reason(reason, "撤回理由")
    versions = list(
        RelativeStandard.objects.select_for_update(of=("self",))
        .filter(code=version.code)
        .order_by("-version")
    )
    live = in_force(versions)
    if live is None or live.pk != version.pk:
        raise RegistryError("只能撤回现行版本；该版本已被修改或撤回")
    earlier = in_force([v for v in versions if v.pk != version.pk])
    if earlier is not None:
        _refuse_overlap(province, {f: getattr(earlier, f) for f in FIELDS}, version.code)
    version.withdrawn_at = timezone.now()
    version.withdrawn_by = user if isinstance(user, AbstractBaseUser) else None
    version.withdrawn_reason = reason
    version.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=version,
        before={"状态": f"现行（第 {version.version} 版）"},
        after={
            "状态": "已撤回"
            + (f"，恢复第 {earlier.version} 版" if earlier is not None else "，该标准不再适用")
        },
        reason=reason,
    )
    return version


# --- a household's own standard ----------------------------------------------------------------


@dataclass(frozen=True)
class OwnStandard:
    """The household's own standard (None when it cannot be resolved: `problem` says why), how its
    line is set, and the household judged against it in its income year."""

    standard: Standard | None
    line_text: str
    identification: Identification | None
    problem: str = ""

    @property
    def name(self) -> str:
        return self.standard.name if self.standard is not None else "未知"

    @property
    def is_national(self) -> bool:
        return self.standard is not None and isinstance(self.standard.household_rule, NationalRule)


def standard_of(household: Household, standards: tuple[Standard, ...] | None = None) -> Standard:
    """The policy standard the household was identified under; `NotInTable` when none fits."""
    return household_standard(
        household.standard,
        household.village.code,
        household.identified_year or household.income_year,
        registry_standards() if standards is None else standards,
    )


def own_standard(household: Household) -> OwnStandard:
    """The household's standard and its identification under it (never silently the national)."""
    try:
        standard = standard_of(household)
    except PolicyError:
        year = household.identified_year or "年度未知"
        return OwnStandard(
            None,
            "",
            None,
            f"{household.get_standard_display()}：{year} 年在本地没有适用的识别标准，无法判断",
        )
    rule = standard.household_rule
    line_text = "国家扶贫标准（按收入年度）" if isinstance(rule, NationalRule) else rule.describe()
    if household.income_year is None:
        return OwnStandard(standard, line_text, None, "收入年度未知，无法判断")
    try:
        # The registry holds no village incomes to judge the village again: whether the village
        # is a named one (重点帮扶村 / 贫困村) is what the region tree records.
        named = bool(household.village.is_poor_village)
        result = identify(
            household.facts(),
            household.income_year,
            standard,
            village_named=named if not isinstance(rule, NationalRule) else None,
        )
    except PolicyError:
        first, last = standard.first_year or "…", standard.last_year or "…"
        return OwnStandard(
            standard,
            line_text,
            None,
            f"收入年度 {household.income_year} 年不在{standard.name}的适用年度"
            f"（{first}—{last}）内，无法判断",
        )
    return OwnStandard(standard, line_text, result)


def own_standard_codes(
    households: QuerySet[Household], ids: np.ndarray, standards: tuple[Standard, ...] | None = None
) -> np.ndarray | None:
    """For the checks: the code of the standard each household (rows in `ids` order) was
    identified under, "" for national; None when all are national (the common case, one query).
    A household whose provincial or city standard cannot be resolved keeps "": the checks then
    judge it by the national line, as before. `standards`: `registry_standards()` by default."""
    standards = registry_standards() if standards is None else standards
    rows = (
        households.exclude(standard__in=("", "national"))
        .values_list("id", "standard", "village__code", "identified_year", "income_year")
        .iterator()
    )
    out: np.ndarray | None = None
    for pk, kind, code, identified, income_year in rows:
        try:
            standard = household_standard(kind, code, identified or income_year, standards)
        except PolicyError:
            continue
        if out is None:
            out = np.full(len(ids), "", dtype=object)
        out[int(np.searchsorted(ids, pk))] = standard.code
    return out
