"""One failed-login lock for every way in: the login page, the admin login, the API token, and
wrong old passwords on the password-change page (issue #18, item 3).

The attack reproduced: 40 guesses at /admin/login/, then the right password, logged in; an
account locked at /accounts/login/ logged in at /admin/login/.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from fupin.accounts.models import LoginThrottle
from fupin.accounts.services import MAX_FAILURES, login_locked_until

pytestmark = pytest.mark.django_db

PASSWORD = "Gansu-Minxian-2019"
IP = "10.0.0.7"


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def admin_user(db: None) -> Any:
    return get_user_model().objects.create_user(
        "sysadmin", password=PASSWORD, is_staff=True, is_superuser=True
    )


def _page(client: Client, password: str, *, ip: str = IP) -> Any:
    return client.post(
        "/accounts/login/", {"username": "sysadmin", "password": password}, REMOTE_ADDR=ip
    )


def _admin(client: Client, password: str, *, ip: str = IP) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "sysadmin", "password": password, "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def _api(client: Client, password: str, *, ip: str = IP) -> Any:
    return APIClient().post(
        "/api/token/", {"username": "sysadmin", "password": password}, format="json", REMOTE_ADDR=ip
    )


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


ENTRANCES = {"page": _page, "admin": _admin, "api": _api}


def _got_in(entrance: str, response: Any, client: Client) -> bool:
    if entrance == "api":
        return response.status_code == 200 and "token" in response.json()
    return response.status_code == 302 and _logged_in(client)


def test_forty_guesses_at_the_admin_login_then_the_right_password_is_refused(
    admin_user: Any,
) -> None:
    client = Client()
    for _ in range(40):
        assert _admin(client, "guess").status_code == 200
    response = _admin(client, PASSWORD)
    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert not _logged_in(client)
    assert "登录失败次数过多" in response.content.decode()
    # the lock was reached at the fifth guess; the other 35 never reached the password check
    assert LoginThrottle.objects.get(username="sysadmin", ip=IP).failures == MAX_FAILURES


@pytest.mark.parametrize("locked_at", sorted(ENTRANCES))
@pytest.mark.parametrize("tried_at", sorted(ENTRANCES))
def test_a_lock_earned_at_one_entrance_holds_at_every_other(
    admin_user: Any, locked_at: str, tried_at: str
) -> None:
    for _ in range(MAX_FAILURES):
        ENTRANCES[locked_at](Client(), "guess")
    assert login_locked_until(username="sysadmin", ip=IP) is not None
    client = Client()
    response = ENTRANCES[tried_at](client, PASSWORD)
    assert not _got_in(tried_at, response, client)
    if tried_at == "api":
        assert response.status_code == 429
    else:
        assert "登录失败次数过多" in response.content.decode()
    # another address is not locked out by these guesses
    other = Client()
    assert _got_in(tried_at, ENTRANCES[tried_at](other, PASSWORD, ip="10.0.0.8"), other)


def test_failures_at_different_entrances_add_up_to_one_lock(admin_user: Any) -> None:
    _page(Client(), "guess")
    _admin(Client(), "guess")
    _api(Client(), "guess")
    _page(Client(), "guess")
    assert login_locked_until(username="sysadmin", ip=IP) is None
    _admin(Client(), "guess")  # the fifth, whichever entrance
    assert login_locked_until(username="sysadmin", ip=IP) is not None


def test_django_test_client_login_is_refused_while_locked(admin_user: Any) -> None:
    """`authenticate()` itself refuses: any other caller of it is covered too."""
    for _ in range(MAX_FAILURES):
        _page(Client(), "guess", ip="")
    assert not Client().login(username="sysadmin", password=PASSWORD)


# --- password change -------------------------------------------------------------------------


def _change(client: Client, old: str, *, ip: str = IP) -> Any:
    return client.post(
        "/accounts/password_change/",
        {
            "old_password": old,
            "new_password1": "Dingxi-2020-new",
            "new_password2": "Dingxi-2020-new",
        },
        REMOTE_ADDR=ip,
    )


def test_wrong_old_passwords_on_password_change_are_throttled(admin_user: Any) -> None:
    """A borrowed session cannot be used to guess the password on the change form."""
    client = Client()
    client.force_login(admin_user)
    for _ in range(MAX_FAILURES - 1):
        page = _change(client, "guess").content.decode()
        assert "旧密码不正确" in page or "原密码" in page
    last = _change(client, "guess").content.decode()
    assert "登录失败次数过多" in last
    response = _change(client, PASSWORD)  # the right old password, while locked
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.check_password(PASSWORD)  # unchanged
    other = Client()
    assert not _got_in("page", _page(other, PASSWORD), other)  # and the login is locked too


def test_the_right_old_password_changes_it_and_clears_earlier_failures(admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    _change(client, "guess")
    assert _change(client, PASSWORD).status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password("Dingxi-2020-new")
    assert not LoginThrottle.objects.exists()


# --- password reset: not offered ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_password_reset_is_not_offered(client: Client, path: str) -> None:
    """fupin sends no mail: a reset form would ask for an address and send nothing."""
    assert client.get(path).status_code == 404
    assert client.post(path, {"email": "a@example.org"}).status_code == 404


def test_the_login_page_offers_no_reset_link(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert "password_reset" not in page and "忘记密码" not in page
