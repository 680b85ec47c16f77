"""The verification roles of a campaign (五核), given and ended by its working group: the lead
expert (复核) of a county, the expert group (专家组核) and the department checkers (部门核).

How each role is held is what the verification code reads (services/verification.py): the lead
expert is a Membership tied to nothing, acting only on the counties its expert is assigned to by
the run in force; the expert group and the department are Memberships tied to the campaign.
Every grant and end goes through `membership_grant` / a Membership delete under `acting_as`, so
the audit trail records who, when and what.

Refusing an expert both roles here keeps the lists clean; the rule itself (专家组核 by experts
other than the one who did 复核) is enforced at the step, whoever holds which role
(services/verification.py, `REVIEWED_BY_SELF_REFUSED`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from fupin.accounts.auditing import acting_as
from fupin.accounts.models import Membership, Role
from fupin.accounts.services import AccountError, membership_grant
from fupin.assessments.models import Campaign, Expert, ExpertCounty
from fupin.assessments.services.common import AssessmentError, User, in_working_group
from fupin.assessments.services.evaluators import assignment_current
from fupin.regions.models import Region

# The roles a working group gives for its campaign, in the order the five steps use them.
CAMPAIGN_GRANTABLE = (Role.LEAD_EXPERT.value, Role.EXPERT_GROUP.value, Role.DEPARTMENT.value)


@dataclass(frozen=True)
class RoleHolder:
    """One person holding one verification role of a campaign."""

    user: User
    role: str
    name: str  # the expert's name, or the user's full name / username
    counties: tuple[Region, ...]  # the counties the expert is assigned to (lead expert)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label)


def _require_working_group(user: User | None, campaign: Campaign) -> None:
    if not in_working_group(user, campaign):
        raise AssessmentError("只有本任务的评估工作组成员可以设定核查人员")


def _role_checked(role: str) -> str:
    if role not in CAMPAIGN_GRANTABLE:
        labels = "、".join(str(Role(r).label) for r in CAMPAIGN_GRANTABLE)
        raise AssessmentError(f"评估工作组只能设定{labels}，不能设定“{role}”")
    return role


def person_name(person: User) -> str:
    expert = Expert.objects.filter(user_id=person.pk).first()
    if expert is not None:
        return expert.name
    return person.get_full_name() or person.get_username()


def _assigned_counties(campaign: Campaign, person: User) -> list[Region]:
    """The counties the person's expert record is assigned to by this campaign's run in force."""
    run = assignment_current(campaign, "expert")
    if run is None:
        return []
    return [
        ec.county
        for ec in ExpertCounty.objects.filter(assignment=run, expert__user_id=person.pk)
        .select_related("county")
        .order_by("county__code")
    ]


def _expert_of(person: User) -> Expert:
    expert = Expert.objects.filter(user_id=person.pk).first()
    if expert is None:
        raise AssessmentError(f"{person.get_username()} 不是登记的评估专家")
    if not expert.exam_passed:
        raise AssessmentError(f"专家{expert.name}未通过培训考试，不能参与核查")
    return expert


def _holds(person: User, role: str, campaign: Campaign | None) -> bool:
    rows = Membership.objects.filter(user_id=person.pk, role=role)
    if campaign is not None:
        rows = rows.filter(Q(campaign=campaign) | Q(campaign__isnull=True))
    return rows.exists()


@transaction.atomic
def campaign_role_grant(
    campaign: Campaign, *, user: User, person: User, role: str, now: dt.datetime | None = None
) -> Membership:
    """The working group `user` gives `person` a verification role of the campaign: lead expert
    (a registered expert who passed the exam and is assigned to a county of this campaign),
    expert group (a registered expert; not one who is this campaign's lead expert, so that 专家组核
    is never by the expert who did 复核) or department (any active user). One transaction."""
    _require_working_group(user, campaign)
    role = _role_checked(role)
    if not person.is_active:
        raise AssessmentError(f"账号 {person.get_username()} 已停用，不能设定核查角色")
    name = person_name(person)
    if role == Role.LEAD_EXPERT:
        expert = _expert_of(person)
        if not _assigned_counties(campaign, person):
            raise AssessmentError(
                f"专家{expert.name}未分派到本任务的任何县，不能设为带队专家；请先在人员分派中分派"
            )
        if _holds(person, Role.EXPERT_GROUP, campaign):
            raise AssessmentError(
                f"专家{expert.name}是本任务的专家组成员，不能同时担任带队专家（专家组核须由复核以外的专家进行）"
            )
        if _holds(person, Role.LEAD_EXPERT, None):
            raise AssessmentError(f"{expert.name}已是带队专家")
        tie = None  # the verification code reads the lead expert with the county assignment
    elif role == Role.EXPERT_GROUP:
        expert = _expert_of(person)
        if _holds(person, Role.LEAD_EXPERT, None) and _assigned_counties(campaign, person):
            raise AssessmentError(
                f"专家{expert.name}是本任务的带队专家，不能同时担任专家组成员（专家组核须由复核以外的专家进行）"
            )
        if _holds(person, Role.EXPERT_GROUP, campaign):
            raise AssessmentError(f"{expert.name}已是本任务的专家组成员")
        tie = campaign
    else:
        if _holds(person, Role.DEPARTMENT, campaign):
            raise AssessmentError(f"{name}已是本任务的部门核查人员")
        tie = campaign
    try:
        return membership_grant(user=person, role=role, campaign=tie, actor=user, now=now)
    except AccountError as refused:
        raise AssessmentError(str(refused)) from None


def _other_campaigns_assigned(campaign: Campaign, person: User) -> list[Campaign]:
    """The other campaigns whose expert assignment in force places the person in a county."""
    others = (
        Campaign.objects.filter(
            pk__in=ExpertCounty.objects.filter(expert__user_id=person.pk).values(
                "assignment__campaign_id"
            )
        )
        .exclude(pk=campaign.pk)
        .order_by("id")
    )
    return [c for c in others if _assigned_counties(c, person)]


@transaction.atomic
def campaign_role_end(
    campaign: Campaign, *, user: User, person: User, role: str, now: dt.datetime | None = None
) -> int:
    """The working group `user` ends `person`'s verification role of the campaign; the rows
    removed (audited as revoked by `user`). The lead-expert role is tied to no campaign: it is
    ended only when the expert is assigned in no other campaign. One transaction."""
    _require_working_group(user, campaign)
    role = _role_checked(role)
    name = person_name(person)
    if role == Role.LEAD_EXPERT:
        rows = Membership.objects.filter(user_id=person.pk, role=role, campaign__isnull=True)
        if not _assigned_counties(campaign, person):
            raise AssessmentError(f"{name}未分派到本任务的任何县，不是本任务的带队专家")
        others = _other_campaigns_assigned(campaign, person)
        if others:
            titles = "、".join(c.name for c in others)
            raise AssessmentError(
                f"{name}还是其他评估任务（{titles}）的带队专家，带队专家角色不能由本任务撤销"
            )
    else:
        rows = Membership.objects.filter(user_id=person.pk, role=role, campaign=campaign)
    if not rows.exists():
        raise AssessmentError(f"{name}不是本任务的{Role(role).label}")
    with acting_as(user, now=now):
        deleted, _detail = rows.delete()
    return deleted


def campaign_role_holders(campaign: Campaign) -> list[RoleHolder]:
    """Who holds each verification role of the campaign: the lead experts among the experts
    assigned by the run in force, then the expert group and the department tied to it."""
    holders: list[RoleHolder] = []
    run = assignment_current(campaign, "expert")
    if run is not None:
        rows = (
            ExpertCounty.objects.filter(assignment=run, expert__user__isnull=False)
            .select_related("expert__user", "county")
            .order_by("expert__name", "expert_id", "county__code")
        )
        by_expert: dict[int, tuple[Expert, list[Region]]] = {}
        for ec in rows:
            by_expert.setdefault(ec.expert_id, (ec.expert, []))[1].append(ec.county)
        leads = set(
            Membership.objects.filter(
                role=Role.LEAD_EXPERT,
                user_id__in=[e.user_id for e, _c in by_expert.values()],
            ).values_list("user_id", flat=True)
        )
        for expert, counties in by_expert.values():
            if expert.user_id in leads:
                assert expert.user is not None
                holders.append(
                    RoleHolder(expert.user, Role.LEAD_EXPERT.value, expert.name, tuple(counties))
                )
    tied = (
        Membership.objects.filter(campaign=campaign, role__in=[Role.EXPERT_GROUP, Role.DEPARTMENT])
        .select_related("user")
        .order_by("role", "user__username")
    )
    for m in tied:
        holders.append(RoleHolder(m.user, m.role, person_name(m.user), ()))
    order = {r: i for i, r in enumerate(CAMPAIGN_GRANTABLE)}
    holders.sort(key=lambda h: order[h.role])
    return holders
