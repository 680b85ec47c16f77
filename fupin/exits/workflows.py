"""The exit procedures and the 3342 sign-off as data: statuses, transitions, capacities, periods.

Read by exactly one transition service (services.exit_case_transition) and one sign-off module
(signoff.py). Sources: 《关于建立贫困退出机制的意见》(2016) for the procedures (DOMAIN.md §5) and
Gansu's 《"3342"脱贫验收责任体系实施办法》 as quoted in seeds/001 for the signing capacities.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from fupin.accounts.models import Role
from fupin.accounts.workflow import Move, move
from fupin.regions.models import Level


class ExitKind(models.TextChoices):
    HOUSEHOLD = "household", _("贫困户退出")
    VILLAGE = "village", _("贫困村退出")
    COUNTY = "county", _("贫困县退出")


class ExitStatus(models.TextChoices):
    PROPOSED = "proposed", _("拟退出")
    VERIFIED = "verified", _("已核实")
    AGREED = "agreed", _("贫困户已认可")
    CITY_REVIEWED = "city_reviewed", _("市级初审通过")
    PROVINCE_VERIFIED = "province_verified", _("省级核查通过")
    ASSESSED = "assessed", _("专项评估检查通过")
    IN_NOTICE = "in_notice", _("公示中")
    NOTICED = "noticed", _("公示无异议")
    ANNOUNCED = "announced", _("已公告退出")
    EXITED = "exited", _("已销号")
    APPROVED = "approved", _("省级批准退出")
    TERMINATED = "terminated", _("已终止")


S = ExitStatus
K = ExitKind

# Where each procedure ends: no transition, signature or data change after these.
FINAL_STATUSES: dict[str, frozenset[str]] = {
    K.HOUSEHOLD: frozenset({S.EXITED.value, S.TERMINATED.value}),
    K.VILLAGE: frozenset({S.ANNOUNCED.value, S.TERMINATED.value}),
    K.COUNTY: frozenset({S.APPROVED.value, S.TERMINATED.value}),
}


# What a move needs besides an opinion: the notice's start and end dates (opens); the period over
# and no objection standing (closes); criteria met, no objection, every 3342 signature valid.
OPENS_NOTICE, CLOSES_NOTICE, FINAL = "opens_notice", "closes_notice", "final"
# A county's 专项评估检查: the province links the decided county result of an assessment campaign;
# the county's figures are read from it, never typed (exits.assessment).
LINKS_ASSESSMENT = "links_assessment"


V, T, C, CI, P = (
    Role.VILLAGE_OFFICE,
    Role.TOWNSHIP_OFFICE,
    Role.COUNTY_OFFICE,
    Role.CITY_OFFICE,
    Role.PROVINCE_OFFICE,
)

# Who opens a case (its first step, from "" to proposed).
OPEN_MOVES: dict[str, Move] = {
    K.HOUSEHOLD: move(S.PROPOSED, V, label="村民主评议提出拟退出户"),
    K.VILLAGE: move(S.PROPOSED, T, label="乡镇提出拟退出贫困村"),
    K.COUNTY: move(S.PROPOSED, C, label="县级扶贫开发领导小组提出退出申请"),
}

# kind → its table, (from, to) → the move: the action posted is the target status. Backward
# moves only where the work really goes back: an objection in the public notice sends the case
# back to be appraised or verified again.
TRANSITIONS: dict[str, dict[tuple[str, str], Move]] = {
    # 贫困户: 民主评议 → 村两委和驻村工作队核实 → 贫困户认可 → 村内公示 → 公告 → 销号
    K.HOUSEHOLD: {
        (S.PROPOSED, S.VERIFIED): move(S.VERIFIED, V, label="村两委和驻村工作队核实"),
        (S.VERIFIED, S.AGREED): move(S.AGREED, V, label="贫困户认可退出"),
        (S.AGREED, S.IN_NOTICE): move(S.IN_NOTICE, V, label="村内公示", needs=[OPENS_NOTICE]),
        (S.IN_NOTICE, S.NOTICED): move(S.NOTICED, V, label="公示期满无异议", needs=[CLOSES_NOTICE]),
        (S.IN_NOTICE, S.PROPOSED): move(
            S.PROPOSED, V, label="公示有异议，退回重新评议", opinion=True
        ),
        (S.NOTICED, S.ANNOUNCED): move(S.ANNOUNCED, T, label="公告退出", needs=[FINAL]),
        (S.ANNOUNCED, S.EXITED): move(S.EXITED, C, label="销号（标注脱贫）", needs=[FINAL]),
    },
    # 贫困村: 乡镇提出 → 县级核查 → 乡镇公示 → 县级公告退出
    K.VILLAGE: {
        (S.PROPOSED, S.VERIFIED): move(S.VERIFIED, C, label="县级核查"),
        (S.VERIFIED, S.IN_NOTICE): move(S.IN_NOTICE, T, label="乡镇公示", needs=[OPENS_NOTICE]),
        (S.IN_NOTICE, S.NOTICED): move(S.NOTICED, T, label="公示期满无异议", needs=[CLOSES_NOTICE]),
        (S.IN_NOTICE, S.PROPOSED): move(
            S.PROPOSED, T, label="公示有异议，退回重新核查", opinion=True
        ),
        (S.NOTICED, S.ANNOUNCED): move(S.ANNOUNCED, C, label="县级公告退出", needs=[FINAL]),
    },
    # 贫困县: 县级提出 → 市级初审 → 省级核查 → 专项评估检查 → 公示 → 省级批准退出. The special
    # assessment comes before the notice, as the provinces ran it from 2017 ("经县级申请、市级初审、
    # 省级专项评估检查…现予公示"): the notice and every 3342 signer see its figures.
    K.COUNTY: {
        (S.PROPOSED, S.CITY_REVIEWED): move(S.CITY_REVIEWED, CI, label="市级初审"),
        (S.CITY_REVIEWED, S.PROVINCE_VERIFIED): move(S.PROVINCE_VERIFIED, P, label="省级核查"),
        (S.PROVINCE_VERIFIED, S.ASSESSED): move(
            S.ASSESSED, P, label="专项评估检查", needs=[LINKS_ASSESSMENT]
        ),
        (S.ASSESSED, S.IN_NOTICE): move(S.IN_NOTICE, P, label="社会公示", needs=[OPENS_NOTICE]),
        (S.IN_NOTICE, S.NOTICED): move(S.NOTICED, P, label="公示期满无异议", needs=[CLOSES_NOTICE]),
        (S.IN_NOTICE, S.PROVINCE_VERIFIED): move(
            S.PROVINCE_VERIFIED, P, label="公示有异议，退回重新核查", opinion=True
        ),
        (S.NOTICED, S.APPROVED): move(S.APPROVED, P, label="省级批准退出", needs=[FINAL]),
    },
}

# Who may end a procedure before its end, with a reason: the offices that take its steps.
TERMINATE_ROLES: dict[str, frozenset[str]] = {
    kind: frozenset({OPEN_MOVES[kind].role} | {m.role for m in TRANSITIONS[kind].values()})
    for kind in K.values
}

TERMINATE_LABEL = "终止退出程序"


def terminate_move(kind: str) -> Move:
    """Ending a procedure before its end (终止): any office that takes its steps, with a reason."""
    return Move(
        to=S.TERMINATED.value,
        roles=TERMINATE_ROLES[kind],
        label=TERMINATE_LABEL,
        opinion_required=True,
    )


# The public notice (公示): its shortest length in days, per procedure. DOMAIN.md gives no exit
# period; 7 days is the common provincial practice (monitoring, §8, asks at least 5). Configurable.
NOTICE_DAYS: dict[str, int] = {K.HOUSEHOLD: 7, K.VILLAGE: 7, K.COUNTY: 7}

# Household exit: how far above the line income must be to count as "stably above" (yuan).
HOUSEHOLD_STABLE_MARGIN = 0.0


# ---------------------------------------------------------------------------------------------
# 3342 sign-off


class SignerKind(models.TextChoices):
    OFFICE = "office", _("干部")
    HOUSEHOLD = "household", _("贫困户")


@dataclass(frozen=True)
class Capacity:
    code: str
    label: str
    signer: str = SignerKind.OFFICE


# The parties of each level, as the seed names them (村 3, 乡 3, 县 4, 市 2). The village's first
# party is the party secretary together with the committee head: one party, one signature.
CAPACITIES: dict[str, tuple[Capacity, ...]] = {
    Level.VILLAGE: (
        Capacity("village_leaders", "村党支部书记和村委会主任"),
        Capacity("work_team_leader", "驻村帮扶工作队队长"),
        Capacity("household", "贫困户", SignerKind.HOUSEHOLD),
    ),
    Level.TOWNSHIP: (
        Capacity("township_secretary", "乡镇党委书记"),
        Capacity("township_head", "乡镇长"),
        Capacity("township_station_head", "乡镇扶贫工作站站长"),
    ),
    Level.COUNTY: (
        Capacity("county_secretary", "县委书记"),
        Capacity("county_head", "县长"),
        Capacity("county_office_head", "县扶贫办主任"),
        Capacity("county_statistics_head", "县统计局局长"),
    ),
    Level.CITY: (
        Capacity("city_secretary", "市(州)委书记"),
        Capacity("city_head", "市(州)长"),
    ),
}

# The levels that sign each kind of exit, bottom-up. A household's exit goes through all four
# (12 signatures); a village has no household party, so its chain starts at the township; a
# county's at the county.
SIGNOFF_CHAINS: dict[str, tuple[str, ...]] = {
    K.HOUSEHOLD: (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY, Level.CITY),
    K.VILLAGE: (Level.TOWNSHIP, Level.COUNTY, Level.CITY),
    K.COUNTY: (Level.COUNTY, Level.CITY),
}

# Levels from bottom to top; "above" means later in this tuple.
LEVEL_ORDER: tuple[str, ...] = (
    Level.VILLAGE,
    Level.TOWNSHIP,
    Level.COUNTY,
    Level.CITY,
    Level.PROVINCE,
)

# When the chain signs: the verification (验收) of a result that passed its public notice.
SIGNABLE_STATUSES: frozenset[str] = frozenset({S.NOTICED.value})


class VoidKind(models.TextChoices):
    DATA_CHANGED = "data_changed", _("签字后数据变更")
    REVOKED = "revoked", _("上级撤销")


def level_label(level: str) -> str:
    return f"{Level(level).label}级"


def capacity(level: str, code: str) -> Capacity | None:
    return next((c for c in CAPACITIES.get(level, ()) if c.code == code), None)
