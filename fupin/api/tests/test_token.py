"""POST /api/token/: a token for a username and password, with the login page's lock on failures;
tokens expire, die with the password or the account, and are audited."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.models import AuditEntry
from fupin.accounts.services import MAX_FAILURES, login_locked_until
from fupin.api.tokens import TOKEN_ACTION
from fupin.testing.worlds import PASSWORD, World

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    """Passwords are hashed on every attempt; the production hasher takes a while each time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer(world: World) -> AbstractBaseUser:
    user = world.users["county_officer"]
    user.set_password(PASSWORD)
    user.save()
    return user


def _token(username: str, password: str, **kw: object) -> Any:
    return APIClient().post("/api/token/", {"username": username, "password": password}, **kw)


def test_a_token_for_the_right_password_opens_the_api(
    world: World, officer: AbstractBaseUser
) -> None:
    response = _token("county_officer", PASSWORD, format="json")
    assert response.status_code == 200
    key = response.json()["token"]
    assert Token.objects.get(user=officer).key == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listed = {r["household_no"] for r in client.get("/api/households/").json()["results"]}
    assert listed == {world.household.household_no, world.other_household.household_no}
    assert _token("county_officer", PASSWORD, format="json").json()["token"] == key  # the same one


def test_a_form_post_works_too(officer: AbstractBaseUser) -> None:
    response = APIClient().post(
        "/api/token/",
        urlencode({"username": "county_officer", "password": PASSWORD}),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and response.json()["token"]


def test_a_wrong_password_gets_no_token(officer: AbstractBaseUser) -> None:
    response = _token("county_officer", "wrong", format="json")
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.exists()


def test_repeated_failures_lock_the_username_like_the_login_page(officer: AbstractBaseUser) -> None:
    for _ in range(MAX_FAILURES):
        assert _token("county_officer", "wrong", format="json").status_code == 400
    locked = _token("county_officer", PASSWORD, format="json")  # even the right password
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert int(locked["Retry-After"]) > 0
    assert login_locked_until(username="county_officer", ip="127.0.0.1") is not None
    page = Client().post("/accounts/login/", {"username": "county_officer", "password": PASSWORD})
    assert "锁定" in page.content.decode()  # the page shares the lock
    assert not Token.objects.exists()


def test_an_inactive_user_gets_no_token_and_an_old_token_stops_working(
    world: World, officer: AbstractBaseUser
) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    get_user_model().objects.filter(pk=officer.pk).update(is_active=False)
    assert _token("county_officer", PASSWORD, format="json").status_code == 400
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/households/").status_code == 401


@pytest.mark.parametrize("body", [{}, {"username": "county_officer"}, {"password": PASSWORD}])
def test_missing_fields_are_a_bad_request(officer: AbstractBaseUser, body: dict[str, str]) -> None:
    assert APIClient().post("/api/token/", body, format="json").status_code == 400


# --- expiry, revocation, audit (issue #18, item 3) ----------------------------------------------


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=hours))


def test_the_token_says_when_it_expires(officer: AbstractBaseUser, settings: Any) -> None:
    body = _token("county_officer", PASSWORD, format="json").json()
    expires = dt.datetime.fromisoformat(body["expires"])
    token = Token.objects.get(key=body["token"])
    assert expires == token.created + dt.timedelta(hours=settings.FUPIN_API_TOKEN_HOURS)


def test_an_expired_token_answers_401_and_a_new_one_is_issued(
    officer: AbstractBaseUser, settings: Any
) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    assert _client(key).get("/api/households/").status_code == 200
    _age(key, settings.FUPIN_API_TOKEN_HOURS + 0.01)
    response = _client(key).get("/api/households/")
    assert response.status_code == 401
    assert "过期" in response.json()["detail"]
    assert not Token.objects.filter(key=key).exists()
    fresh = _token("county_officer", PASSWORD, format="json").json()["token"]
    assert fresh != key and _client(fresh).get("/api/households/").status_code == 200


