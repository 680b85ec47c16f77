"""In a real browser, under the Content-Security-Policy: an injected inline script is blocked and
reported, and the checks page (whose chart script used to be inline) still draws its chart."""

from __future__ import annotations

from typing import Any

import pytest

from fupin.registry.tests.test_checks_pages import COUNTY, build_registry
from fupin.testing.browser import _csp_violation, log_in, with_password
from fupin.testing.worlds import World

pytestmark = pytest.mark.browser


def test_an_injected_inline_script_does_not_run(world: World, browser_context: Any) -> None:
    """What a stored cross-site script would do: the policy stops it and Chromium says so."""
    page = browser_context.new_page()
    log_in(page, with_password(world.users["county_officer"]))
    page.goto("/")
    with page.expect_console_message(lambda m: _csp_violation(m) is not None) as reported:
        page.evaluate(
            """() => new Promise(resolve => {
                 document.addEventListener('securitypolicyviolation', () => resolve(), {once: true});
                 const s = document.createElement('script');
                 s.textContent = 'window.__injected = true';
                 document.body.appendChild(s);
               })"""
        )
    assert "inline script" in reported.value.text
    assert page.evaluate("() => window.__injected === undefined")
    page.close()


def test_the_checks_chart_draws_from_its_static_script(world: World, browser_page: Any) -> None:
    build_registry(world)
    log_in(browser_page, with_password(world.users["county_officer"]))
    browser_page.goto(f"/checks/{COUNTY}/")
    browser_page.wait_for_selector("#chart-rules[data-rendered=true] svg text")
    texts = browser_page.eval_on_selector_all(
        "#chart-rules svg text", "els => els.map(e => e.textContent).filter(t => t.trim())"
    )
    assert any("户" in t for t in texts), texts
