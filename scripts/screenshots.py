"""Screenshots of the main pages into docs/screenshots/, taken in headless Chromium from a real demo.

Builds the demo in a temporary data folder (`fupin demo --no-serve`: one synthetic county and a
decided assessment), adds a second assessment stopped in verification so that the field survey
has work, serves it with `fupin serve`, and photographs each page as the user who would open it.

    uv run python scripts/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "fupin-demo"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

PREPARE = """
from fupin.cli import setup_django
setup_django()
from django.contrib.auth.models import User
from fupin.accounts.models import Role
from fupin.accounts.services import membership_grant
from fupin.assessments.models import Campaign, Enumerator, Problem, Team
from fupin.demo.running import campaign_run_simulated
from fupin.registry.models import Household
decided = Campaign.objects.order_by("id").first()
second = campaign_run_simulated(seed=2, decide=False, name="退出专项评估（问题核实中）").campaign
team = Team.objects.filter(campaign=second).order_by("id").first()
user = Enumerator.objects.get(pk=team.experienced_member_id).user
user.set_password({password!r}); user.save()
membership_grant(user=user, role=Role.ENUMERATOR)
county = decided.scope_counties().order_by("code").first().code
household = Household.objects.filter(registered=True).order_by("id").first()
problem = Problem.objects.filter(campaign=decided, status="confirmed").order_by("id").first()
print(decided.pk, county, household.household_no, problem.pk if problem else "", user.username)
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    folder = Path(tempfile.mkdtemp(prefix="fupin-shots-"))
    env = dict(os.environ, FUPIN_DATA_DIR=str(folder), DATABASE_URL=f"sqlite:///{folder / 'f.sqlite3'}")
    subprocess.run([sys.executable, "-m", "fupin.cli", "demo", "--no-serve", "--seed", "1"],
                   env=env, check=True)
    out = subprocess.run([sys.executable, "-c", PREPARE.format(password=PASSWORD)], env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    campaign, county, household, problem, enumerator = (out + [""] * 5)[:5]
    county_prefix = county[:6]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "fupin.cli", "serve", "--port", str(port),
                               "--workers", "2"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    shots = [
        # (file, user, path, mobile)
        ("01-login", None, "/accounts/login/", False),
        ("02-province-home", "sheng", "/", False),
        ("03-province-dashboard", "sheng", f"/regions/{county_prefix[:2]}0000000000/", False),
        ("04-county-dashboard", "xian", f"/regions/{county}/", False),
        ("05-registry-list", "xian", f"/regions/{county}/households/?status=poor", False),
        ("06-household", "xian", f"/households/{household}/", False),
        ("07-audit-trail", "xian", "/audit/", False),
        ("08-campaign", "pinggu", f"/assessments/{campaign}/", False),
        ("09-county-results", "xian", f"/assessments/{campaign}/counties/{county}/", False),
        ("10-review-queue-final", "pinggu", f"/assessments/{campaign}/review/final/", False),
        ("11-feedback", "pinggu", f"/assessments/{campaign}/feedback/", False),
        ("12-field-survey-phone", enumerator, "/field/", True),
    ]
    if problem:
        shots.append(("13-problem", "pinggu", f"/assessments/{campaign}/problems/{problem}/", False))
    try:
        for _ in range(150):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, user, path, mobile in shots:
                size = {"width": 412, "height": 915} if mobile else {"width": 1366, "height": 900}
                context = browser.new_context(base_url=f"http://localhost:{port}", viewport=size,
                                              locale="zh-CN", device_scale_factor=1)
                page = context.new_page()
                if user:
                    page.goto("/accounts/login/")
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_load_state("networkidle")
                page.goto(path)
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(500)
                page.screenshot(path=str(args.out / f"{name}.png"), full_page=not mobile)
                print(f"{name}.png  {user or '-'}  {path}", flush=True)
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
