"""The help appraisal's services (一年一考核、三年结硬帐, seed 002): open, refresh, judge,
conclude and void a yearly appraisal; settle a round; record and withdraw follow-up actions
(通报、点名、约谈). Each checks who may act (appraisal_selectors), writes in one transaction and
writes its audit row; conclusion and voiding are moves of one workflow (accounts.workflow).
Results are pass/fail by item with a reason, never scores or ranks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from fupin.accounts import scoping
from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry
from fupin.accounts.workflow import Move, Outcome, Workflow, move, transition
from fupin.assistance.appraisal_evidence import (
    Context,
    appraisal_context,
    items_for,
    pairings_in_year,
    round_outcome,
)
from fupin.assistance.appraisal_selectors import (
    APPRAISERS,
    SETTLERS,
    may_appraise,
    may_settle,
    round_years,
)
from fupin.assistance.models import (
    AppraisalSide,
    AppraisalStatus,
    FollowUpKind,
    HelpAppraisal,
    HelpAppraisalItem,
    HelpAppraisalStep,
    HelpFollowUp,
    HelpingUnit,
    HelpSettlement,
    HelpSettlementItem,
    HelpSettlementStep,
    ItemBasis,
    VillagePairing,
    today,
)
from fupin.regions.models import Level, Region

AnyUser = AbstractBaseUser | AnonymousUser


class AppraisalError(ValueError):
    """A step the appraisal rules refuse; the message is for the user (Chinese)."""


class AppraisalDenied(AppraisalError):
    """The user holds no office that may take this step."""


# --- yearly appraisals ---------------------------------------------------------------------------


def _display(user: Any) -> str:
    return user.get_username() if user is not None and user.is_authenticated else "system"


def _write_items(appraisal: HelpAppraisal, ctx: Context) -> list[dict[str, Any]]:
    """(Re)compute every item's evidence; computed items get their result, judged ones keep it.
    Returns the results that changed (for the audit row)."""
    existing = {i.code: i for i in appraisal.items.all()}
    changed = []
    for order, spec in enumerate(items_for(appraisal.side), start=1):
        result = spec.compute(ctx)
        item = existing.get(spec.code) or HelpAppraisalItem(
            appraisal=appraisal, code=spec.code, label=spec.label, duty=spec.duty, basis=spec.basis
        )
        item.order = order
        item.evidence = result.evidence()
        if spec.basis == ItemBasis.COMPUTED:
            if item.pk is not None and (item.passed, item.reason) != (result.passed, result.reason):
                changed.append(
                    {"item": spec.label, "before": item.result_label, "reason": result.reason}
                )
            item.passed, item.reason = result.passed, result.reason
        item.save()
    return changed


def _refuse_if_not(allowed: bool, text: str) -> None:
    if not allowed:
        raise AppraisalDenied(text)


@transaction.atomic
def appraisal_create(
    *,
    side: str,
    village: Region,
    year: int,
    unit: HelpingUnit | None = None,
    user: AnyUser | None,
) -> HelpAppraisal:
    """Open a yearly appraisal (一年一考核) of a unit's duties in a village or of the village's
    own, with every item's evidence computed from the ledgers of that year."""
    if side not in AppraisalSide.values:
        raise AppraisalError(
            f"考核对象须为“{AppraisalSide.HELPER.label}”或“{AppraisalSide.HELPED.label}”"
        )
    if village.level != Level.VILLAGE:
        raise AppraisalError(f"{village.name} 不是村，考核以村为单位")
    _refuse_if_not(may_appraise(user, village), f"只有{village.name}所在县、市、省的扶贫办可以考核")
    if year > today().year:
        raise AppraisalError(f"考核年度 {year} 尚未开始")
    if side == AppraisalSide.HELPER:
        if unit is None:
            raise AppraisalError("考核帮扶方须选择帮扶单位")
        if not pairings_in_year(village, year, unit).exists():
            raise AppraisalError(f"{unit.name} 在 {year} 年度没有与 {village.name} 结对帮扶")
    else:
        unit = None
        if not pairings_in_year(village, year, None).exists():
            raise AppraisalError(f"{village.name} 在 {year} 年度没有结对帮扶单位")
    clash = HelpAppraisal.objects.filter(side=side, unit=unit, village=village, year=year).exclude(
        status=AppraisalStatus.VOIDED
    )
    if clash.exists():
        raise AppraisalError(f"{year} 年度的这项考核已经存在（作废后才能重新考核）")
    appraisal = HelpAppraisal(
        side=side,
        unit=unit,
        village=village,
        year=year,
        computed_at=timezone.now(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            appraisal.save()
    except IntegrityError as e:  # a concurrent request opened the same appraisal
        raise AppraisalError(f"{year} 年度的这项考核已经存在（作废后才能重新考核）") from e
    _write_items(appraisal, appraisal_context(appraisal))
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=appraisal,
        after={
            "side": side,
            "unit": unit.name if unit else "",
            "village": village.code,
            "year": year,
        },
        reason=f"发起双到年度考核：{appraisal}",
    )
    return appraisal


def _open(appraisal: HelpAppraisal) -> HelpAppraisal:
    locked = (
        HelpAppraisal.objects.select_for_update(of=("self",))
        .select_related("village", "unit")
        .get(pk=appraisal.pk)
    )
    if locked.status != AppraisalStatus.OPEN:
        raise AppraisalError(f"该考核{locked.get_status_display()}，不能再修改")
    return locked


@transaction.atomic
def appraisal_refresh(*, appraisal: HelpAppraisal, user: AnyUser | None) -> HelpAppraisal:
    """Recompute the evidence from the ledgers as they stand (only while the appraisal is open)."""
    locked = _open(appraisal)
    _refuse_if_not(may_appraise(user, locked.village), "只有县级以上扶贫办可以重新核算")
    changed = _write_items(locked, appraisal_context(locked))
    locked.computed_at = timezone.now()
    locked.save(update_fields=["computed_at"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=locked,
        after={"changed": changed},
        reason=f"重新核算考核佐证：{locked}",
    )
    return locked


@transaction.atomic
def appraisal_item_judge(
    *, item: HelpAppraisalItem, passed: bool, reason: str, user: AnyUser | None
) -> HelpAppraisalItem:
    """Record the assessor's judgement of an item the seed leaves to judgement, with a reason."""
    locked = _open(item.appraisal)
    _refuse_if_not(may_appraise(user, locked.village), "只有县级以上扶贫办可以评定考核项")
    row = HelpAppraisalItem.objects.select_for_update().get(pk=item.pk, appraisal=locked)
    if row.basis != ItemBasis.JUDGEMENT:
        raise AppraisalError(f"“{row.label}”由台账核算，不由考核人评定；请更正台账后重新核算")
    reason = reason.strip()
    if not reason:
        raise AppraisalError(f"评定“{row.label}”须写明理由")
    before = {"passed": row.passed, "reason": row.reason}
    row.passed, row.reason = bool(passed), reason
    row.judged_by = user if user is not None and user.is_authenticated else None
    row.judged_at = timezone.now()
    row.save(update_fields=["passed", "reason", "judged_by", "judged_at"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=row,
        before=before,
        after={"passed": row.passed, "reason": row.reason},
        reason=f"评定考核项“{row.label}”：{row.result_label}",
    )
    return row


CONCLUDE, VOID = AppraisalStatus.CONCLUDED.value, AppraisalStatus.VOIDED.value
S = AppraisalStatus


def _table(roles: tuple[str, ...]) -> dict[tuple[str, str], Move]:
    return {
        (S.OPEN, CONCLUDE): move(S.CONCLUDED, *roles, label="确定考核结论"),
        (S.OPEN, VOID): move(S.VOIDED, *roles, label="作废", opinion=True),
        (S.CONCLUDED, VOID): move(S.VOIDED, *roles, label="作废", opinion=True),
    }


def _refused(obj: Any, status: str, action: str) -> str:
    return f"该记录{S(status).label}，不能{'作废' if action == VOID else '确定结论'}"


APPRAISAL_WORKFLOW: Workflow[HelpAppraisal, HelpAppraisalStep] = Workflow(
    table=_table(APPRAISERS),
    step_model=HelpAppraisalStep,
    link="appraisal",
    holds=lambda user, role, obj, _for: scoping.has_office(user, obj.village, role),
    refused=_refused,
    denied=lambda obj, action, m, user: (
        f"只有{obj.village.name}所在县、市、省的扶贫办可以{m.label}"
    ),
    error=AppraisalError,
    denied_error=AppraisalDenied,
    queryset=lambda: HelpAppraisal.objects.select_related("village", "unit"),
    audit_action=AuditEntry.Action.UPDATE,
)


def appraisal_conclude(
    *, appraisal: HelpAppraisal, opinion: str, user: AnyUser | None
) -> HelpAppraisalStep:
    """Conclude: every judgement item judged; the result passes only when every item that applies
    passes (pass/fail, no score)."""

    def check(locked: HelpAppraisal, m: Move) -> Outcome:
        items = list(locked.items.all())
        pending = [i.label for i in items if i.basis == ItemBasis.JUDGEMENT and i.passed is None]
        if pending:
            raise AppraisalError("以下考核项尚未评定：" + "、".join(pending))
        failed = [i.label for i in items if i.passed is False]
        passed = not failed
        note = f"{locked}：{'合格' if passed else '不合格（' + '、'.join(failed) + '）'}"
        return Outcome(
            changes={"passed": passed, "opinion": opinion.strip()},
            after={"passed": passed},
            note=note,
        )

    return transition(
        APPRAISAL_WORKFLOW,
        obj=appraisal,
        action=CONCLUDE,
        user=user,
        check=check,
        opinion=opinion.strip(),
    )


def _void_check(reason: str) -> Callable[[Any, Move], Outcome]:
    def check(locked: Any, m: Move) -> Outcome:
        if not reason.strip():
            raise AppraisalError("作废须写明理由")
        return Outcome(note=f"作废 {locked}：{reason.strip()}")

    return check


def appraisal_void(
    *, appraisal: HelpAppraisal, reason: str, user: AnyUser | None
) -> HelpAppraisalStep:
    """Void (作废) as a recorded step: the record stays, marked void, and may be opened anew."""
    return transition(
        APPRAISAL_WORKFLOW,
        obj=appraisal,
        action=VOID,
        user=user,
        check=_void_check(reason),
        opinion=reason.strip(),
    )


# --- the three-year settlement --------------------------------------------------------------------


@transaction.atomic
def settlement_create(*, pairing: VillagePairing, user: AnyUser | None) -> HelpSettlement:
    """三年结硬帐: settle a round of a unit's pairing with a village, once its three years are
    over and all six yearly appraisals (both sides, each year) are concluded."""
    village = pairing.village
    _refuse_if_not(may_settle(user, village), f"只有{village.name}所在市、省的扶贫办可以三年结帐")
    first, last = round_years(pairing)
    if today() <= dt.date(last, 12, 31):
        raise AppraisalError(f"本轮帮扶为 {first}–{last} 年，{last} 年度结束后才能结帐")
    if HelpSettlement.objects.filter(pairing=pairing).exclude(status=S.VOIDED).exists():
        raise AppraisalError("本轮已经结帐（作废后才能重新结帐）")
    concluded = HelpAppraisal.objects.filter(
        village=village, year__range=(first, last), status=S.CONCLUDED
    )
    helper = {a.year: a for a in concluded.filter(side=AppraisalSide.HELPER, unit=pairing.unit)}
    helped = {a.year: a for a in concluded.filter(side=AppraisalSide.HELPED)}
    missing = [f"{y} 年度帮扶方考核" for y in range(first, last + 1) if y not in helper]
    missing += [f"{y} 年度被帮扶方考核" for y in range(first, last + 1) if y not in helped]
    if missing:
        raise AppraisalError("以下年度考核尚未确定结论，不能结帐：" + "、".join(missing))
    settlement = HelpSettlement.objects.create(
        pairing=pairing,
        first_year=first,
        last_year=last,
        computed_at=timezone.now(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    order = 0
    for y in range(first, last + 1):
        for side, found in ((AppraisalSide.HELPER, helper[y]), (AppraisalSide.HELPED, helped[y])):
            order += 1
            failed = [i.label for i in found.items.all() if i.passed is False]
            HelpSettlementItem.objects.create(
                settlement=settlement,
                code=f"{side}_{y}",
                order=order,
                label=f"{y} 年度{AppraisalSide(side).label}考核",
                passed=found.passed,
                reason="合格" if found.passed else "不合格：" + "、".join(failed),
                evidence={
                    "records": [{"kind": "appraisal", "key": str(found.pk), "note": str(found)}]
                },
            )
    for code, label, result in round_outcome(pairing, first, last):
        order += 1
        HelpSettlementItem.objects.create(
            settlement=settlement,
            code=code,
            order=order,
            label=label,
            passed=result.passed,
            reason=result.reason,
            evidence=result.evidence(),
        )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=settlement,
        after={"pairing": pairing.pk, "first_year": first, "last_year": last},
        reason=f"发起三年结帐：{settlement}",
    )
    return settlement


SETTLEMENT_WORKFLOW: Workflow[HelpSettlement, HelpSettlementStep] = Workflow(
    table=_table(SETTLERS),
    step_model=HelpSettlementStep,
    link="settlement",
    holds=lambda user, role, obj, _for: scoping.has_office(user, obj.pairing.village, role),
    refused=_refused,
    denied=lambda obj, action, m, user: (
        f"只有{obj.pairing.village.name}所在市、省的扶贫办可以{m.label}"
    ),
    error=AppraisalError,
    denied_error=AppraisalDenied,
    queryset=lambda: HelpSettlement.objects.select_related("pairing__village", "pairing__unit"),
    audit_action=AuditEntry.Action.UPDATE,
)


def settlement_conclude(
    *, settlement: HelpSettlement, opinion: str, user: AnyUser | None
) -> HelpSettlementStep:
    def check(locked: HelpSettlement, m: Move) -> Outcome:
        failed = [i.label for i in locked.items.all() if i.passed is False]
        passed = not failed
        note = f"三年结帐 {locked}：{'合格' if passed else '不合格（' + '、'.join(failed) + '）'}"
        return Outcome(
            changes={"passed": passed, "opinion": opinion.strip()},
            after={"passed": passed},
            note=note,
        )

    return transition(
        SETTLEMENT_WORKFLOW,
        obj=settlement,
        action=CONCLUDE,
        user=user,
        check=check,
        opinion=opinion.strip(),
    )


def settlement_void(
    *, settlement: HelpSettlement, reason: str, user: AnyUser | None
) -> HelpSettlementStep:
    return transition(
        SETTLEMENT_WORKFLOW,
        obj=settlement,
        action=VOID,
        user=user,
        check=_void_check(reason),
        opinion=reason.strip(),
    )


# --- follow-up actions ----------------------------------------------------------------------------


def _subject_village(appraisal: HelpAppraisal | None, settlement: HelpSettlement | None) -> Region:
    if appraisal is not None:
        return appraisal.village
    assert settlement is not None
    return settlement.pairing.village


@transaction.atomic
def followup_record(
    *,
    kind: str,
    date: dt.date,
    target: str,
    note: str = "",
    appraisal: HelpAppraisal | None = None,
    settlement: HelpSettlement | None = None,
    user: AnyUser | None,
) -> HelpFollowUp:
    """Record 通报、点名 or 约谈 against a failed (concluded) appraisal or settlement."""
    if (appraisal is None) == (settlement is None):
        raise AppraisalError("问责须针对一项年度考核或一次三年结帐")
    subject = appraisal if appraisal is not None else settlement
    assert subject is not None
    village = _subject_village(appraisal, settlement)
    allowed = may_appraise(user, village) if appraisal is not None else may_settle(user, village)
    _refuse_if_not(allowed, "只有考核（结帐）的扶贫办可以记录问责")
    subject = type(subject).objects.select_for_update().get(pk=subject.pk)
    if subject.status != S.CONCLUDED or subject.passed is not False:
        raise AppraisalError("只有已定结论且不合格的考核（结帐）才记录问责")
    if kind not in FollowUpKind.values:
        raise AppraisalError("问责方式须为通报、点名或单兵教练约谈")
    if date > today():
        raise AppraisalError(f"日期 {date.isoformat()} 在未来")
    if not target.strip():
        raise AppraisalError("须写明问责对象（单位或负责人）")
    row = HelpFollowUp.objects.create(
        appraisal=appraisal,
        settlement=settlement,
        kind=kind,
        date=date,
        target=target.strip()[:100],
        note=note.strip(),
        user=user if user is not None and user.is_authenticated else None,
        actor=_display(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=row,
        after={"kind": kind, "date": date, "target": row.target, "note": row.note},
        reason=f"{row.get_kind_display()}：{subject}",
    )
    return row


@transaction.atomic
def followup_void(*, follow_up: HelpFollowUp, reason: str, user: AnyUser | None) -> HelpFollowUp:
    """Withdraw a follow-up recorded by mistake: a recorded step with a reason, not a delete."""
    row = (
        HelpFollowUp.objects.select_for_update(of=("self",))
        .select_related("appraisal__village", "settlement__pairing__village")
        .get(pk=follow_up.pk)
    )
    village = _subject_village(row.appraisal, row.settlement)
    allowed = may_appraise(user, village) if row.appraisal_id else may_settle(user, village)
    _refuse_if_not(allowed, "只有考核（结帐）的扶贫办可以撤销问责记录")
    if row.voided_at is not None:
        raise AppraisalError("该问责记录已撤销")
    if not reason.strip():
        raise AppraisalError("撤销须写明理由")
    row.voided_at = timezone.now()
    row.voided_by = _display(user)
    row.void_reason = reason.strip()[:200]
    row.save(update_fields=["voided_at", "voided_by", "void_reason"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=row,
        before={"voided": False},
        after={"voided": True},
        reason=f"撤销问责记录：{row.void_reason}",
    )
    return row
