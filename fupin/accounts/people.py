"""Offices manage their own people (issue #22): who an office sees, and the services that create,
change, deactivate, reset and grant — each one transaction, each audited with who did it.

The rule of who may grant what where is `fupin.accounts.grants`. An office sees the users with a
role (or a recorded region) in its region and below; it may change a person only when every role
the person holds is one it may grant there. Nobody changes their own roles here. Ending a role
deletes its Membership row (has_role and scoping read rows, so a row ended is a role gone); the
audit trail keeps the row's values, its grantor and who ended it. Users are never deleted:
deactivated users keep their place in every history as actors.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet

from fupin.accounts.audit import audit_record
from fupin.accounts.auditing import acting_as
from fupin.accounts.first_login import password_issued
from fupin.accounts.grants import (
    GRANTS,
    MEMBER_LEVEL,
    REGION_MEMBER_ROLES,
    Place,
    grant_refusal,
    grantable,
    role_label,
)
from fupin.accounts.models import (
    CAMPAIGN_ROLES,
    OFFICE_LEVEL,
    AuditEntry,
    Membership,
    PersonProfile,
    Role,
)
from fupin.accounts.scoping import memberships_of
from fupin.accounts.services import AccountError, membership_grant
from fupin.regions.models import Region

AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser

# One-time passwords: no look-alike characters (0/O, 1/l/I), long enough for Django's validators.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
PASSWORD_LENGTH = 12
PHONE = re.compile(r"^1\d{10}$")
CODE_IN_TEXT = re.compile(r"(\d{12})")


class PeopleError(AccountError):
    """A people-management step refused, with a Chinese message naming the field or rule."""


class PeopleInputError(PeopleError):
    """Refused for what was typed (a field's value, a region or campaign not found), not for who
    asks: the API answers 400 for these and 403 for the rules."""


@dataclass(frozen=True)
class Office:
    """One capacity in which a user manages people: an office role at its region, or a
    campaign's working group."""

    role: str
    region: Region | None = None
    campaign: models.Model | None = None

    @property
    def label(self) -> str:
        where = self.region.name if self.region is not None else str(self.campaign)
        return f"{where} · {role_label(self.role)}"

    @property
    def place(self) -> Place | None:
        return _place(self.region)


# --- a campaign's people: the assessments app's hook ---------------------------------------------

# The working group's roles that the assessments app rules on (who may be lead expert, expert group
# or department checker of a campaign, and what ending each means): granted and ended through its
# hook, so that the people pages and the assignments page apply one rule.
VERIFICATION_ROLES = frozenset(
    {Role.LEAD_EXPERT.value, Role.EXPERT_GROUP.value, Role.DEPARTMENT.value}
)
# Evaluator roles the working group gives only to the campaign's own registered evaluators.
EVALUATOR_ROLES = frozenset({Role.EXPERT.value, Role.ENUMERATOR.value})


@dataclass(frozen=True)
class CampaignPeopleSource:
    """What the assessments app (above accounts) tells the people pages about a campaign; it
    registers one in its AppConfig.ready(). Its functions raise PeopleError on a refusal."""

    # The user ids of the campaign's evaluators.
    members: Callable[[models.Model], QuerySet[Any]]
    # Give or end a verification role: (campaign, actor, person, role).
    grant: Callable[[models.Model, AnyUser, Any, str], Membership]
    end: Callable[[models.Model, AnyUser, Any, str], None]


_campaign_sources: list[CampaignPeopleSource] = []


def campaign_people_source(source: CampaignPeopleSource) -> CampaignPeopleSource:
    """Register the assessments app's rules for a campaign's people (once)."""
    _campaign_sources[:] = [source]
    return source


def _campaign_source() -> CampaignPeopleSource:
    if not _campaign_sources:
        raise PeopleError("评估模块未启用，不能按评估任务授予角色")
    return _campaign_sources[0]


def _campaign_members(campaign: models.Model) -> QuerySet[Any]:
    if not _campaign_sources:
        return get_user_model().objects.none().values("pk")
    return _campaign_sources[0].members(campaign)


def _place(region: Region | None) -> Place | None:
    return Place(region.code, region.level) if region is not None else None


def offices_of(user: AnyUser | None) -> list[Office]:
    """The capacities in which `user` may manage people (none for a superuser as such: the
    superuser keeps /admin/)."""
    if user is None or not (user.is_authenticated and user.is_active):
        return []
    out: list[Office] = []
    rows = [m for m in memberships_of(user) if m.role in GRANTS]  # type: ignore[arg-type]
    for m in rows:
        if m.role in OFFICE_LEVEL:
            if m.region is not None and m.region.level == OFFICE_LEVEL[m.role]:
                out.append(Office(m.role, region=m.region))
        elif m.campaign is not None:
            out.append(Office(m.role, campaign=m.campaign))
    return out


def may_manage_people(user: AnyUser | None) -> bool:
    return bool(offices_of(user))


def people_for(user: AnyUser | None) -> QuerySet[Any]:
    """The users `user` may see on the people pages: a role or a recorded region in one of
    their offices' regions (and below), or a role in one of their working groups' campaigns."""
    users = get_user_model().objects
    offices = offices_of(user)
    if not offices:
        return users.none()
    q = Q()
    for o in offices:
        if o.region is not None:
            q |= Q(memberships__region__code__startswith=o.region.prefix)
            q |= Q(profile__region__code__startswith=o.region.prefix)
        elif o.campaign is not None:
            q |= Q(memberships__campaign=o.campaign) | Q(pk__in=_campaign_members(o.campaign))
    ids = users.filter(q).values("pk")
    return users.filter(pk__in=ids, is_superuser=False).select_related("profile__region")


def people_search(user: AnyUser | None, q: str = "") -> QuerySet[Any]:
    """`people_for`, narrowed by a search text (name, username, phone, region name or code), in
    username order: the list page and the API search alike."""
    people = people_for(user)
    q = (q or "").strip()
    if q:
        people = people.filter(
            Q(first_name__icontains=q)
            | Q(username__icontains=q)
            | Q(profile__phone__icontains=q)
            | Q(profile__region__name__icontains=q)
            | Q(profile__region__code__startswith=q)
            | Q(memberships__region__name__icontains=q)
            | Q(memberships__region__code__startswith=q)
        ).distinct()
    return people.order_by("username")


def person_by_username(user: AnyUser | None, username: str) -> Any | None:
    """One person `user` may see, by username (case-insensitive), or None: a user outside the
    office's region is not found, like one that does not exist."""
    return people_for(user).filter(username__iexact=username).first()


def person_for(user: AnyUser | None, pk: int) -> Any | None:
    """One person `user` may see, or None (the page answers 404: a guessed id shows nothing)."""
    return people_for(user).filter(pk=pk).first()


def _inside(region: Region, office: Office) -> bool:
    return office.region is not None and region.code.startswith(office.region.prefix)


def _covered_by(office: Office, m: Membership, home: Region | None) -> bool:
    if m.role not in grantable(office.role):
        return False
    if office.campaign is not None:
        if m.campaign_id is not None:
            return m.campaign_id == office.campaign.pk
        # Untied evaluator roles (expert, enumerator, lead expert, institution admin): those of
        # the campaign's own evaluators.
        return _campaign_members(office.campaign).filter(pk=m.user_id).exists()
    place = _place(m.region or home)
    return place is not None and office.place is not None and place.within(office.place)


def manage_refusal(actor: AnyUser, person: Any) -> str | None:
    """Why `actor` may not change `person` (details, password, active state); None when they may:
    every role the person holds is one of the actor's offices may grant there."""
    if person.pk == actor.pk:
        return "不能在人员管理中修改自己的账号（请到“我的账户”修改密码）"
    if person.is_superuser or person.is_staff:
        return "系统管理员账号只能在系统管理中修改"
    offices = offices_of(actor)
    home = _profile(person).region
    if home is not None and not any(_inside(home, o) for o in offices):
        return f"该用户属于{home.name}，不在本单位辖区内"
    for m in Membership.objects.filter(user=person).select_related("region", "campaign"):
        if not any(_covered_by(o, m, home) for o in offices):
            return (
                f"该用户还担任“{membership_label(m)}”，本单位无权授予该角色，"
                "只能由上级扶贫部门或系统管理员修改"
            )
    return None


def _require_manage(actor: AnyUser, person: Any) -> None:
    refusal = manage_refusal(actor, person)
    if refusal:
        raise PeopleError(refusal)


def membership_label(m: Membership) -> str:
    where = ""
    if m.region_id:
        where = f"{m.region.name}（{m.region.code}）"
    elif m.campaign_id:
        where = str(m.campaign)
    elif m.institution_id:
        where = str(m.institution)
    return f"{role_label(m.role)} · {where}" if where else role_label(m.role)


def _profile(user: Any) -> PersonProfile:
    try:
        return user.profile  # type: ignore[no-any-return]
    except PersonProfile.DoesNotExist:
        return PersonProfile(user=user)


def person_values(user: Any) -> dict[str, Any]:
    """What the audit trail records of a person (never a password)."""
    p = _profile(user)
    return {
        "username": user.get_username(),
        "name": user.first_name,
        "phone": p.phone,
        "unit": p.unit,
        "post": p.post,
        "region": f"{p.region.name}（{p.region.code}）" if p.region_id else "",
    }


# --- regions by name or code ------------------------------------------------------------------


def region_choices(actor: AnyUser, role: str | None = None) -> QuerySet[Region]:
    """The regions the actor's offices may grant in (for `role`, only the fitting level)."""
    prefixes = [o.region.prefix for o in offices_of(actor) if o.region is not None]
    if not prefixes:
        return Region.objects.none()
    q = Q()
    for p in prefixes:
        q |= Q(code__startswith=p)
    regions = Region.objects.filter(q)
    if role in OFFICE_LEVEL:
        regions = regions.filter(level=OFFICE_LEVEL[role])
    elif role in MEMBER_LEVEL:
        regions = regions.filter(level=MEMBER_LEVEL[role])
    return regions.order_by("code")


def region_find(actor: AnyUser, text: str, *, field: str = "地区") -> Region:
    """The region `text` names, inside the actor's offices: a 12-digit code, "名称（代码）" as the
    suggestions show it, or a name that is unique there. Never a database id."""
    text = (text or "").strip()
    if not text:
        raise PeopleInputError(f"请填写{field}（名称或区划代码）")
    regions = region_choices(actor)
    code = CODE_IN_TEXT.search(text)
    if code:
        found = regions.filter(code=code.group(1)).first()
        if found is None:
            if Region.objects.filter(code=code.group(1)).exists():
                raise PeopleInputError(f"{field}“{text}”不在本单位辖区内")
            raise PeopleInputError(f"{field}“{text}”：区划代码不存在")
        return found
    matches = list(regions.filter(name=text)[:6])
    if not matches:
        raise PeopleInputError(f"{field}“{text}”在本单位辖区内找不到，请填写名称或12位区划代码")
    if len(matches) > 1:
        listed = "、".join(f"{r.name}（{r.code}）" for r in matches[:5])
        raise PeopleInputError(f"{field}名称“{text}”有多个：{listed}，请填写区划代码")
    return matches[0]


def role_find(text: str) -> str:
    """A role by its Chinese name (or its code), for imports."""
    text = (text or "").strip()
    for value, label in Role.choices:
        if text in (str(label), value):
            return str(value)
    raise PeopleInputError(f"角色“{text}”不存在，请填写角色的中文名称")


# --- validation -------------------------------------------------------------------------------


def _clean_username(username: str, *, exclude_pk: int | None = None) -> str:
    username = (username or "").strip()
    if not username:
        raise PeopleInputError("请填写用户名")
    if len(username) > 150:
        raise PeopleInputError("用户名不能超过150个字符")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise PeopleInputError(f"用户名“{username}”只能包含字母、数字和 @ . + - _ 符号") from None
    taken = get_user_model().objects.filter(username__iexact=username)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise PeopleInputError(f"用户名“{username}”已被使用（不区分大小写）")
    return username


def _clean_details(name: str, phone: str, unit: str, post: str) -> tuple[str, str, str, str]:
    name, phone, unit, post = (str(v or "").strip() for v in (name, phone, unit, post))
    if not name:
        raise PeopleInputError("请填写姓名")
    if len(name) > 150:
        raise PeopleInputError("姓名不能超过150个字符")
    if phone and not PHONE.match(phone):
        raise PeopleInputError(f"手机号“{phone}”应为以1开头的11位数字")
    if len(unit) > 100:
        raise PeopleInputError("单位不能超过100个字符")
    if len(post) > 64:
        raise PeopleInputError("职务不能超过64个字符")
    return name, phone, unit, post


def one_time_password(user: Any = None) -> str:
    """A random password Django's validators accept; shown once, stored only as a hash."""
    while True:
        pw = "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_LENGTH))
        try:
            validate_password(pw, user)
        except ValidationError:
            continue
        return pw


# --- grants -----------------------------------------------------------------------------------


def grant_check(
    actor: AnyUser,
    *,
    role: str,
    region: Region | None = None,
    campaign: models.Model | None = None,
    person: Any = None,
) -> Office:
    """The office of `actor` that may give `role` at `region` (or in `campaign`); refused with the
    rule's message otherwise."""
    offices = offices_of(actor)
    if not offices:
        raise PeopleError("您不是扶贫办或评估工作组成员，不能管理人员")
    to_self = person is not None and person.pk == actor.pk
    refusals: list[str] = []
    for office in offices:
        refusal = grant_refusal(
            granter_role=office.role,
            granter_place=office.place,
            role=role,
            place=_place(region),
            to_self=to_self,
        )
        if refusal is None and office.campaign is not None:
            if campaign is None or campaign.pk != office.campaign.pk:
                refusal = "评估工作组只能在本组的评估任务中授予角色，请选择评估任务"
            elif role == Role.INSTITUTION_ADMIN:
                refusal = (
                    "“评估机构管理员”随评估机构登记授予（评估人员登记页面），不在人员管理中授予"
                )
            elif role in EVALUATOR_ROLES and not (
                person is not None and _campaign_members(campaign).filter(pk=person.pk).exists()
            ):
                refusal = (
                    f"“{role_label(role)}”只能授予本任务已分派的评估人员；"
                    "新的评估人员请在评估人员登记中登记（登记即授予）"
                )
        if refusal is None and office.campaign is None and campaign is not None:
            refusal = f"{role_label(office.role)}不能按评估任务授予角色"
        if refusal is None:
            return office
        refusals.append(refusal)
    raise PeopleError(
        refusals[0] if len(set(refusals)) == 1 else "；".join(dict.fromkeys(refusals))
    )


def roles_grantable_by(actor: AnyUser) -> list[tuple[str, str]]:
    """(role, Chinese label) the actor may give through these pages, in Role order."""
    mine: set[str] = set()
    for o in offices_of(actor):
        roles = grantable(o.role)
        if o.campaign is not None:
            roles = roles - {Role.INSTITUTION_ADMIN.value}
        mine |= roles
    return [(str(v), str(label)) for v, label in Role.choices if v in mine]


def campaigns_of(actor: AnyUser) -> list[models.Model]:
    return [o.campaign for o in offices_of(actor) if o.campaign is not None]


def _campaign(pk: int | None) -> models.Model | None:
    if pk is None:
        return None
    return apps.get_model("assessments", "Campaign").objects.filter(pk=pk).first()


@transaction.atomic
def role_grant(
    *,
    actor: AnyUser,
    person: Any,
    role: str,
    region: Region | None = None,
    campaign: models.Model | None = None,
) -> Membership:
    """Give `person` a role the actor's office may give there; audited as granted by `actor`."""
    if person.pk == actor.pk:
        raise PeopleError("不能给自己授予或撤销角色")
    if not person.is_active:
        raise PeopleError("该账号已停用，请先启用再授予角色")
    office = grant_check(actor, role=role, region=region, campaign=campaign, person=person)
    if office.campaign is not None and role in VERIFICATION_ROLES:
        # The assessments app's rule (an exam-passed expert, not both 复核 and 专家组核…).
        return _campaign_source().grant(office.campaign, actor, person, role)
    if role not in OFFICE_LEVEL and role not in REGION_MEMBER_ROLES:
        region = None
    if role not in CAMPAIGN_ROLES:
        campaign = None  # an expert's or enumerator's role is tied to no campaign
    exists = Membership.objects.filter(user=person, role=role, region=region, campaign=campaign)
    if exists.exists():
        raise PeopleError(f"该用户已担任“{role_label(role)}”")
    return membership_grant(
        user=person,
        role=role,
        region=region,
        campaign=campaign,
        actor=actor,
    )


@transaction.atomic
def role_end(*, actor: AnyUser, membership: Membership) -> None:
    """End one role: its row is deleted and the audit trail keeps it (values, who ended it)."""
    if membership.user_id == actor.pk:
        raise PeopleError("不能给自己授予或撤销角色")
    home = _profile(membership.user).region
    covering = [o for o in offices_of(actor) if _covered_by(o, membership, home)]
    if not covering:
        raise PeopleError(f"本单位无权撤销“{membership_label(membership)}”")
    office = covering[0]
    if office.campaign is not None and membership.role in VERIFICATION_ROLES:
        _campaign_source().end(office.campaign, actor, membership.user, membership.role)
        return
    with acting_as(actor):
        membership.delete()


# --- people -----------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: AnyUser,
    name: str,
    username: str,
    role: str,
    region: Region | None = None,
    campaign: models.Model | None = None,
    phone: str = "",
    unit: str = "",
    post: str = "",
) -> tuple[Any, str]:
    """A new login with one role the actor may give; returns the user and its one-time password
    (returned only here: stored as a hash, never audited)."""
    name, phone, unit, post = _clean_details(name, phone, unit, post)
    username = _clean_username(username)
    office = grant_check(actor, role=role, region=region, campaign=campaign)
    user = get_user_model()(username=username, first_name=name)
    password = one_time_password(user)
    user.set_password(password)
    user.save()
    home = region if office.region is not None else None
    PersonProfile.objects.create(
        user=user, region=home, phone=phone, unit=unit, post=post, must_change_password=True
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.CREATE,
        obj=user,
        model="User",
        after=person_values(user),
        reason=f"新增人员（{office.label}）",
    )
    role_grant(actor=actor, person=user, role=role, region=region, campaign=campaign)
    return user, password


