"""API tokens that expire, die with the password or the account, and leave an audit trail.

DRF's `authtoken.Token` (one per user) is kept; what it lacks is added here:
- a lifetime (`FUPIN_API_TOKEN_HOURS`, counted from issue): an expired token answers 401 and is
  deleted, and the next POST /api/token/ issues a fresh one;
- revocation when the user's password changes or the account is deactivated (a `pre_save`
  receiver on the user model, connected in `fupin.api.apps`; the admin, `changepassword`, the
  password-change page and `set_password()` + `save()` all pass through it);
- an audit row for each issue, expiry and revocation (`AuditEntry`, model "Token").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from fupin.accounts.audit import audit_record
from fupin.accounts.first_login import API_PASSWORD_PATH, MUST_CHANGE, must_change_password
from fupin.accounts.models import AuditEntry
from fupin.accounts.scoping import flags_read, user_flag_annotations

# The audit action of token rows ("API 令牌").
TOKEN_ACTION = AuditEntry.Action.TOKEN


def token_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.FUPIN_API_TOKEN_HOURS)


def token_expires_at(token: Token) -> dt.datetime:
    return token.created + token_lifetime()


@transaction.atomic
def token_issue(*, user: Any, now: dt.datetime | None = None) -> Token:
    """The user's token: the current one while it is valid, else a new one (audited)."""
    now = now or timezone.now()
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expires_at(token) > now:
        return token
    if token is not None:
        token.delete()
    token = Token.objects.create(user=user)
    audit_record(
        actor=user,
        actor_label=user.get_username(),
        action=TOKEN_ACTION,
        obj=user,
        model="Token",
        reason=_("签发 API 令牌，有效至 %(until)s")
        % {"until": timezone.localtime(token_expires_at(token)).strftime("%Y-%m-%d %H:%M")},
    )
    return token


@transaction.atomic
def tokens_revoke(*, user: Any, reason: str, actor: str | None = None) -> int:
    """Delete the user's token, if any, and write why to the audit trail."""
    deleted, _detail = Token.objects.filter(user_id=user.pk).delete()
    if deleted:
        audit_record(
            actor=user,
            actor_label=actor or user.get_username(),
            action=TOKEN_ACTION,
            obj=user,
            model="Token",
            reason=_("API 令牌作废：%(reason)s") % {"reason": reason},
        )
    return deleted


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused (401) once the token is older than its lifetime, and
    (403) for a user who still holds a one-time password, except to change it
    (fupin.accounts.first_login)."""

    def authenticate(self, request: Any) -> tuple[Any, Token] | None:
        found = super().authenticate(request)
        to_change = found is not None and request.path != API_PASSWORD_PATH
        if to_change and must_change_password(found[0]):
            raise exceptions.PermissionDenied(MUST_CHANGE)
        return found

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        # DRF's check (an unknown key, an inactive user: 401), with the token, the user, the
        # one-time-password mark and the scope sources' flags in one query, as a page reads its
        # user (`accounts.backends.ThrottledModelBackend.get_user`).
        users = get_user_model()._default_manager.select_related("profile", "auth_token")
        found = list(users.annotate(**user_flag_annotations()).filter(auth_token__key=key))
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = flags_read(found[0])
        token = user.auth_token
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token_expires_at(token) <= timezone.now():
            tokens_revoke(user=user, reason=_("已过期"), actor="api")
            raise exceptions.AuthenticationFailed(_("令牌已过期，请以用户名和密码重新取得令牌。"))
        return user, token


def revoke_on_credentials_change(
    sender: Any, instance: Any, raw: bool = False, update_fields: Any = None, **kwargs: Any
) -> None:
    """pre_save on the user model: a new password or a deactivation kills the API token."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. the last_login update on every login
    old = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if old is None:
        return
    if old["password"] != instance.password:
        tokens_revoke(user=instance, reason=_("密码已修改"))
    elif old["is_active"] and not instance.is_active:
        tokens_revoke(user=instance, reason=_("账号已停用"))
