"""Field checks of East-West cooperation (issue #7, part 5; issue #17 items 6–7): for a sampled
county, draw 2–3 poor villages, 2–3 cooperation projects and about 5 poor households from each drawn
project's beneficiaries at random with a recorded seed, fill in a check form per household (did the
money and the benefit arrive), and send every "not arrived" finding into the assessments' five
verification steps as a 政策未落实 Problem.

A project's beneficiaries are those of the help app's project (assistance.Project) its ledger
entry names (`LedgerEntry.project`, set by `fieldcheck_project_link`): the beneficiary households
are kept once, where the projects are kept, rather than copied into the ledger. The county checked
should coincide with the year's provincial performance assessment's sampled county (seed 000: “所抽
县原则上应与省级党委政府扶贫开发工作成效考核抽查县重合”); another county needs a recorded reason.

The draw is recorded like the assessments' Draw/DrawItem (seed, method, frame size and checksum,
every unit drawn; append-only, a redraw supersedes): `fieldcheck_replay` proves the recorded units
follow from the seed and today's frame. The assessments' own Draw table is not reused because its
levels (county, village, household) have no place for a project, and a campaign's Draw rows feed
its survey sample. The cooperation "project list" of a county is its ledger: entries of the year
whose `county` is the county, one project per distinct `title` (withdrawn entries left out).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import models, transaction

from fupin.accounts.audit import actor_name, audit_record, real_user
from fupin.accounts.models import AuditEntry, Role
from fupin.accounts.roles import has_role
from fupin.assessments.models import Campaign
from fupin.assessments.models.draws import frame_checksum
from fupin.assessments.services.common import AssessmentError
from fupin.assessments.services.draws import counties_sampled_by
from fupin.assessments.workflows import CampaignKind, CampaignStatus, ProblemKind
from fupin.assistance.models import Project, ProjectBeneficiary
from fupin.cooperation.fieldcheck_models import (
    METHOD,
    FieldCheckDraw,
    FieldCheckForm,
    FieldCheckItem,
    ItemLevel,
)
from fupin.cooperation.models import LedgerEntry
from fupin.cooperation.workflows import EntryStatus
from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Status
from fupin.stats.selection import srs

DRAW_STATUSES = (CampaignStatus.SAMPLING, CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)
RECORD_STATUSES = (CampaignStatus.FIELDWORK, CampaignStatus.VERIFICATION)
CHECK_ROLES = (Role.WORKING_GROUP, Role.LEAD_EXPERT, Role.ENUMERATOR)
POOR_STATUSES = (Status.POOR, Status.EXITED, Status.RETURNED)


# --- errors ----------------------------------------------------------------------------------------


class FieldCheckError(ValueError):
    status = 400


class FieldCheckDenied(FieldCheckError):
    status = 403


class FieldCheckConflict(FieldCheckError):
    status = 409


# --- frames and the draw -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    key: str
    label: str


def village_frame(county: Region) -> list[Unit]:
    rows = Region.objects.filter(
        code__startswith=county.prefix, level=Level.VILLAGE, is_poor_village=True
    ).order_by("code")
    return [Unit(r.code, r.name) for r in rows]


def _ledger_projects(county: Region, year: int) -> tuple[list[Unit], dict[str, int | None]]:
    """The county's cooperation projects of the year, one per distinct ledger title (its first
    entry stands for it), and the help app's project each funds (the first entry of the title
    that names one), or None."""
    rows = (
        LedgerEntry.objects.filter(county=county, year=year)
        .exclude(title="")
        .exclude(status=EntryStatus.WITHDRAWN)
        .order_by("id")
        .values_list("id", "title", "project_id")
    )
    seen: dict[str, Unit] = {}
    links: dict[str, int | None] = {}
    for pk, title, project in rows:
        unit = seen.setdefault(title, Unit(str(pk), title))
        if links.get(unit.key) is None:
            links[unit.key] = project
    return list(seen.values()), links


def project_frame(county: Region, year: int) -> list[Unit]:
    """The county's cooperation projects of the year (the 帮扶项目清单)."""
    return _ledger_projects(county, year)[0]


