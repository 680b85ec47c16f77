"""The audit trail of accounts: role grants and revocations, privilege flags, logins and failed logins.

Written by signal receivers (connected in AccountsConfig.ready) because roles change by more
paths than one service: `membership_grant`/`membership_revoke`, the Django admin (a superuser
granting itself a county role), cascades when a user is deleted, and `user.groups` (Django's
permission groups: no longer domain roles, but still privileges). A receiver sees the change but
not who made it; services and the admin say who with `acting_as(...)`, and a change made outside
them (a shell, a data script) is recorded with the actor "系统".
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest

from fupin.accounts.audit import audit_record
from fupin.accounts.models import AuditEntry, Membership, Role

SYSTEM = "系统"
# The flags on a user that are privileges (a superuser sees everything, staff reach /admin/).
PRIVILEGE_FLAGS = ("is_superuser", "is_staff", "is_active")

_actor: ContextVar[AbstractBaseUser | str | None] = ContextVar("fupin_audit_actor", default=None)
_when: ContextVar[dt.datetime | None] = ContextVar("fupin_audit_when", default=None)


@contextlib.contextmanager
def acting_as(
    actor: AbstractBaseUser | str | None, *, now: dt.datetime | None = None
) -> Iterator[None]:
    """Within the block, account changes are recorded as made by `actor` (a user or a name) at
    `now` (a simulated clock; default: the clock); None keeps what an outer block named (a
    service called from the admin)."""
    tokens = []
    if actor is not None:
        tokens.append((_actor, _actor.set(actor)))
    if now is not None:
        tokens.append((_when, _when.set(now)))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)  # type: ignore[attr-defined]


def _who() -> tuple[AbstractBaseUser | None, str]:
    actor = _actor.get()
    if actor is None:
        return None, SYSTEM
    if isinstance(actor, str):
        return None, actor[:64] or SYSTEM
    if not actor.is_authenticated:
        return None, SYSTEM
    return actor, actor.get_username()[:64]


def _write(
    *,
    action: str,
    model: str,
    key: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
    user: AbstractBaseUser | None = None,
    actor: str | None = None,
) -> AuditEntry:
    who, name = _who()
    return audit_record(
        actor=user if user is not None else who,
        actor_label=actor or name,
        action=action,
        obj=None,
        model=model,
        key=key,
        before=before,
        after=after,
        reason=note,
        now=_when.get(),
    )


# --- roles: Membership rows ---------------------------------------------------------------------


def membership_values(m: Membership) -> dict[str, Any]:
    """What a role row grants, readable on the audit page (the role's label, the region's name)."""
    values: dict[str, Any] = {
        "user": m.user.get_username(),
        "role": m.role,
    }
    if m.region_id:
        values["region"] = f"{m.region.name}（{m.region.code}）"
    if m.institution_id:
        values["institution"] = str(m.institution.name)
    if m.campaign_id:
        values["campaign"] = str(m.campaign.name)
    return values


def _membership_before(sender: type[Membership], instance: Membership, **kw: Any) -> None:
    if instance.pk is None or kw.get("raw"):
        return
    old = Membership.objects.filter(pk=instance.pk).select_related("user", "region").first()
    instance._audit_before = membership_values(old) if old is not None else None  # type: ignore[attr-defined]


def _membership_saved(
    sender: type[Membership], instance: Membership, created: bool, **kw: Any
) -> None:
    if kw.get("raw"):
        return
    after = membership_values(instance)
    if created:
        _write(
            action=AuditEntry.Action.GRANT,
            model="Membership",
            key=instance.pk,
            after=after,
            note=f"授予角色：{Role(instance.role).label}",
        )
        return
    before = getattr(instance, "_audit_before", None)
    if before != after:
        changed = [
            k for k in after.keys() | (before or {}).keys() if (before or {}).get(k) != after.get(k)
        ]
        _write(
            action=AuditEntry.Action.UPDATE,
            model="Membership",
            key=instance.pk,
            before={k: (before or {}).get(k) for k in changed},
            after={k: after.get(k) for k in changed},
            note=f"修改角色：{Role(instance.role).label}",
        )


def _membership_deleted(sender: type[Membership], instance: Membership, **kw: Any) -> None:
    _write(
        action=AuditEntry.Action.REVOKE,
        model="Membership",
        key=instance.pk,
        before=membership_values(instance),
        note=f"撤销角色：{Role(instance.role).label}",
    )


# --- Django groups (permissions; a group named by a role code shows the role's name) ----------


def _group_label(name: str) -> str:
    return str(Role(name).label) if name in Role.values else name


def _groups_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: set[int] | None,
    **kw: Any,
) -> None:
    user_model = get_user_model()
    if action == "pre_clear":
        # Remember who is losing what: post_clear no longer knows.
        if reverse:
            instance._audit_cleared = [(u, instance.name) for u in instance.user_set.all()]
        else:
            instance._audit_cleared = [(instance, g.name) for g in instance.groups.all()]
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if action == "post_clear":
        pairs = getattr(instance, "_audit_cleared", [])
    elif reverse:  # group.user_set.add(users)
        pairs = [(u, instance.name) for u in user_model.objects.filter(pk__in=pk_set or ())]
    else:  # user.groups.add(groups)
        pairs = [(instance, g.name) for g in Group.objects.filter(pk__in=pk_set or ())]
    grant = action == "post_add"
    for user, name in pairs:
        values = {"user": user.get_username(), "group": _group_label(name)}
        _write(
            action=AuditEntry.Action.GRANT if grant else AuditEntry.Action.REVOKE,
            model="User",
            key=user.pk,
            before=None if grant else values,
            after=values if grant else None,
            note=f"{'授予' if grant else '撤销'}角色：{_group_label(name)}",
        )


# --- privilege flags on users ------------------------------------------------------------------


def _flags(user: Any) -> dict[str, bool]:
    return {f: bool(getattr(user, f, False)) for f in PRIVILEGE_FLAGS}


def _user_before(sender: Any, instance: Any, **kw: Any) -> None:
    fields = kw.get("update_fields")
    if (
        kw.get("raw")
        or instance.pk is None
        or (fields is not None and not set(fields) & set(PRIVILEGE_FLAGS))
    ):
        return
    old = sender.objects.filter(pk=instance.pk).values(*PRIVILEGE_FLAGS).first()
    instance._audit_flags = old


def _user_saved(sender: Any, instance: Any, created: bool, **kw: Any) -> None:
    if kw.get("raw"):
        return
    now = _flags(instance)
    if created:
        granted = {k: v for k, v in now.items() if v and k != "is_active"}
        if granted:
            _write(
                action=AuditEntry.Action.GRANT,
                model="User",
                key=instance.pk,
                after={"user": instance.get_username(), **granted},
                note="新建用户并授予管理权限",
            )
        return
    old = getattr(instance, "_audit_flags", None)
    if old is None:
        return
    instance._audit_flags = None
    changed = {k for k in PRIVILEGE_FLAGS if bool(old[k]) != now[k]}
    if changed:
        _write(
            action=AuditEntry.Action.UPDATE,
            model="User",
            key=instance.pk,
            before={"user": instance.get_username(), **{k: bool(old[k]) for k in changed}},
            after={"user": instance.get_username(), **{k: now[k] for k in changed}},
            note="修改用户权限",
        )


# --- logins ------------------------------------------------------------------------------------


# Which way in, by the path's start (the API's token endpoint, the admin, the pages).
_ENTRANCES = (("/api/", "数据接口"), ("/admin/", "管理后台"), ("/", "网页登录"))


def _where(request: HttpRequest | None) -> dict[str, str]:
    if request is None:
        return {"entrance": "命令行或程序"}
    meta = getattr(request, "META", None) or {}
    path = str(getattr(request, "path", ""))
    entrance = next((label for prefix, label in _ENTRANCES if path.startswith(prefix)), path)
    return {"ip": str(meta.get("REMOTE_ADDR", ""))[:45], "entrance": entrance[:200]}


def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kw: Any) -> None:
    _write(
        action=AuditEntry.Action.LOGIN,
        model="User",
        key=user.pk,
        after=_where(request),
        user=user,
        actor=user.get_username(),
        note="登录成功",
    )


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kw: Any
) -> None:
    username = str(
        credentials.get(get_user_model().USERNAME_FIELD) or credentials.get("username") or ""
    )
    _write(
        action=AuditEntry.Action.LOGIN_FAILED,
        model="User",
        key=username[:32],
        after={"username": username[:150], **_where(request)},
        actor=username[:64] or SYSTEM,
        note="登录失败（密码错误、账号已锁定或用户不存在）",
    )


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_membership_before, sender=Membership, dispatch_uid="audit_membership_pre")
    post_save.connect(_membership_saved, sender=Membership, dispatch_uid="audit_membership_save")
    post_delete.connect(_membership_deleted, sender=Membership, dispatch_uid="audit_membership_del")
    m2m_changed.connect(
        _groups_changed, sender=user_model.groups.through, dispatch_uid="audit_user_groups"
    )
    pre_save.connect(_user_before, sender=user_model, dispatch_uid="audit_user_pre")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="audit_user_save")
    user_logged_in.connect(_logged_in, dispatch_uid="audit_login")
    user_login_failed.connect(_login_failed, dispatch_uid="audit_login_failed")
