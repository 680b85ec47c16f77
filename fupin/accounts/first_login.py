"""First login with a one-time password: the user sets their own before anything else (issue #22).

Whoever hands out a one-time password (an office creating or resetting a login, a bulk import, an
evaluator roster) marks the login with `password_issued`; the flag lives on PersonProfile. While it
is set, `FirstLoginMiddleware` sends every page to the password change (an API call made with the
browser's session gets a Chinese 403), and the API's token authentication refuses every call but
POST /api/people/me/password/ (fupin.api.tokens). Setting one's own password clears it
(`password_changed_by_self`, called by the password-change page and that endpoint).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import get_script_prefix, get_urlconf, reverse

from fupin.accounts.models import PersonProfile
from fupin.accounts.services import login_locks_clear

MUST_CHANGE = (
    "您的账号使用的是一次性密码，请先修改密码再继续使用："
    "在浏览器中打开“修改密码”页面，或调用 POST /api/people/me/password/"
)
# The one API call allowed before the change.
API_PASSWORD_PATH = "/api/people/me/password/"
# Pages a user who must change may still reach (besides the password change itself).
_OPEN_PREFIXES = ("/static/", "/favicon.ico", "/healthz", "/accounts/logout/", "/accounts/login/")


def password_issued(user_ids: Iterable[int]) -> None:
    """Mark these logins as holding a one-time password (a profile is made where none exists),
    and lift their login locks: the guesses were at the old password."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    login_locks_clear(
        get_user_model().objects.filter(pk__in=ids).values_list("username", flat=True)
    )
    PersonProfile.objects.filter(user_id__in=ids).update(must_change_password=True)
    have = set(PersonProfile.objects.filter(user_id__in=ids).values_list("user_id", flat=True))
    PersonProfile.objects.bulk_create(
        [PersonProfile(user_id=pk, must_change_password=True) for pk in ids if pk not in have]
    )


def password_changed_by_self(user: Any) -> None:
    """The user set their own password: the one-time password's mark is gone."""
    PersonProfile.objects.filter(user_id=user.pk, must_change_password=True).update(
        must_change_password=False
    )


def must_change_password(user: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if PersonProfile.user.field.remote_field.is_cached(user):  # read with the user (backends)
        profile = PersonProfile.user.field.remote_field.get_cached_value(user)
        return bool(profile is not None and profile.must_change_password)
    return PersonProfile.objects.filter(user_id=user.pk, must_change_password=True).exists()


class FirstLoginMiddleware:
    """Every page of a signed-in user who holds a one-time password leads to the password change."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        guarded = user is not None and user.is_authenticated and self._guarded(request)
        if guarded and must_change_password(user):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": MUST_CHANGE}, status=403)
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _guarded(request: HttpRequest) -> bool:
        path = request.path
        if path.startswith(_OPEN_PREFIXES) or path == API_PASSWORD_PATH:
            return False
        return path not in _password_change_paths(get_script_prefix(), get_urlconf())


@lru_cache(maxsize=16)
def _password_change_paths(prefix: str, urlconf: Any) -> tuple[str, str]:
    """The password change's two pages, reversed once per URL prefix and URLconf (not on every
    request)."""
    return reverse("password_change"), reverse("password_change_done")