def beneficiary_frame(project_id: int | None) -> list[Unit]:
    """The poor (registered: poor, exited or returned) beneficiary households of a help project,
    by household number; the label is the household's village."""
    if project_id is None:
        return []
    rows = (
        ProjectBeneficiary.objects.filter(
            project_id=project_id,
            household__registered=True,
            household__status__in=POOR_STATUSES,
        )
        .order_by("household__household_no")
        .values_list("household__household_no", "household__village__name")
    )
    return [Unit(no, name) for no, name in rows]


@dataclass(frozen=True)
class Drawn:
    villages: list[tuple[Unit, float]]
    projects: list[tuple[Unit, float]]
    households: list[tuple[Unit, float, str]]  # unit, pi, project key
    sizes: dict[str, Any]
    checksums: dict[str, str]
    links: dict[str, int | None]  # drawn project key → the help project it funds


def _pick(frame: list[Unit], n: int, rng: np.random.Generator) -> list[tuple[Unit, float]]:
    n = min(n, len(frame))
    sample = srs(len(frame), n, rng)
    return [(frame[int(i)], float(p)) for i, p in zip(sample.index, sample.pi, strict=True)]


def _draw(
    county: Region, year: int, seed: int, villages: int, projects: int, per_project: int
) -> Drawn:
    """The whole draw from one generator: villages, then projects, then for each drawn project in
    its order a simple random sample of `per_project` of its poor beneficiary households (all of
    them if fewer; none if its beneficiaries are unknown). Each household's π is within its
    project's beneficiaries."""
    rng = np.random.default_rng(seed)
    vframe = village_frame(county)
    pframe, links = _ledger_projects(county, year)
    vs = _pick(vframe, villages, rng)
    ps = _pick(pframe, projects, rng)
    households: list[tuple[Unit, float, str]] = []
    per: dict[str, int] = {}
    lines: list[str] = []
    for unit, _p in ps:
        hframe = beneficiary_frame(links.get(unit.key))
        per[unit.key] = len(hframe)
        lines += [f"{unit.key}:{u.key}" for u in hframe]
        if hframe:
            households += [(u, p, unit.key) for u, p in _pick(hframe, per_project, rng)]
    return Drawn(
        villages=vs,
        projects=ps,
        households=households,
        sizes={
            "village": len(vframe),
            "project": len(pframe),
            "household": sum(per.values()),
            "beneficiaries": per,
        },
        checksums={
            "village": frame_checksum(u.key for u in vframe),
            "project": frame_checksum(u.key for u in pframe),
            "household": frame_checksum(lines),
        },
        links={u.key: links.get(u.key) for u, _p in ps},
    )


def provincial_counties(year: int) -> dict[str, list[str]]:
    """The counties the year's provincial performance assessments (省级党委和政府扶贫开发工作成效
    考核) drew, code → campaign names: where the East-West field check should be."""
    return counties_sampled_by(year, [CampaignKind.PROVINCIAL_PERFORMANCE])


def may_check(user: Any) -> bool:
    return any(has_role(user, r) for r in CHECK_ROLES)


