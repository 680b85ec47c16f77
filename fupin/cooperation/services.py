"""East-West cooperation operations: eastern regions and the catalogue, pairings, agreements, the
ledger and its review, self-assessments and innovation items.

Every function that changes data is keyword-only, one transaction, and writes an AuditEntry for
each change. `user=None` means a command acting on the system's authority (the synthetic year, a
load from the command line): it must then name the `side` it acts for, and the one-side rules
(the other side confirms) still hold. The computations (reconciliation, grades, cross-checks,
year-over-year multiples) are in `reconciliation.py` and re-exported here; the XLSX imports
(which call these services) are in `importing.py`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from importlib import resources
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry
from fupin.accounts.scoping import office_regions
from fupin.accounts.workflow import Move, Outcome, Workflow, transition
from fupin.cooperation.models import (
    PAIRING_REGION_LEVEL,
    Agreement,
    AgreementStatus,
    AgreementTarget,
    AssessmentComment,
    GradeRule,
    Indicator,
    InnovationItem,
    InnovationKind,
    LedgerEntry,
    LedgerReview,
    Pairing,
    PairingLevel,
    PartnerKind,
    PartnerPairing,
    SelfAssessment,
)
from fupin.cooperation.workflows import (
    AMOUNT,
    ENTERING,
    TRANSITIONS,
    EntryStatus,
    ReviewAction,
    Side,
    other_side,
)
from fupin.regions.models import Level, Region

AnyUser = AbstractBaseUser | AnonymousUser


class CooperationError(ValueError):
    """A change the cooperation rules do not allow; the message is for the user (Chinese).
    `status` is the HTTP status an API answers with: 400 the request, 403 the role, 409 the state."""

    status = 400


class CooperationDenied(CooperationError):
    status = 403


class CooperationConflict(CooperationError):
    status = 409


# --- audit and actors ----------------------------------------------------------------------------


def _decimal(value: Any, what: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CooperationError(f"{what}“{value}”不是数字") from None
    if not d.is_finite():
        raise CooperationError(f"{what}“{value}”不是数字")
    return d


# --- sides ---------------------------------------------------------------------------------------


def office_sides(
    user: AnyUser | None, pairing: Pairing, regions: list[Region] | None = None
) -> set[str]:
    """The sides of the pairing the user works for: a poverty-office (or cooperation-office)
    Membership whose region is the side's region or above it. No superuser shortcut: the ledger
    is kept and confirmed by the two sides' offices (分工负责). `regions`: the user's
    `office_regions`, when the caller already has them (one query for a whole page)."""
    return {
        side.value
        for r in (office_regions(user) if regions is None else regions)
        for side in (Side.EAST, Side.WEST)
        if pairing.region_of(side).code.startswith(r.prefix)
    }


def acting_side(user: AnyUser | None, pairing: Pairing, side: str | None) -> str:
    """The side the caller acts for; refused when the user holds no office of it (or of both)."""
    if side is not None and side not in Side.values:
        raise CooperationError(f"未知的协作方：{side}")
    if user is None:
        if side is None:
            raise CooperationError("系统操作须指明协作方（东部或西部）")
        return side
    sides = office_sides(user, pairing)
    if side is not None:
        if side not in sides:
            raise CooperationDenied(f"您不是{pairing}{Side(side).label}的工作人员")
        return side
    if not sides:
        raise CooperationDenied(f"您不是{pairing}任何一方的工作人员")
    if len(sides) > 1:
        raise CooperationError("您同时是协作双方的工作人员，请指明代表哪一方")
    return sides.pop()


# --- eastern regions, catalogue and grade rules ---------------------------------------------------


def _data_text(name: str) -> str:
    return resources.files("fupin.cooperation").joinpath("data", name).read_text("utf-8")


def _code12(code: str) -> str:
    code = code.strip()
    return code + "0" * (12 - len(code)) if len(code) in (2, 4, 6, 9) else code


@transaction.atomic
def east_regions_load(*, user: AnyUser | None = None) -> int:
    """Add the eastern partners of Gansu (Tianjin, Fujian with Fuzhou and Xiamen, Shandong with
    Qingdao, and their districts; GB/T 2260 codes in data/east_regions.csv) to the region table;
    returns how many rows were created. Existing rows are left as they are. `zone` stays blank:
    the threshold zones are for the west and centre only."""
    made = 0
    by_code = {
        r.code: r
        for r in Region.objects.filter(
            code__in=[
                _code12(r["code"])
                for r in csv.DictReader(io.StringIO(_data_text("east_regions.csv")))
            ]
        )
    }
    for row in csv.DictReader(io.StringIO(_data_text("east_regions.csv"))):
        code = _code12(row["code"])
        if code in by_code:
            continue
        parent = by_code.get(_code12(row["parent"])) if row["parent"] else None
        region = Region.objects.create(
            code=code, name=row["name"], level=row["level"], parent=parent
        )
        by_code[code] = region
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=region,
            after={"code": code, "name": region.name, "level": region.level},
            reason=f"东部协作地区：{region.name}",
        )
        made += 1
    return made


@transaction.atomic
def indicators_load_default(*, user: AnyUser | None = None, replace: bool = False) -> int:
    """Load the default catalogue (data/indicators.json); returns rows created or updated.
    Existing indicators are kept as edited unless `replace`."""
    data = json.loads(_data_text("indicators.json"))["indicators"]
    touched: set[str] = set()
    for order, item in enumerate(data, start=1):
        values = {k: item[k] for k in ("side", "area", "name", "unit", "aggregation")}
        values["order"] = order
        values["note"] = item.get("note", "")[:300]
        obj = Indicator.objects.filter(code=item["code"]).first()
        if obj is not None and not replace:
            continue
        if obj is None:
            obj = Indicator.objects.create(code=item["code"], **values)
            action = AuditEntry.Action.CREATE
        else:
            for k, v in values.items():
                setattr(obj, k, v)
            obj.save()
            action = AuditEntry.Action.UPDATE
        audit_record(
            actor=user, action=action, obj=obj, after=values, reason=f"默认指标 {obj.code}"
        )
        touched.add(obj.code)
    codes = {i.code: i for i in Indicator.objects.all()}
    for item in data:
        if item["code"] not in touched:
            continue
        obj = codes[item["code"]]
        obj.base = codes.get(item["base"]) if item.get("base") else None
        obj.counterpart = codes.get(item["counterpart"]) if item.get("counterpart") else None
        obj.save(update_fields=["base", "counterpart"])
    changed = len(touched)
    return changed


@transaction.atomic
def grade_rules_load_default(*, user: AnyUser | None = None) -> int:
    """Load data/grade_rules.json when there are no grade rules yet; returns rules created."""
    if GradeRule.objects.exists():
        return 0
    made = 0
    for item in json.loads(_data_text("grade_rules.json"))["rules"]:
        rule = GradeRule.objects.create(
            grade=item["grade"],
            side=item.get("side", ""),
            order=item["order"],
            min_score=Decimal(item["min_score"]),
            min_done_share=Decimal(item["min_done_share"]),
            max_not_done=item.get("max_not_done"),
            max_open_disputes=item.get("max_open_disputes"),
            note=item.get("note", ""),
        )
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=rule,
            after=item,
            reason=f"默认等次规则：{rule.get_grade_display()}",
        )
        made += 1
    return made


# --- pairings ------------------------------------------------------------------------------------


def check_pairing(
    level: str,
    east: Region,
    west: Region,
    parent: Pairing | None,
    start_year: int,
    end_year: int | None,
) -> None:
    if level not in PairingLevel.values:
        raise CooperationError(f"未知的结对层级：{level}")
    want_east, want_west = PAIRING_REGION_LEVEL[PairingLevel(level)]
    if east.level != want_east:
        raise CooperationError(
            f"{east.name}是{Level(east.level).label}级，"
            f"{PairingLevel(level).label}的东部须是{Level(want_east).label}级"
        )
    if west.level != want_west:
        raise CooperationError(
            f"{west.name}是{Level(west.level).label}级，"
            f"{PairingLevel(level).label}的西部须是{Level(want_west).label}级"
        )
    if east.zone:
        raise CooperationError(f"{east.name}是中西部地区，不能作为东部帮扶方")
    if not west.zone:
        raise CooperationError(f"{west.name}不是中西部地区，不能作为受帮扶方")
    if end_year is not None and end_year < start_year:
        raise CooperationError(f"终止年度 {end_year} 早于起始年度 {start_year}")
    if parent is not None:
        if parent.level == PairingLevel.DISTRICT:
            raise CooperationError("区县结对之下不能再设结对")
        if not (
            east.code.startswith(parent.east.prefix) and west.code.startswith(parent.west.prefix)
        ):
            raise CooperationError(f"{east.name}↔{west.name}不在上级结对{parent}的范围内")


@transaction.atomic
def pairing_add(
    *,
    level: str,
    east: Region,
    west: Region,
    start_year: int,
    end_year: int | None = None,
    parent: Pairing | None = None,
    source: str = "",
    user: AnyUser | None = None,
) -> Pairing:
    """Pair an eastern region with a western one (or update the years of an existing pairing)."""
    check_pairing(level, east, west, parent, start_year, end_year)
    existing = Pairing.objects.filter(east=east, west=west).first()
    values = {
        "level": level,
        "start_year": start_year,
        "end_year": end_year,
        "parent_id": parent.pk if parent else None,
        "source": source[:200],
    }
    if existing is None:
        pairing = Pairing.objects.create(east=east, west=west, **values)
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=pairing,
            after={"east": east.code, "west": west.code, **values},
            reason=f"结对：{pairing}",
        )
        return pairing
    before = {k: getattr(existing, k) for k in values}
    if before == values:
        return existing
    for k, v in values.items():
        setattr(existing, k, v)
    existing.save(update_fields=list(values))
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=existing,
        before=before,
        after=values,
        reason=f"结对：{existing}",
    )
    return existing


@transaction.atomic
def partner_pairing_add(
    *,
    kind: str,
    pairing: Pairing,
    east_name: str,
    west_region: Region,
    west_name: str = "",
    start_year: int,
    end_year: int | None = None,
    source: str = "",
    user: AnyUser | None = None,
) -> PartnerPairing:
    """Record a 携手奔小康 pairing under a district↔county pairing."""
    if kind not in PartnerKind.values:
        raise CooperationError(f"未知的结对类型：{kind}")
    if pairing.level != PairingLevel.DISTRICT:
        raise CooperationError("携手奔小康结对须挂在区县结对之下")
    if not west_region.code.startswith(pairing.west.prefix):
        raise CooperationError(f"{west_region.name}不在{pairing.west.name}")
    if kind in (PartnerKind.VILLAGE, PartnerKind.ENTERPRISE) and west_region.level != Level.VILLAGE:
        raise CooperationError(f"{PartnerKind(kind).label}的西部须是村")
    if kind == PartnerKind.TOWNSHIP and west_region.level != Level.TOWNSHIP:
        raise CooperationError("乡镇结对的西部须是乡镇")
    if kind in (PartnerKind.SCHOOL, PartnerKind.HOSPITAL) and not west_name.strip():
        raise CooperationError(f"{PartnerKind(kind).label}须写明西部学校或医院的名称")
    if not east_name.strip():
        raise CooperationError("须写明东部结对方")
    if end_year is not None and end_year < start_year:
        raise CooperationError(f"终止年度 {end_year} 早于起始年度 {start_year}")
    obj, created = PartnerPairing.objects.get_or_create(
        kind=kind,
        east_name=east_name.strip(),
        west_region=west_region,
        west_name=west_name.strip(),
        defaults={
            "pairing": pairing,
            "start_year": start_year,
            "end_year": end_year,
            "source": source[:200],
        },
    )
    if created:
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=obj,
            after={
                "kind": kind,
                "pairing": pairing.pk,
                "east_name": obj.east_name,
                "west_region": west_region.code,
                "west_name": obj.west_name,
                "start_year": start_year,
                "end_year": end_year,
            },
            reason=f"携手奔小康：{obj}",
        )
    return obj


# --- agreements ----------------------------------------------------------------------------------


@transaction.atomic
def agreement_sign(
    *,
    pairing: Pairing,
    year: int,
    targets: Mapping[str, Any],
    user: AnyUser | None,
    signed_on: dt.date | None = None,
    side: str | None = None,
    note: str = "",
    revise: bool = False,
) -> Agreement:
    """Record the pairing's signed agreement for the year with its targets (indicator code →
    target). A second agreement for the same year is refused unless `revise`, which keeps the old
    one as superseded (协议修订)."""
    acting = acting_side(user, pairing, side)
    if not pairing.start_year <= year <= (pairing.end_year or year):
        raise CooperationError(f"{pairing}在 {year} 年不在结对期内")
    if not targets:
        raise CooperationError("协议至少要有一个目标")
    catalogue = {i.code: i for i in Indicator.objects.filter(code__in=list(targets))}
    parsed: dict[str, Decimal] = {}
    for code, value in targets.items():
        indicator = catalogue.get(code)
        if indicator is None:
            raise CooperationError(f"指标 {code} 不在指标目录中")
        if not indicator.applies(year):
            raise CooperationError(f"指标 {code} 不适用于 {year} 年")
        target = _decimal(value, f"指标 {code} 的目标")
        if target < 0:
            raise CooperationError(f"指标 {code} 的目标不能为负数")
        parsed[code] = target
    current = (
        Agreement.objects.select_for_update()
        .filter(pairing=pairing, year=year, status=AgreementStatus.SIGNED)
        .first()
    )
    if current is not None:
        if not revise:
            raise CooperationConflict(f"{pairing}已有 {year} 年协议；如需修订请明确修订")
        current.status = AgreementStatus.REVISED
        current.save(update_fields=["status"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.UPDATE,
            obj=current,
            before={"status": AgreementStatus.SIGNED},
            after={"status": AgreementStatus.REVISED},
            reason=f"协议被修订：{current}",
        )
    agreement = Agreement.objects.create(
        pairing=pairing,
        year=year,
        signed_on=signed_on or timezone.localdate(),
        signed_by=f"{actor_name(user)}（{Side(acting).label}）"[:64],
        note=note,
    )
    AgreementTarget.objects.bulk_create(
        [
            AgreementTarget(agreement=agreement, indicator=catalogue[c], target=t)
            for c, t in parsed.items()
        ]
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=agreement,
        after={"pairing": pairing.pk, "year": year, "targets": parsed},
        reason=f"签订协议：{agreement}",
    )
    return agreement


def agreement_current(pairing: Pairing, year: int) -> Agreement | None:
    return Agreement.objects.filter(
        pairing=pairing, year=year, status=AgreementStatus.SIGNED
    ).first()


# --- the ledger ----------------------------------------------------------------------------------


def _entry_values(entry: LedgerEntry) -> dict[str, Any]:
    return {
        "pairing": entry.pairing_id,
        "year": entry.year,
        "date": entry.date,
        "indicator": entry.indicator.code,
        "amount": entry.amount,
        "beneficiaries": entry.beneficiaries,
        "county": entry.county.code if entry.county else None,
        "title": entry.title,
        "evidence": entry.evidence,
        "evidence_files": entry.evidence_files,
        "entered_by": entry.entered_by,
        "status": entry.status,
    }


def _check_entry(
    pairing: Pairing,
    year: int,
    date: dt.date,
    indicator: Indicator,
    amount: Decimal,
    beneficiaries: int,
    county: Region | None,
) -> None:
    if date.year != year:
        raise CooperationError(f"日期 {date.isoformat()} 不在 {year} 年度内")
    if date > timezone.localdate():
        raise CooperationError(f"日期 {date.isoformat()} 在未来")
    if not pairing.start_year <= year <= (pairing.end_year or year):
        raise CooperationError(f"{pairing}在 {year} 年不在结对期内")
    if not indicator.applies(year):
        raise CooperationError(f"指标 {indicator.code} 不适用于 {year} 年")
    if amount < 0:
        raise CooperationError("数额不能为负数")
    if beneficiaries < 0:
        raise CooperationError("受益人数不能为负数")
    if county is not None and (
        county.level != Level.COUNTY or not county.code.startswith(pairing.west.prefix)
    ):
        raise CooperationError(f"实施县{county.name}不在{pairing.west.name}范围内")


@transaction.atomic
def ledger_entry_add(
    *,
    pairing: Pairing,
    year: int,
    date: dt.date,
    indicator: Indicator | str,
    amount: Any,
    user: AnyUser | None,
    side: str | None = None,
    beneficiaries: int = 0,
    county: Region | None = None,
    title: str = "",
    evidence: str = "",
    evidence_files: Iterable[str] = (),
    source: str = "",
) -> LedgerEntry:
    """Record what one side did (a ledger line); it waits for the other side's confirmation."""
    acting = acting_side(user, pairing, side)
    if isinstance(indicator, str):
        found = Indicator.objects.filter(code=indicator).first()
        if found is None:
            raise CooperationError(f"指标 {indicator} 不在指标目录中")
        indicator = found
    value = _decimal(amount, "数额")
    _check_entry(pairing, year, date, indicator, value, beneficiaries, county)
    entry = LedgerEntry.objects.create(
        pairing=pairing,
        year=year,
        date=date,
        indicator=indicator,
        amount=value,
        beneficiaries=beneficiaries,
        county=county,
        title=title.strip()[:200],
        evidence=evidence.strip(),
        evidence_files=[str(f).strip() for f in evidence_files if str(f).strip()],
        entered_by=acting,
        user=real_user(user),
        actor=actor_name(user),
        source=source[:200],
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=entry,
        after=_entry_values(entry),
        reason=f"台账：{pairing} {indicator.code} {value}",
    )
    return entry


