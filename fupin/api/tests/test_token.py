"""POST /api/token/: a token for a username and password, with the login page's lock on failures."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from fupin.accounts.services import MAX_FAILURES, login_locked_until
from fupin.accounts.testing import PASSWORD, World

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