@transaction.atomic
def person_update(
    *,
    actor: AnyUser,
    person: Any,
    name: str,
    phone: str = "",
    unit: str = "",
    post: str = "",
    region: Region | None = None,
) -> Any:
    """Change a person's name, phone, unit, post or region (inside the actor's offices)."""
    _require_manage(actor, person)
    name, phone, unit, post = _clean_details(name, phone, unit, post)
    if region is not None and not any(_inside(region, o) for o in offices_of(actor)):
        raise PeopleError(f"地区“{region.name}”不在本单位辖区内")
    before = person_values(person)
    person.first_name = name
    person.save(update_fields=["first_name"])
    profile = _profile(person)
    profile.phone, profile.unit, profile.post = phone, unit, post
    if region is not None:
        profile.region = region
    profile.save()
    after = person_values(person)
    changed = [k for k in after if before.get(k) != after[k]]
    if changed:
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=person,
            model="User",
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            reason="修改人员信息",
        )
    return person


def _last_holder(person: Any) -> Membership | None:
    """An office role of which `person` is the only active holder at its region."""
    for m in Membership.objects.filter(user=person, role__in=list(OFFICE_LEVEL)).select_related(
        "region"
    ):
        others = Membership.objects.filter(
            role=m.role, region=m.region, user__is_active=True
        ).exclude(user=person)
        if not others.exists():
            return m
    return None