def _side_of(entry: LedgerEntry, by: str) -> str:
    """The side a move's role names on this entry: the side that entered it, or the other."""
    return entry.entered_by if by == ENTERING else other_side(entry.entered_by)


def _review_denied(entry: LedgerEntry, action: str, move: Move, _user: AnyUser | None) -> str:
    if action == ReviewAction.CONFIRM:
        return "录入方不能确认自己录入的台账，须由对方确认"
    return f"“{ReviewAction(action).label}”须由{Side(_side_of(entry, move.role)).label}办理"


# An entry's review (its table: workflows.TRANSITIONS); a move's role is a side, held by the side
# the user acts for (`acting_side`).
LEDGER_REVIEW: Workflow[LedgerEntry, LedgerReview] = Workflow(
    table=TRANSITIONS,
    step_model=LedgerReview,
    link="entry",
    holds=lambda _user, by, entry, acting: _side_of(entry, by) == acting,
    refused=lambda _entry, status, action: (
        f"台账状态为“{EntryStatus(status).label}”，不能{ReviewAction(action).label}"
    ),
    denied=_review_denied,
    error=CooperationConflict,
    denied_error=CooperationDenied,
    queryset=lambda: LedgerEntry.objects.select_related(
        "pairing__east", "pairing__west", "indicator"
    ),
)


