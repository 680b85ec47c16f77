"""Named posts held for a term (issues #16, #22): who holds which 3342 post, assigned and ended by
the poverty office above the post's level, each step one transaction and audited.

A post is not a role: it gives no view of data. It says who alone signs an exit in that capacity
(fupin.exits.signoff). The county office manages the township and village posts of its county,
the city office the county posts of its city, the province the city posts; nobody assigns or
ends a post of their own. The rule of where works on region codes (grants.Place), as roles do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeAlias

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from fupin.accounts.audit import audit_record
from fupin.accounts.grants import Place, role_label
from fupin.accounts.models import POST_LEVEL, AuditEntry, Post, PostKind, Role
from fupin.accounts.people import PeopleError, offices_of, people_for
from fupin.regions.models import Level, Region

AnyUser: TypeAlias = AbstractBaseUser | AnonymousUser

# The level of a post → the office that assigns and ends it (the office above).
POST_MANAGER: dict[str, str] = {
    Level.VILLAGE: Role.COUNTY_OFFICE,
    Level.TOWNSHIP: Role.COUNTY_OFFICE,
    Level.COUNTY: Role.CITY_OFFICE,
    Level.CITY: Role.PROVINCE_OFFICE,
}


class PostError(PeopleError):
    """A post step refused for what was given (a field, a person not found), with a Chinese
    message naming the post, the field or the rule."""


class PostForbidden(PostError):
    """Refused by the rule of who manages which post (the API answers 403)."""


class PostConflict(PostError):
    """Refused by the post's terms as they stand: an overlap, a term already ended (409)."""


def kind_label(kind: str) -> str:
    return str(PostKind(kind).label) if kind in PostKind.values else kind


def person_name(user: Any) -> str:
    """How a page or a sheet names a person: their name and their login."""
    if user is None:
        return ""
    name = (user.first_name or "").strip()
    return f"{name}（{user.get_username()}）" if name else user.get_username()


def _place(region: Region) -> Place:
    return Place(region.code, region.level)


def kinds_at(level: str) -> list[tuple[str, str]]:
    """(kind, Chinese label) of the posts of a region at `level`."""
    return [(str(k), str(label)) for k, label in PostKind.choices if POST_LEVEL[k] == level]


def post_refusal(actor: AnyUser, *, region: Region, kind: str) -> str | None:
    """Why `actor` may not assign or end `kind` posts in `region`, in Chinese; None when they may."""
    if kind not in PostKind.values:
        return f"未知的职务：{kind}"
    level = POST_LEVEL[kind]
    if region.level != level:
        return f"“{kind_label(kind)}”须设在{Level(level).label}级区划，{region.name}不是"
    manager = POST_MANAGER[level]
    offices = offices_of(actor)
    mine = [o for o in offices if o.role == manager and o.place is not None]
    if not mine:
        held = "、".join(dict.fromkeys(role_label(o.role) for o in offices)) or "您"
        return (
            f"{Level(level).label}级职务（{kind_label(kind)}）由{role_label(manager)}任免，"
            f"{held}不能任免"
        )
    if not any(_place(region).within(o.place) for o in mine if o.place is not None):
        return f"{region.name}（{region.code}）不在本单位辖区内，不能任免该地的{kind_label(kind)}"
    return None


def _require(actor: AnyUser, *, region: Region, kind: str) -> None:
    refusal = post_refusal(actor, region=region, kind=kind)
    if refusal:
        raise PostForbidden(refusal)


def posts_managed_by(actor: AnyUser) -> QuerySet[Post]:
    """Every term of every post the actor's offices manage (current and past)."""
    q = Q()
    found = False
    for region, levels in _managed_levels(actor):
        found = True
        q |= Q(region__code__startswith=region.prefix, region__level__in=levels)
    if not found:
        return Post.objects.none()
    return Post.objects.filter(q).select_related("region", "holder", "granted_by")


def posts_of(user: Any) -> QuerySet[Post]:
    """The terms a person held or holds, newest first."""
    return (
        Post.objects.filter(holder=user)
        .select_related("region", "granted_by")
        .order_by("-start_date", "-id")
    )