@transaction.atomic
def fieldcheck_draw(
    *,
    campaign: Campaign,
    county: Region,
    year: int,
    user: Any,
    seed: int | None = None,
    villages: int = 3,
    projects: int = 3,
    per_project: int = 5,
    reason: str = "",
    supersedes: FieldCheckDraw | None = None,
    county_reason: str = "",
) -> FieldCheckDraw:
    """Draw 2–3 poor villages, 2–3 cooperation projects and about `per_project` poor households
    from each drawn project's beneficiaries in a sampled county, and record the seed and every
    unit drawn. A county the campaign year's provincial performance assessment did not draw is
    refused unless `county_reason` says why (stored with the draw, audited)."""
    if user is not None and not has_role(user, Role.WORKING_GROUP):
        raise FieldCheckDenied("只有评估工作组成员可以抽取实地核查样本")
    if campaign.kind != CampaignKind.CROSS_ASSESSMENT:
        raise FieldCheckError("东西部协作实地核查须在省际交叉考核任务中进行")
    if campaign.status not in DRAW_STATUSES:
        raise FieldCheckConflict(
            f"任务当前为“{CampaignStatus(campaign.status).label}”，不能抽取实地核查样本"
        )
    if county.level != Level.COUNTY:
        raise FieldCheckError(f"{county.name}不是县")
    scope = campaign.scope_counties()
    if campaign.scope.exists() and not scope.filter(pk=county.pk).exists():
        raise FieldCheckError(f"{county.name}不在本次考核范围内")
    if not (2 <= villages <= 3 and 2 <= projects <= 3):
        raise FieldCheckError("须抽取 2–3 个贫困村和 2–3 个协作项目")
    if not 1 <= per_project <= 10:
        raise FieldCheckError("每个项目抽取的贫困户须为 1–10 户")
    if county.code not in provincial_counties(campaign.year) and not county_reason.strip():
        raise FieldCheckError(
            f"{county.name}不是{campaign.year}年省级党委和政府扶贫开发工作成效考核的抽查县；"
            "实地核查县原则上应与之重合，另选须填写原因"
        )
    if supersedes is not None:
        if not reason.strip():
            raise FieldCheckError("重抽须说明原因")
        if not supersedes.is_current:
            raise FieldCheckConflict("该抽样已被替换")
        if FieldCheckForm.objects.filter(item__draw=supersedes).exists():
            raise FieldCheckConflict("已有核查表的抽样不能重抽")
    elif FieldCheckDraw.objects.filter(campaign=campaign, county=county, year=year).exists():
        raise FieldCheckConflict(f"{county.name} {year} 年已抽样；如须重抽，请说明原因")
    if seed is None:
        seed = secrets.randbits(63)
    if seed < 0:
        raise FieldCheckError("随机种子须为非负整数")
    drawn = _draw(county, year, seed, villages, projects, per_project)
    if not drawn.villages:
        raise FieldCheckError(f"{county.name}没有贫困村，无法抽样")
    if not drawn.projects:
        raise FieldCheckError(f"{county.name} {year} 年台账中没有协作项目，无法抽样")
    draw = FieldCheckDraw.objects.create(
        campaign=campaign,
        county=county,
        year=year,
        seed=str(seed),
        method=METHOD,
        parameters={
            "villages": villages,
            "projects": projects,
            "per_project": per_project,
            "assistance_projects": drawn.links,
        },
        frame_sizes=drawn.sizes,
        frame_checksums=drawn.checksums,
        reason=reason.strip(),
        county_reason=county_reason.strip(),
        supersedes=supersedes,
        created_by=real_user(user),
        actor=actor_name(user),
    )
    items = [
        FieldCheckItem(
            draw=draw,
            level=ItemLevel.VILLAGE,
            unit_key=u.key,
            label=u.label,
            inclusion_probability=p,
            order=0,
        )
        for u, p in drawn.villages
    ]
    items += [
        FieldCheckItem(
            draw=draw,
            level=ItemLevel.PROJECT,
            unit_key=u.key,
            label=u.label,
            inclusion_probability=p,
            order=0,
        )
        for u, p in drawn.projects
    ]
    items += [
        FieldCheckItem(
            draw=draw,
            level=ItemLevel.HOUSEHOLD,
            unit_key=u.key,
            label=u.label,
            parent_key=project,
            inclusion_probability=p,
            order=0,
        )
        for u, p, project in drawn.households
    ]
    for i, item in enumerate(items, start=1):
        item.order = i
    FieldCheckItem.objects.bulk_create(items)
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=draw,
        after={
            "campaign": campaign.pk,
            "county": county.code,
            "year": year,
            "seed": str(seed),
            "units": [[it.level, it.unit_key, it.parent_key] for it in items],
            "assistance_projects": drawn.links,
            "county_reason": county_reason.strip(),
        },
        reason=f"协作实地核查抽样：{county.name} {year}"
        + (f"；抽中县不是省级考核抽查县：{county_reason.strip()}" if county_reason.strip() else ""),
    )
    return draw