@transaction.atomic
def ledger_entry_transition(
    *,
    entry: LedgerEntry,
    action: str,
    user: AnyUser | None,
    side: str | None = None,
    opinion: str = "",
    amount: Any = None,
) -> LedgerReview:
    """One step of an entry's review (the table in workflows.py): the other side confirms or
    disputes; the entering side amends a disputed entry (back to pending) or withdraws it; the
    side that disputed resolves the dispute at the agreed amount. The entering side can never
    confirm its own entry."""
    if action not in ReviewAction.values:
        raise CooperationError(f"未知的操作：{action}")
    label = ReviewAction(action).label
    entry = LedgerEntry.objects.select_related("pairing__east", "pairing__west").get(pk=entry.pk)
    acting = acting_side(user, entry.pairing, side)
    opinion = opinion.strip()

    def check(locked: LedgerEntry, move: Move) -> Outcome:
        if move.opinion_required and not opinion:
            raise CooperationError(f"“{label}”须填写意见")
        value: Decimal | None = None
        if move.requires(AMOUNT):
            if amount is None or str(amount).strip() == "":
                raise CooperationError(f"“{label}”须填写数额")
            value = _decimal(amount, "数额")
            if value < 0:
                raise CooperationError("数额不能为负数")
        elif amount is not None:
            raise CooperationError(f"“{label}”不填数额")
        changes: dict[str, Any] = {}
        if action == ReviewAction.AMEND and value is not None:
            changes = {"amount": value, "agreed_amount": None}
        elif action == ReviewAction.RESOLVE:
            changes = {"agreed_amount": value}
        return Outcome(
            step={"action": action, "side": acting, "amount": value},
            changes=changes,
            before={"amount": locked.amount, "agreed_amount": locked.agreed_amount},
            after=lambda saved, _row: {
                "amount": saved.amount,
                "agreed_amount": saved.agreed_amount,
            },
        )

    return transition(
        LEDGER_REVIEW,
        obj=entry,
        action=action,
        user=user,
        check=check,
        opinion=opinion,
        acting_for=acting,
        note=f"台账{label}（{Side(acting).label}）：{opinion}",
    )


