"""A newcomer's walk as every demo login, on a small demo world (the `fupin demo` steps on a
smaller synthetic county): no dead end, no refusal without a Chinese reason, no English code,
no bare fraction where a percentage belongs (fupin/tests/crawler.py says what is checked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from fupin.tests import crawler

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _demo_world(tmp_path: Path) -> list[Any]:
    """What `fupin demo` builds, on a county of some 160 households instead of 1500."""
    from fupin import synth
    from fupin.demo.assistance import assistance_load_synthetic
    from fupin.demo.cooperation import cooperation_load_synthetic
    from fupin.demo.loading import registry_load_synth
    from fupin.demo.people import demo_accounts_create
    from fupin.demo.running import campaign_run_simulated
    from fupin.regions.models import Region
    from fupin.regions.services import regions_load_poverty_counties
    from fupin.registry.aggregates import aggregates_build
    from fupin.registry.snapshots import snapshot_write

    regions_load_poverty_counties()  # all 832, as `fupin setup`: long lists need their paging
    config = synth.preset(
        "demo",
        seed=7,
        poor_villages=3,
        nonpoor_villages=2,
        registered_households=90,
        registered_persons=370,
        nonregistered_households=70,
        villages_per_township=3.0,
    )
    truth = tmp_path / "truth"
    registry_load_synth(batches=synth.generate(config), truth=truth)
    county = Region.objects.get(code=config.counties[0].code + "000000")
    assistance_load_synthetic(county=county, seed=2016, year=2019)
    cooperation_load_synthetic(year=2019, seed=2016)
    campaign_run_simulated(seed=2019, truth_dir=truth)
    snapshot = snapshot_write(directory=tmp_path / "snapshots", incremental=True)
    aggregates_build(snapshot.snapshot)
    accounts = demo_accounts_create()
    # The world was loaded inside the test's transaction, where autovacuum cannot see it, so
    # PostgreSQL would plan the audit page's counts on empty-table statistics (minutes per page).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return accounts


def test_every_demo_login_walks_the_site_without_a_dead_end(
    client, tmp_path, settings, monkeypatch
):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(crawler, "MAX_PAGES", 90)
    monkeypatch.setattr(crawler, "MAX_PER_ROUTE", 2)
    accounts = _demo_world(tmp_path)
    from fupin.accounts.models import Membership, Role
    from fupin.accounts.models import Role as Duty  # one role model: duties are roles too

    logins = [a.username for a in accounts]
    assert set(
        Membership.objects.filter(user__username__in=logins).values_list("role", flat=True)
    ) == set(Role.values)  # one login per role
    assert set(
        Membership.objects.filter(user__username__in=logins).values_list("role", flat=True)
    ) == set(Duty.values)
    codes = crawler.choice_codes()
    assert {"water", "poor", "exited", "confirmed"} <= codes  # the list is built from the models
    users = get_user_model().objects
    findings: list[crawler.Finding] = []
    walked_scopes: set[tuple[Any, ...]] = set()
    for account in accounts:
        user = users.get(username=account.username)
        # Post holders who share a role and region (xian…xian4) see the same pages: walk one.
        scope = (
            user.is_superuser,
            tuple(
                sorted(
                    Membership.objects.filter(user=user).values_list(
                        "role", "region_id", "institution_id", "campaign_id"
                    ),
                    key=str,
                )
            ),
        )
        if scope in walked_scopes:
            continue
        walked_scopes.add(scope)
        client.force_login(user)
        walked = crawler.walk(client, account.username, codes)
        assert walked.pages >= 5, (account.username, walked.statuses)  # the home page leads on
        findings += walked.findings
        client.logout()
    assert not findings, "\n".join(str(f) for f in findings)


# The demo's login for each role of an assessment (issue #14): the roles it holds, exactly, and
# the page to try first ("{campaign}" is the demo campaign's number, "{county}" the county code).
ASSESSMENT_LOGINS: dict[str, tuple[frozenset[str], str]] = {
    "评估工作组成员": (frozenset({"working_group"}), "/assessments/{campaign}/"),
    "评估机构管理员": (frozenset({"institution_admin"}), "/assessments/evaluators/"),
    # Evaluators see a campaign only during fieldwork and verification (fupin/accounts/scoping.py):
    # after the demo's decision the lead expert's list of campaigns is empty.
    "带队专家": (frozenset({"expert", "lead_expert"}), "/assessments/"),
    "调查员": (frozenset({"enumerator"}), "/field/"),
    "县扶贫办": (frozenset({"county_office"}), "/regions/{county}/"),
    "部门核查人员": (frozenset({"department"}), "/assessments/{campaign}/review/department/"),
    "专家组成员": (frozenset({"expert", "expert_group"}), "/assessments/{campaign}/review/expert/"),
    "县级干部": (frozenset({"county_officer"}), "/assessments/explanations/"),
    "领导小组成员": (frozenset({"leading_group"}), "/assessments/{campaign}/judgements/"),
}


def test_each_assessment_role_has_a_demo_login_that_opens_its_pages(client, tmp_path, settings):
    """One login per role (two enumerators of two teams), each holding exactly its role, logs in
    with the demo password and opens its home page and the page the README says to try first."""
    settings.DATA_DIR = tmp_path
    accounts = _demo_world(tmp_path)
    from django.db.models import Q

    from fupin.accounts.models import Membership
    from fupin.assessments.models import Campaign, Team
    from fupin.demo.people import DEMO_PASSWORD
    from fupin.regions.models import Region

    campaign = Campaign.objects.order_by("-id").first()
    assert campaign is not None
    county = Region.objects.get(pk=campaign.scope.get().pk)
    by_label: dict[str, list[str]] = {}
    for account in accounts:
        by_label.setdefault(account.role, []).append(account.username)
    for label, (roles, first_page) in ASSESSMENT_LOGINS.items():
        logins = by_label.get(label, [])
        assert logins, label
        if label == "调查员":
            assert len(logins) == 2
            teams = [
                set(
                    Team.objects.filter(campaign=campaign)
                    .filter(
                        Q(experienced_member__user__username=u) | Q(new_member__user__username=u)
                    )
                    .values_list("pk", flat=True)
                )
                for u in logins
            ]
            assert all(teams) and not teams[0] & teams[1]  # two different teams
        for username in logins:
            held = set(
                Membership.objects.filter(user__username=username).values_list("role", flat=True)
            )
            assert held == roles, (username, held)
            assert client.login(username=username, password=DEMO_PASSWORD), username
            home = client.get("/")
            assert home.status_code == 200, (username, home.status_code)
            page = first_page.format(campaign=campaign.pk, county=county.code)
            opened = client.get(page)
            assert opened.status_code == 200, (username, page, opened.status_code)
            client.logout()
