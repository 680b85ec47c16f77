"""Login and password-change forms that tell the user about the failed-login lock in Chinese.

The lock itself is enforced by the authentication backend (`fupin.accounts.backends`), which
every entrance goes through; these forms only say so, and the password-change form counts wrong
old passwords (Django checks those with `check_password`, not through the backends).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.backends import client_ip
from fupin.accounts.services import login_failure_record, login_locked_until, login_success_record

__all__ = [
    "AdminLoginForm",
    "ThrottledAuthenticationForm",
    "ThrottledPasswordChangeForm",
    "client_ip",
    "lock_message",
]

LOCKED = _("登录失败次数过多，该账号已被暂时锁定，请于 %(minutes)s 分钟后再试。")


def lock_minutes(locked_until: dt.datetime) -> int:
    return max(1, int((locked_until - timezone.now()).total_seconds() // 60) + 1)


def lock_message(locked_until: dt.datetime) -> str:
    return str(LOCKED) % {"minutes": lock_minutes(locked_until)}


def _refuse_if_locked(username: str, request: HttpRequest | None) -> None:
    locked = login_locked_until(username=username, ip=client_ip(request))
    if locked is not None:
        raise ValidationError(LOCKED, code="locked", params={"minutes": lock_minutes(locked)})


class ThrottledAuthenticationForm(AuthenticationForm):
    """The pages' login form (/accounts/login/)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码错误，请重试。"),
    }

    def clean(self) -> dict[str, Any]:
        _refuse_if_locked(self.cleaned_data.get("username") or "", self.request)
        return super().clean()


class AdminLoginForm(AdminAuthenticationForm):
    """Django's admin login (/admin/login/), with the same lock message; the same backend counts."""

    def clean(self) -> dict[str, Any]:
        _refuse_if_locked(self.cleaned_data.get("username") or "", self.request)
        return super().clean()


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """A wrong old password counts as a failed login of that user from that address, so a
    borrowed session cannot be used to guess the password; a locked user cannot change it."""

    def __init__(self, user: Any, *args: Any, request: HttpRequest | None = None, **kw: Any):
        super().__init__(user, *args, **kw)
        self.request = request

    def clean_old_password(self) -> str:
        username = self.user.get_username()
        _refuse_if_locked(username, self.request)
        old_password: str = self.cleaned_data["old_password"]
        if not self.user.check_password(old_password):
            login_failure_record(username=username, ip=client_ip(self.request))
            _refuse_if_locked(username, self.request)  # that failure may have been the last
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        login_success_record(username=username, ip=client_ip(self.request))
        return old_password
