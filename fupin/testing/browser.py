"""Browser-test fixtures: Debian's headless Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API keeps an event loop running in the main thread from the browser's start,
where Django refuses ORM calls unless told otherwise; tests set up data through the ORM, so the
session-wide `chromium` fixture allows it while the browser lives, and fupin/conftest.py runs the
browser tests last so that every other test keeps Django's check.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

from fupin.testing.worlds import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# How long any wait for an event or a state may last before the test fails: generous, because
# on a loaded CI machine a page that takes 2 s alone can take 30. Tests wait for what they need
# (a selector, a URL, a function) and never sleep; this is the only timeout, set on every context.
WAIT_MS = 120_000
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def browser_context(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser profile (cookies, IndexedDB, service workers) aimed at the live server."""
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(WAIT_MS)
    context.set_default_navigation_timeout(WAIT_MS)
    yield context
    context.close()


def _csp_violation(message: Any) -> str | None:
    """Chromium reports what the Content-Security-Policy blocked as a console error."""
    text = str(message.text)
    return text if message.type == "error" and "Content Security Policy" in text else None


@pytest.fixture
def browser_page(browser_context: Any) -> Iterator[Any]:
    """A page that fails its test on any JavaScript error, anything the CSP had to block, or any
    server error (5xx) the live server answered, page or fetch: a server error otherwise shows
    only as a wait that runs out, with nothing to say why."""
    page = browser_context.new_page()
    errors: list[str] = []
    blocked: list[str] = []
    server_errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: (v := _csp_violation(m)) and blocked.append(v))
    page.on(
        "response",
        lambda r: (
            r.status >= 500 and server_errors.append(f"{r.status} {r.request.method} {r.url}")
        ),
    )
    yield page
    assert not server_errors, f"server errors: {server_errors}"
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"blocked by the Content-Security-Policy: {blocked}"


def log_in(page: Any, user: AbstractBaseUser, password: str = PASSWORD) -> None:
    """Log in through the real login form (the user needs a usable password: see `with_password`)."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", password)
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_load_state("networkidle")


def first_log_in(page: Any, user: AbstractBaseUser, one_time_password: str) -> str:
    """Log in with a one-time password an office or a roster handed out: every page leads to the
    password change first (fupin.accounts.first_login), where the user sets their own. Returns
    the new password; the page is left on the change's done page."""
    log_in(page, user, one_time_password)
    page.wait_for_selector("#first-login")
    own = f"{user.get_username()}-Own-Pass-2020"
    page.fill("input[name=old_password]", one_time_password)
    page.fill("input[name=new_password1]", own)
    page.fill("input[name=new_password2]", own)
    page.click("form.login button[type=submit]")
    page.wait_for_url("**/accounts/password_change/done/")
    return own


def with_password(user: AbstractBaseUser, password: str = PASSWORD) -> AbstractBaseUser:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user