def ledger_entry_moves(
    entry: LedgerEntry, user: AnyUser | None, regions: list[Region] | None = None
) -> list[str]:
    """The actions the user may take on the entry now (for pages: the role check only);
    `regions` as for `office_sides`."""
    sides = office_sides(user, entry.pairing, regions)
    out = []
    for (status, action), move in TRANSITIONS.items():
        by = entry.entered_by if move.role == ENTERING else other_side(entry.entered_by)
        if status == entry.status and by in sides:
            out.append(str(action))
    return out


# --- self-assessments and innovations -----------------------------------------------------------


@transaction.atomic
def self_assessment_submit(
    *,
    pairing: Pairing,
    year: int,
    text: str,
    user: AnyUser | None,
    side: str | None = None,
    claims: Mapping[str, Any] | None = None,
    claimed_grade: str = "",
) -> SelfAssessment:
    """One side's self-assessment for the year (resubmitting replaces the text and claims)."""
    acting = acting_side(user, pairing, side)
    if not text.strip():
        raise CooperationError("自评报告不能为空")
    parsed = {}
    known = set(Indicator.objects.filter(side=acting).values_list("code", flat=True))
    for code, value in (claims or {}).items():
        if code not in known:
            raise CooperationError(f"指标 {code} 不是{Side(acting).label}的考核指标")
        parsed[code] = str(_decimal(value, f"指标 {code} 的自报数"))
    obj = SelfAssessment.objects.filter(pairing=pairing, year=year, side=acting).first()
    values = {"text": text.strip(), "claims": parsed, "claimed_grade": claimed_grade[:4]}
    if obj is None:
        obj = SelfAssessment.objects.create(
            pairing=pairing,
            year=year,
            side=acting,
            user=real_user(user),
            actor=actor_name(user),
            **values,
        )
        audit_record(
            actor=user,
            action=AuditEntry.Action.CREATE,
            obj=obj,
            after=values,
            reason=f"自评：{obj}",
        )
        return obj
    before = {k: getattr(obj, k) for k in values}
    for k, v in values.items():
        setattr(obj, k, v)
    obj.save(update_fields=list(values))
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=obj,
        before=before,
        after=values,
        reason=f"自评：{obj}",
    )
    return obj