def test_an_expired_token_is_replaced_even_when_not_used_since(
    officer: AbstractBaseUser, settings: Any
) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    _age(key, settings.FUPIN_API_TOKEN_HOURS + 1)
    fresh = _token("county_officer", PASSWORD, format="json").json()["token"]
    assert fresh != key and _client(key).get("/api/households/").status_code == 401


def test_a_token_still_young_keeps_working(officer: AbstractBaseUser, settings: Any) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    _age(key, settings.FUPIN_API_TOKEN_HOURS - 0.5)
    assert _client(key).get("/api/households/").status_code == 200


def test_a_token_dies_when_the_password_is_changed_on_the_page(officer: AbstractBaseUser) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    page = Client()
    page.force_login(officer)
    changed = page.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Lintao-2020-x",
            "new_password2": "Lintao-2020-x",
        },
    )
    assert changed.status_code == 302
    assert _client(key).get("/api/households/").status_code == 401


def test_a_token_dies_when_an_administrator_sets_a_new_password(officer: AbstractBaseUser) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    user = get_user_model().objects.get(pk=officer.pk)
    user.set_password("Lintao-2020-y")
    user.save()
    assert _client(key).get("/api/households/").status_code == 401
    assert not Token.objects.filter(user=officer).exists()


def test_a_token_dies_when_the_account_is_deactivated(officer: AbstractBaseUser) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    user = get_user_model().objects.get(pk=officer.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert not Token.objects.filter(key=key).exists()  # gone, not only refused while inactive
    user.is_active = True
    user.save(update_fields=["is_active"])
    assert _client(key).get("/api/households/").status_code == 401


def test_logging_in_does_not_kill_the_token(officer: AbstractBaseUser) -> None:
    """Every login saves last_login: that is not a change of credentials."""
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    assert Client().login(username="county_officer", password=PASSWORD)
    assert _client(key).get("/api/households/").status_code == 200


def test_issue_expiry_and_revocation_are_in_the_audit_trail(
    officer: AbstractBaseUser, settings: Any
) -> None:
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    _token("county_officer", PASSWORD, format="json")  # the same token again: nothing new issued
    _age(key, settings.FUPIN_API_TOKEN_HOURS + 1)
    _client(key).get("/api/households/")
    key = _token("county_officer", PASSWORD, format="json").json()["token"]
    officer.set_password("Lintao-2020-z")
    officer.save()
    rows = list(
        AuditEntry.objects.filter(model="Token", object_key=str(officer.pk))
        .order_by("id")
        .values_list("action", "actor", "note")
    )
    assert [(a, actor) for a, actor, _n in rows] == [
        (TOKEN_ACTION, "county_officer"),
        (TOKEN_ACTION, "api"),
        (TOKEN_ACTION, "county_officer"),
        (TOKEN_ACTION, "county_officer"),
    ]
    notes = [n for _a, _actor, n in rows]
    assert notes[0].startswith("签发 API 令牌，有效至 ") and notes[2].startswith("签发")
    assert notes[1] == "API 令牌作废：已过期" and notes[3] == "API 令牌作废：密码已修改"
    assert all(e.user_id == officer.pk for e in AuditEntry.objects.filter(model="Token"))


def test_the_api_and_its_token_endpoint_send_the_content_security_policy(
    officer: AbstractBaseUser,
) -> None:
    response = _token("county_officer", PASSWORD, format="json")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    listed = _client(response.json()["token"]).get("/api/households/")
    assert "script-src 'self'" in listed["Content-Security-Policy"]


def test_the_audit_page_shows_token_rows_in_chinese(
    world: World, officer: AbstractBaseUser
) -> None:
    _token("county_officer", PASSWORD, format="json")
    page = Client()
    page.force_login(world.users["superuser"])
    html = page.get("/audit/", {"action": TOKEN_ACTION}).content.decode()
    assert "API 令牌" in html and "签发 API 令牌" in html
    assert ">token<" not in html  # the label, never the code