def fieldcheck_replay(draw: FieldCheckDraw) -> bool:
    """Whether the recorded units are exactly what the recorded seed gives on today's frames."""
    p = draw.parameters
    drawn = _draw(
        draw.county, draw.year, int(draw.seed), p["villages"], p["projects"], p["per_project"]
    )
    want = (
        [(ItemLevel.VILLAGE.value, u.key, "") for u, _p in drawn.villages]
        + [(ItemLevel.PROJECT.value, u.key, "") for u, _p in drawn.projects]
        + [(ItemLevel.HOUSEHOLD.value, u.key, k) for u, _p, k in drawn.households]
    )
    have = list(draw.items.order_by("order").values_list("level", "unit_key", "parent_key"))
    return (
        want == have
        and drawn.checksums == draw.frame_checksums
        and drawn.links == p.get("assistance_projects")
    )


# --- the project list's beneficiaries ---------------------------------------------------------------


@dataclass(frozen=True)
class ProjectRow:
    """One project of a county's cooperation project list, with what is known of its beneficiaries."""

    entry: LedgerEntry
    project: Project | None
    poor_beneficiaries: int


def project_list(county: Region, year: int) -> list[ProjectRow]:
    """The county's cooperation projects of the year with their help project and the number of
    poor beneficiary households the field check can draw from."""
    units, links = _ledger_projects(county, year)
    entries = LedgerEntry.objects.in_bulk([int(u.key) for u in units])
    projects = Project.objects.in_bulk([p for p in links.values() if p is not None])
    return [
        ProjectRow(
            entry=entries[int(u.key)],
            project=projects.get(links[u.key]) if links.get(u.key) else None,
            poor_beneficiaries=len(beneficiary_frame(links.get(u.key))),
        )
        for u in units
    ]


def project_candidates(county: Region) -> models.QuerySet[Project]:
    """The help app's projects carried out in the county: those a ledger project may fund."""
    return Project.objects.filter(region__code__startswith=county.prefix).order_by(
        "-year", "name", "id"
    )


def may_link(user: Any, entry: LedgerEntry) -> bool:
    """The ledger's keepers (an office of either side of the pairing) and the working group."""
    from fupin.cooperation.services import office_sides

    return has_role(user, Role.WORKING_GROUP) or bool(office_sides(user, entry.pairing))


@transaction.atomic
def fieldcheck_project_link(
    *, entry: LedgerEntry, project: Project | None, user: Any
) -> list[LedgerEntry]:
    """Name the help project a ledger project funds (None: unlink): every entry of the county and
    year with the same title. Its beneficiaries become the frame the field check draws households
    from; a draw already made keeps its record and no longer replays (its frame changed)."""
    entry = LedgerEntry.objects.select_related("pairing", "county").get(pk=entry.pk)
    if user is not None and not may_link(user, entry):
        raise FieldCheckDenied("只有结对双方的扶贫（协作）办或评估工作组成员可以关联扶贫项目")
    if entry.county is None or not entry.title:
        raise FieldCheckError("该台账没有实施县或事项名称，不是项目清单中的项目")
    if entry.status == EntryStatus.WITHDRAWN:
        raise FieldCheckConflict("已撤回的台账不能关联扶贫项目")
    if project is not None and not project.region.code.startswith(entry.county.prefix):
        raise FieldCheckError(f"扶贫项目“{project.name}”不在{entry.county.name}实施，不能关联")
    entries = list(
        LedgerEntry.objects.select_for_update(of=("self",))
        .filter(county=entry.county, year=entry.year, title=entry.title)
        .exclude(status=EntryStatus.WITHDRAWN)
        .order_by("id")
    )
    before = sorted(
        set(
            Project.objects.filter(
                pk__in=[e.project_id for e in entries if e.project_id]
            ).values_list("name", flat=True)
        )
    )
    for e in entries:
        e.project = project
        e.save(update_fields=["project"])
    audit_record(
        actor=user,
        action=AuditEntry.Action.UPDATE,
        obj=entries[0],
        before={"资助的扶贫项目": "、".join(before) or "—"},
        after={"资助的扶贫项目": project.name if project else "—", "台账条数": len(entries)},
        reason=(
            f"协作项目“{entry.title}”关联扶贫项目“{project.name}”"
            if project
            else f"协作项目“{entry.title}”取消关联扶贫项目"
        ),
    )
    return entries


