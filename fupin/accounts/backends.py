"""The one login throttle: an authentication backend, so that every way in goes through it.

The pages' login, Django's admin login and POST /api/token/ all call `django.contrib.auth.
authenticate()`, which asks this backend. A username locked at an address is refused here before
the password is even checked, whichever entrance the attempt came through; a wrong password here
counts towards the lock, whichever entrance it came through. The forms and the token serializer
only ask `login_locked_until` first to tell the user, in Chinese, how long the lock lasts.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from fupin.accounts.scoping import flags_read, user_flag_annotations
from fupin.accounts.services import login_failure_record, login_locked_until, login_success_record


def client_ip(request: HttpRequest | Any | None) -> str:
    """The peer address. X-Forwarded-For is not trusted: anyone could send it to dodge the lock."""
    if request is None:
        return ""
    meta = getattr(request, "META", None) or {}
    return str(meta.get("REMOTE_ADDR", ""))[:45]


class LoginLocked(PermissionDenied):
    """Raised for a locked username: `authenticate()` then stops asking backends and sends
    `user_login_failed` (so the attempt is audited like any other failure)."""


class ThrottledModelBackend(ModelBackend):
    """Django's username-and-password backend behind the failed-login lock."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        ip = client_ip(request)
        if login_locked_until(username=username, ip=ip) is not None:
            raise LoginLocked
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            login_failure_record(username=username, ip=ip)
        else:
            login_success_record(username=username, ip=ip)
        return user

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of a request, read with their profile in the same query (the
        one-time-password check of `FirstLoginMiddleware` reads it on every page), and with the
        scope sources' flags (`accounts.scoping.user_flag_annotations`: whether the user is a
        helping unit's liaison, an enumerator, …), so that a source that grants the user nothing
        costs no query."""
        users = get_user_model()._default_manager.select_related("profile")
        users = users.annotate(**user_flag_annotations())
        # The primary key: one row at most, so no ORDER BY and LIMIT to build (as `.first()` does).
        found = list(users.filter(pk=user_id))
        user = found[0] if found else None
        if user is None or not self.user_can_authenticate(user):
            return None
        return flags_read(user)