@transaction.atomic
def self_assessment_comment(
    *,
    assessment: SelfAssessment,
    text: str,
    agrees: bool,
    user: AnyUser | None,
    side: str | None = None,
) -> AssessmentComment:
    """The other side's comment on a self-assessment; a side cannot comment on its own."""
    acting = acting_side(user, assessment.pairing, side)
    if acting == assessment.side:
        raise CooperationDenied("不能评价本方的自评，须由对方评价")
    if not text.strip():
        raise CooperationError("评价意见不能为空")
    comment = AssessmentComment.objects.create(
        assessment=assessment,
        side=acting,
        agrees=agrees,
        text=text.strip(),
        user=real_user(user),
        actor=actor_name(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=comment,
        after={"assessment": assessment.pk, "side": acting, "agrees": agrees, "text": comment.text},
        reason=f"评价对方自评：{assessment}",
    )
    return comment


@transaction.atomic
def innovation_add(
    *,
    pairing: Pairing,
    year: int,
    kind: str,
    title: str,
    user: AnyUser | None,
    side: str | None = None,
    description: str = "",
    amount: Any = None,
    beneficiaries: int = 0,
) -> InnovationItem:
    """Note an innovation (自选动作), kept apart from the agreement's indicators."""
    acting = acting_side(user, pairing, side)
    if kind not in InnovationKind.values:
        raise CooperationError(f"未知的创新工作类型：{kind}")
    if not title.strip():
        raise CooperationError("须写明创新事项")
    value = _decimal(amount, "金额") if amount is not None and str(amount).strip() else None
    if beneficiaries < 0 or (value is not None and value < 0):
        raise CooperationError("金额和受益人数不能为负数")
    item = InnovationItem.objects.create(
        pairing=pairing,
        year=year,
        side=acting,
        kind=kind,
        title=title.strip()[:200],
        description=description.strip(),
        amount=value,
        beneficiaries=beneficiaries,
        user=real_user(user),
        actor=actor_name(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=item,
        after={
            "pairing": pairing.pk,
            "year": year,
            "side": acting,
            "kind": kind,
            "title": item.title,
            "amount": value,
            "beneficiaries": beneficiaries,
        },
        reason=f"创新工作：{item.title}",
    )
    return item


# Re-exported so that callers find every operation here (the XLSX imports, which call these
# services, are in `importing.py`).
from fupin.cooperation.reconciliation import (  # noqa: E402
    cross_checks,
    grade_compute,
    reconciliation,
    yoy_multiples,
)

__all__ = [
    "CooperationConflict",
    "CooperationDenied",
    "CooperationError",
    "agreement_current",
    "agreement_sign",
    "cross_checks",
    "east_regions_load",
    "grade_compute",
    "grade_rules_load_default",
    "indicators_load_default",
    "innovation_add",
    "ledger_entry_add",
    "ledger_entry_moves",
    "ledger_entry_transition",
    "office_sides",
    "pairing_add",
    "partner_pairing_add",
    "reconciliation",
    "self_assessment_comment",
    "self_assessment_submit",
    "yoy_multiples",
]