def _amount(value: Any, what: str) -> Decimal | None:
    if value is None or str(value).strip() == "":
        return None
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise FieldCheckError(f"{what}不是数字") from None
    if not d.is_finite() or d < 0:
        raise FieldCheckError(f"{what}须为非负数")
    return d


@transaction.atomic
def fieldcheck_record(
    *,
    item: FieldCheckItem,
    money_arrived: bool,
    benefit_arrived: bool,
    user: Any,
    amount_due: Any = None,
    amount_received: Any = None,
    remarks: str = "",
) -> FieldCheckForm:
    """Fill in a drawn household's check form. Money or benefit not arrived raises a 政策未落实
    Problem (through `problem_raise`, so its role rules apply) at the first verification step;
    when that is refused nothing is written."""
    from fupin.assessments.services.verification import problem_raise

    item = FieldCheckItem.objects.select_related("draw__campaign", "draw__county").get(pk=item.pk)
    draw = item.draw
    if item.level != ItemLevel.HOUSEHOLD:
        raise FieldCheckError("核查表只针对抽中的贫困户")
    if not draw.is_current:
        raise FieldCheckConflict("该抽样已被替换，请在新的抽样上核查")
    if FieldCheckForm.objects.filter(item=item).exists():
        raise FieldCheckConflict(f"户 {item.unit_key} 的核查表已填写")
    if draw.campaign.status not in RECORD_STATUSES:
        raise FieldCheckConflict(
            f"任务当前为“{CampaignStatus(draw.campaign.status).label}”，不能填写核查表"
        )
    if user is not None and not may_check(user):
        raise FieldCheckDenied("只有评估工作组成员、带队专家或调查员可以填写核查表")
    due = _amount(amount_due, "应到金额")
    received = _amount(amount_received, "实到金额")
    household = Household.objects.select_related("village").get(household_no=item.unit_key)
    entry = LedgerEntry.objects.get(pk=int(item.parent_key))
    problem = None
    if not (money_arrived and benefit_arrived):
        missing = "、".join(
            w for w, ok in (("资金", money_arrived), ("受益", benefit_arrived)) if not ok
        )
        text = (
            f"东西部协作实地核查：项目“{entry.title}”（台账 #{entry.pk}）{missing}未到户"
            + (f"；应到 {due} 元，实到 {received} 元" if due is not None else "")
            + (f"。{remarks.strip()}" if remarks.strip() else "")
        )
        try:
            problem = problem_raise(
                campaign=draw.campaign,
                county=draw.county,
                kind=ProblemKind.POLICY_NOT_DELIVERED,
                description=text,
                user=user,
                household=household,
            )
        except AssessmentError as e:
            raise FieldCheckDenied(str(e)) from e
    form = FieldCheckForm.objects.create(
        item=item,
        household=household,
        entry=entry,
        money_arrived=money_arrived,
        benefit_arrived=benefit_arrived,
        amount_due=due,
        amount_received=received,
        remarks=remarks.strip(),
        problem=problem,
        user=real_user(user),
        actor=actor_name(user),
    )
    audit_record(
        actor=user,
        action=AuditEntry.Action.CREATE,
        obj=form,
        household=household,
        after={
            "entry": entry.pk,
            "money_arrived": money_arrived,
            "benefit_arrived": benefit_arrived,
            "problem": problem.pk if problem else None,
        },
        reason=f"协作实地核查：{household.household_no}",
    )
    return form


def fieldcheck_draws_for(user: Any) -> models.QuerySet[FieldCheckDraw]:
    """The draws a user sees: the working group's all; an office's those of its counties."""
    from fupin.accounts.scoping import scope_for

    qs = FieldCheckDraw.objects.select_related("county", "campaign")
    if has_role(user, Role.WORKING_GROUP):
        return qs
    scope = scope_for(user)
    if scope.everything:
        return qs
    q = models.Q(pk__in=[])
    for p in scope.prefixes:
        if p:
            q |= models.Q(county__code__startswith=p)
    return qs.filter(q)