def post_current(region: Region, kind: str, day: dt.date | None = None) -> Post | None:
    """The term of `kind` in `region` that covers `day` (default today), or None (vacant)."""
    day = day or timezone.localdate()
    return (
        Post.objects.filter(region=region, kind=kind, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .select_related("region", "holder")
        .first()
    )


def _managed_levels(actor: AnyUser) -> list[tuple[Region, list[str]]]:
    """(office region, the post levels it manages) for each of the actor's offices."""
    out = []
    for o in offices_of(actor):
        if o.region is None:
            continue
        levels = [lv for lv, role in POST_MANAGER.items() if role == o.role]
        if levels:
            out.append((o.region, levels))
    return out


def kinds_managed_by(actor: AnyUser) -> list[tuple[str, str]]:
    """(kind, Chinese label) of the posts the actor's offices assign, in PostKind order."""
    levels = {lv for _r, lvs in _managed_levels(actor) for lv in lvs}
    return [(str(k), str(label)) for k, label in PostKind.choices if POST_LEVEL[k] in levels]


def post_regions(actor: AnyUser) -> QuerySet[Region]:
    """The regions whose posts the actor's offices manage."""
    q = Q()
    found = False
    for region, levels in _managed_levels(actor):
        found = True
        q |= Q(code__startswith=region.prefix, level__in=levels)
    return Region.objects.filter(q).order_by("code") if found else Region.objects.none()


def holder_find(actor: AnyUser, text: str) -> Any:
    """The person `text` names among the actor's people: a username, or "姓名（用户名）" as the
    suggestions show it, or a name unique among them."""
    text = (text or "").strip()
    if not text:
        raise PostError("请填写任职人（用户名或姓名）")
    people = people_for(actor).filter(is_active=True)
    username = text[text.rfind("（") + 1 : -1] if text.endswith("）") and "（" in text else text
    found = people.filter(username__iexact=username).first()
    if found is not None:
        return found
    by_name = list(people.filter(first_name=text)[:3])
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise PostError(f"本单位辖区内有多人名叫“{text}”，请填写用户名")
    raise PostError(f"任职人“{text}”不在本单位辖区的在用人员中，请先在人员管理中添加")


def _values(post: Post) -> dict[str, Any]:
    """What the audit trail records of a term."""
    return {
        "post": post.label,
        "region": post.region.code,
        "kind": post.kind,
        "holder": post.holder.get_username(),
        "start_date": post.start_date,
        "end_date": post.end_date,
    }


def _day(value: Any, field: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise PostError(f"请填写{field}（年-月-日）") from None


@transaction.atomic
def post_assign(
    *,
    actor: AnyUser,
    region: Region,
    kind: str,
    holder: Any,
    start_date: dt.date,
    end_date: dt.date | None = None,
) -> Post:
    """Record that `holder` holds `kind` in `region` from `start_date` (to `end_date`, for a past
    term). Refused when another term of the post overlaps it, when the actor's office does not
    manage the post, when the holder is outside the office's people, or for oneself."""
    _require(actor, region=region, kind=kind)
    if holder is None:
        raise PostError("请选择任职人")
    if holder.pk == actor.pk:
        raise PostForbidden("不能给自己任免职务，须由本单位其他人员办理")
    if not holder.is_active:
        raise PostError(f"{person_name(holder)}的账号已停用，不能任职")
    if not people_for(actor).filter(pk=holder.pk).exists():
        raise PostError(f"{person_name(holder)}不在本单位辖区的人员名单中，请先在人员管理中添加")
    start_date = _day(start_date, "任职日期")
    if end_date is not None:
        end_date = _day(end_date, "离任日期")
        if end_date < start_date:
            raise PostError("离任日期不能早于任职日期")
    # One term at a time: lock the post's terms so that two offices cannot both assign it.
    terms = list(Post.objects.select_for_update().filter(region=region, kind=kind))
    for t in terms:
        overlaps = (end_date is None or t.start_date < end_date) and (
            t.end_date is None or start_date < t.end_date
        )
        if overlaps:
            until = f"至{t.end_date:%Y-%m-%d}" if t.end_date else "至今"
            hint = "；须先为其办理离任，再任命新人" if t.end_date is None else ""
            raise PostConflict(
                f"{region.name}{kind_label(kind)}在此期间已由{person_name(t.holder)}担任"
                f"（{t.start_date:%Y-%m-%d}{until}），任期不能重叠{hint}"
            )
    post = Post.objects.create(
        region=region,
        kind=kind,
        holder=holder,
        start_date=start_date,
        end_date=end_date,
        granted_by=actor if actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.GRANT,
        obj=post,
        after=_values(post),
        reason=f"任命：{post.label} {person_name(holder)}，自{start_date:%Y-%m-%d}起",
    )
    return post


@transaction.atomic
def post_end(*, actor: AnyUser, post: Post, end_date: dt.date, reason: str = "") -> Post:
    """End a current term on `end_date` (the day the holder leaves; they sign no more from then)."""
    post = (
        Post.objects.select_for_update(of=("self",))
        .select_related("region", "holder")
        .get(pk=post.pk)
    )
    _require(actor, region=post.region, kind=post.kind)
    if post.holder_id == actor.pk:
        raise PostForbidden("不能给自己任免职务，须由本单位其他人员办理")
    if post.end_date is not None:
        raise PostConflict(
            f"{post.label} {person_name(post.holder)}已于{post.end_date:%Y-%m-%d}离任"
        )
    end_date = _day(end_date, "离任日期")
    if end_date < post.start_date:
        raise PostError(f"离任日期不能早于任职日期（{post.start_date:%Y-%m-%d}）")
    later = Post.objects.filter(
        region=post.region, kind=post.kind, start_date__gt=post.start_date
    ).exclude(pk=post.pk)
    first_later = later.order_by("start_date").first()
    if first_later is not None and end_date > first_later.start_date:
        raise PostConflict(
            f"离任日期不能晚于下一任{person_name(first_later.holder)}的任职日期"
            f"（{first_later.start_date:%Y-%m-%d}）"
        )
    before = _values(post)
    post.end_date = end_date
    post.save(update_fields=["end_date"])
    why = f"离任：{post.label} {person_name(post.holder)}，{end_date:%Y-%m-%d}起不再担任"
    if reason.strip():
        why += f"。{reason.strip()}"
    audit_record(
        actor=actor,
        action=AuditEntry.Action.REVOKE,
        obj=post,
        before={"end_date": before["end_date"], "post": before["post"]},
        after={"end_date": post.end_date, "post": before["post"], "holder": before["holder"]},
        reason=why[:200],
    )
    return post


__all__ = [
    "POST_MANAGER",
    "PostConflict",
    "PostError",
    "PostForbidden",
    "holder_find",
    "kind_label",
    "kinds_at",
    "kinds_managed_by",
    "person_name",
    "post_assign",
    "post_current",
    "post_end",
    "post_refusal",
    "post_regions",
    "posts_managed_by",
    "posts_of",
]
