"""Login throttling (5 failures lock a username at an address for 15 minutes; 20 from any
addresses lock it at every address) and password change."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from fupin.accounts.models import LoginThrottle
from fupin.accounts.services import (
    LOCK_FOR,
    MAX_FAILURES,
    MAX_FAILURES_ANY_ADDRESS,
    login_failure_record,
    login_locked_until,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Gansu-Minxian-2019"


@pytest.fixture
def officer(db: None) -> Any:
    return get_user_model().objects.create_user("officer", password=PASSWORD)


def _login(client: Any, password: str, *, ip: str = "10.0.0.1", username: str = "officer") -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_a_wrong_password_says_so_in_chinese(client: Any, officer: Any) -> None:
    assert "用户名或密码错误" in _login(client, "wrong").content.decode()


def test_five_failures_lock_even_the_right_password(client: Any, officer: Any) -> None:
    for _ in range(MAX_FAILURES):
        _login(client, "wrong")
    response = _login(client, PASSWORD)
    assert response.status_code == 200  # the form again, not a redirect
    assert (
        "登录失败次数过多" in response.content.decode() and "15 分钟" in response.content.decode()
    )
    assert "_auth_user_id" not in client.session


def test_four_failures_and_a_success_reset_the_count(client: Any, officer: Any) -> None:
    for _ in range(MAX_FAILURES - 1):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    assert not LoginThrottle.objects.exists()


def test_the_lock_is_per_address_and_username(client: Any, officer: Any) -> None:
    for _ in range(MAX_FAILURES):
        _login(client, "wrong")
    assert _login(client, PASSWORD, ip="10.0.0.2").status_code == 302
    get_user_model().objects.create_user("other", password=PASSWORD)
    client.logout()
    assert _login(client, PASSWORD, username="other").status_code == 302


def _guess_from_many_addresses(client: Any, failures: int) -> None:
    """Wrong passwords spread over addresses, never MAX_FAILURES from one (no address locks)."""
    for k in range(failures):
        response = _login(client, "wrong", ip=f"10.1.{k // (MAX_FAILURES - 1)}.1")
        assert "用户名或密码错误" in response.content.decode()


def test_guesses_spread_over_many_addresses_lock_the_username_everywhere(
    client: Any, officer: Any
) -> None:
    _guess_from_many_addresses(client, MAX_FAILURES_ANY_ADDRESS)
    for ip in ("10.0.0.1", "10.9.9.9"):  # a fresh address too, and through the token API
        response = _login(client, PASSWORD, ip=ip)
        assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
        token = client.post(
            "/api/token/",
            {"username": "officer", "password": PASSWORD},
            content_type="application/json",
            REMOTE_ADDR=ip,
        )
        assert token.status_code == 429
    assert "_auth_user_id" not in client.session
    other = get_user_model().objects.create_user("other", password=PASSWORD)
    assert _login(client, PASSWORD, username=other.username).status_code == 302


def test_fewer_guesses_over_many_addresses_leave_the_right_password_working(
    client: Any, officer: Any
) -> None:
    _guess_from_many_addresses(client, MAX_FAILURES_ANY_ADDRESS - 1)
    assert _login(client, PASSWORD, ip="10.9.9.9").status_code == 302


def test_the_lock_over_many_addresses_ends_fifteen_minutes_after_the_last_guess(
    db: None,
) -> None:
    start = timezone.now()
    for k in range(MAX_FAILURES_ANY_ADDRESS):
        at = start + dt.timedelta(seconds=k)
        login_failure_record(username="officer", ip=f"10.1.{k}.1", now=at)
    last = start + dt.timedelta(seconds=MAX_FAILURES_ANY_ADDRESS - 1)
    assert login_locked_until(username="Officer", ip="10.9.9.9", now=last) == last + LOCK_FOR
    later = last + LOCK_FOR + dt.timedelta(seconds=1)
    assert login_locked_until(username="officer", ip="10.9.9.9", now=later) is None
    # the guesses made before the window no longer count: one more does not lock again
    login_failure_record(username="officer", ip="10.1.0.1", now=later)
    assert login_locked_until(username="officer", ip="10.9.9.9", now=later) is None


def test_the_lock_ends_after_fifteen_minutes(db: None) -> None:
    start = timezone.now()
    for _ in range(MAX_FAILURES):
        login_failure_record(username="Officer", ip="10.0.0.1", now=start)
    assert login_locked_until(username="officer", ip="10.0.0.1", now=start) == start + LOCK_FOR
    later = start + LOCK_FOR + dt.timedelta(seconds=1)
    assert login_locked_until(username="officer", ip="10.0.0.1", now=later) is None
    row = login_failure_record(username="officer", ip="10.0.0.1", now=later)
    assert row.failures == 1 and row.locked_until is None


def test_password_change_page_is_chinese_and_changes_the_password(
    client: Any, officer: Any
) -> None:
    client.force_login(officer)
    page = client.get("/accounts/password_change/").content.decode()
    assert "修改密码" in page and "原密码" in page
    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Dingxi-Longnan-2020",
            "new_password2": "Dingxi-Longnan-2020",
        },
    )
    assert response.status_code == 302
    assert "密码已修改" in client.get(response["Location"]).content.decode()
    officer.refresh_from_db()
    assert officer.check_password("Dingxi-Longnan-2020")


def test_password_change_needs_a_login(client: Any) -> None:
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