@transaction.atomic
def person_deactivate(*, actor: AnyUser, person: Any, reason: str = "") -> Any:
    """Stop a login (never delete: history keeps its actors). An office may stop its own login
    only while another active holder of each of its office roles remains."""
    if not person.is_active:
        raise PeopleError("该账号已经停用")
    if person.pk == actor.pk:
        last = _last_holder(person)
        if last is not None:
            raise PeopleError(
                f"您是“{membership_label(last)}”唯一在用的账号，不能停用自己；"
                "请先为本单位增加其他人员，或由上级停用"
            )
    else:
        _require_manage(actor, person)
    get_user_model().objects.filter(pk=person.pk).update(is_active=False)
    person.is_active = False
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=person,
        model="User",
        before={"username": person.get_username(), "is_active": True},
        after={"username": person.get_username(), "is_active": False},
        reason=("停用账号：" + reason.strip())[:200] if reason.strip() else "停用账号",
    )
    return person


@transaction.atomic
def person_activate(*, actor: AnyUser, person: Any) -> Any:
    """Let a stopped login in again."""
    _require_manage(actor, person)
    if person.is_active:
        raise PeopleError("该账号正在使用，无需启用")
    get_user_model().objects.filter(pk=person.pk).update(is_active=True)
    person.is_active = True
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=person,
        model="User",
        before={"username": person.get_username(), "is_active": False},
        after={"username": person.get_username(), "is_active": True},
        reason="启用账号",
    )
    return person


