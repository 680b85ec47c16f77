"""The login form, with failed logins counted per username and address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fupin.accounts.services import login_failure_record, login_locked_until, login_success_record


def client_ip(request: HttpRequest | None) -> str:
    """The peer address. X-Forwarded-For is not trusted: anyone could send it to dodge the lock."""
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码错误，请重试。"),
        "locked": _("登录失败次数过多，该账号已被暂时锁定，请于 %(minutes)s 分钟后再试。"),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        locked = login_locked_until(username=username, ip=ip)
        if locked is not None:
            minutes = max(1, int((locked - timezone.now()).total_seconds() // 60) + 1)
            raise ValidationError(
                self.error_messages["locked"], code="locked", params={"minutes": minutes}
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            if username:
                login_failure_record(username=username, ip=ip)
            raise
        login_success_record(username=username, ip=ip)
        return cleaned
