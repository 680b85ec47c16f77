"""The ledger-entry review as data: statuses, the allowed steps and which side takes each.

Read by exactly one service (services.ledger_entry_transition). Source: DOMAIN.md §7 and the 2018
assessment (seed 000: 建立扶贫协作台账制度，每年对账考核) — an entry one side records counts only once
the other side has confirmed it, or once a dispute about it has been resolved (to the amount both
sides agreed). Confirmation locks the entry (the DHIS2 approval idea): no later step undoes it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.workflow import Move, move


class Side(models.TextChoices):
    EAST = "east", _("东部（帮扶方）")
    WEST = "west", _("西部（受帮扶方）")


def other_side(side: str) -> str:
    return Side.WEST if side == Side.EAST else Side.EAST


class Area(models.TextChoices):
    """The six areas of an agreement (DOMAIN.md §7; seed 000: 6项内容)."""

    ORGANISATION = "organisation", _("组织领导")
    TALENT = "talent", _("人才交流")
    FUNDS = "funds", _("资金支持（使用）")
    INDUSTRY = "industry", _("产业合作")
    LABOUR = "labour", _("劳务协作")
    HAND_IN_HAND = "hand_in_hand", _("携手奔小康")


class EntryStatus(models.TextChoices):
    PENDING = "pending", _("待对方确认")
    CONFIRMED = "confirmed", _("对方已确认")
    DISPUTED = "disputed", _("对方有异议")
    RESOLVED = "resolved", _("异议已解决")
    WITHDRAWN = "withdrawn", _("已撤回")


# Statuses whose entries count in reconciliation; everything else counts for nothing.
COUNTED_STATUSES = frozenset({EntryStatus.CONFIRMED.value, EntryStatus.RESOLVED.value})


class ReviewAction(models.TextChoices):
    CONFIRM = "confirm", _("确认")
    DISPUTE = "dispute", _("提出异议")
    AMEND = "amend", _("修改后重新提交")
    RESOLVE = "resolve", _("异议解决")
    WITHDRAW = "withdraw", _("撤回")


# Who takes a step (a move's roles): the side that entered the record, or the other side.
ENTERING, OTHER = "entering", "other"


# What a move needs besides an opinion: an agreed (resolve) or corrected (amend) amount.
AMOUNT = "amount"

E = EntryStatus
# (from status, action) → the move.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (E.PENDING, ReviewAction.CONFIRM): move(E.CONFIRMED, OTHER),
    (E.PENDING, ReviewAction.DISPUTE): move(E.DISPUTED, OTHER, opinion=True),
    # The entering side corrects a disputed entry and submits it again for confirmation.
    (E.DISPUTED, ReviewAction.AMEND): move(E.PENDING, ENTERING, opinion=True, needs=[AMOUNT]),
    # The side that disputed settles the dispute at the amount both sides agreed (may be 0).
    (E.DISPUTED, ReviewAction.RESOLVE): move(E.RESOLVED, OTHER, opinion=True, needs=[AMOUNT]),
    (E.PENDING, ReviewAction.WITHDRAW): move(E.WITHDRAWN, ENTERING),
    (E.DISPUTED, ReviewAction.WITHDRAW): move(E.WITHDRAWN, ENTERING),
}