@transaction.atomic
def password_reset(*, actor: AnyUser, person: Any) -> str:
    """Give `person` a new one-time password, returned once (stored as a hash, never audited)."""
    _require_manage(actor, person)
    if not person.is_active:
        raise PeopleError("该账号已停用，请先启用再重置密码")
    password = one_time_password(person)
    person.set_password(password)
    person.save(update_fields=["password"])
    password_issued([person.pk])
    audit_record(
        actor=actor,
        action=AuditEntry.Action.EVENT,
        obj=person,
        model="User",
        after={"username": person.get_username()},
        reason="重置密码（一次性密码已交本人）",
    )
    return password


def person_history(person: Any) -> QuerySet[AuditEntry]:
    """The audit rows about a person: their account, their roles and their posts' terms."""
    username = person.get_username()
    return AuditEntry.objects.filter(
        Q(model="User", object_key=str(person.pk))
        | Q(model="Membership", after__user=username)
        | Q(model="Membership", before__user=username)
        | Q(model="Post", after__holder=username)
    ).order_by("-at", "-id")


def campaign_find(actor: AnyUser, text: str) -> models.Model:
    """One of the actor's working groups' campaigns, by its name."""
    text = (text or "").strip()
    if not text:
        raise PeopleInputError("请填写评估任务的名称")
    found = [c for c in campaigns_of(actor) if text in (str(c), getattr(c, "name", ""))]
    if not found:
        raise PeopleInputError(f"评估任务“{text}”不是本评估工作组的任务")
    if len(found) > 1:
        raise PeopleInputError(f"有多个名为“{text}”的评估任务，请在页面上选择")
    return found[0]


def campaign_by_pk(actor: AnyUser, pk: int | None) -> models.Model | None:
    """One of the actor's working groups' campaigns (None if not theirs)."""
    campaign = _campaign(pk)
    if campaign is None or campaign.pk not in {c.pk for c in campaigns_of(actor)}:
        return None
    return campaign


__all__ = [
    "Office",
    "PeopleError",
    "PeopleInputError",
    "CampaignPeopleSource",
    "campaign_by_pk",
    "campaign_people_source",
    "campaign_find",
    "campaigns_of",
    "grant_check",
    "manage_refusal",
    "may_manage_people",
    "membership_label",
    "offices_of",
    "one_time_password",
    "password_reset",
    "people_for",
    "people_search",
    "person_by_username",
    "person_activate",
    "person_create",
    "person_deactivate",
    "person_for",
    "person_history",
    "person_update",
    "person_values",
    "region_choices",
    "region_find",
    "role_end",
    "role_find",
    "role_grant",
    "roles_grantable_by",
]
