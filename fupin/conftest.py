"""Shared test fixtures: a small piece of the real region tree and a household in it."""

import datetime as dt

import pytest

from fupin.regions.models import Level, Region
from fupin.registry.models import Household, Person
from fupin.testing.browser import browser_context, browser_page, chromium  # noqa: F401
from fupin.testing.regions import regions_load_for_tests
from fupin.testing.worlds import id_scan, province_officer, system_admin, world  # noqa: F401  (personas)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (cached dashboards are keyed by the registry's version,
    and tests that build data without services would otherwise share versions)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher():
    """Passwords hashed with MD5 in tests, as Django's testing docs advise: PBKDF2 costs about a
    third of a second of CPU per hash, and every login, failed login (Django hashes even for an
    unknown user), password change and demo account pays it. No test is about the hash's
    strength; the settings and the demo keep PBKDF2."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def gansu_village(db):
    """东街村 in 岷阳镇, 岷县 (621126), with Gansu's counties loaded (as the loader writes them,
    recorded once per process: fupin/testing/regions.py)."""
    regions_load_for_tests(provinces={"甘肃省"})
    county = Region.objects.get(code="621126000000")
    township = Region.objects.create(
        code="621126100000", name="岷阳镇", level=Level.TOWNSHIP, parent=county
    )
    return Region.objects.create(
        code="621126100001",
        name="东街村",
        level=Level.VILLAGE,
        parent=township,
        is_poor_village=True,
    )


@pytest.fixture
def household(gansu_village):
    """A one-person household, not yet identified."""
    h = Household.objects.create(
        household_no="6211261000010001",
        village=gansu_village,
        size=1,
        income_total=2000,
        income_per_capita=2000,
    )
    Person.objects.create(
        household=h,
        id_number="621126198001010019",
        name="张三",
        relation="head",
        sex="male",
        birth_date=dt.date(1980, 1, 1),
    )
    return h


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark every test that reaches the database, so that `-m django_db` (the PostgreSQL run)
    selects it even when it asks for the database only through a fixture."""
    for item in items:
        uses_db = {"db", "transactional_db", "django_db_setup"} & set(
            getattr(item, "fixturenames", ())
        )
        if uses_db and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


class _BrowserTestsLast:
    """Runs after pytest-django's own reordering: once Chromium runs, Django's async-safety
    check is off for the session (fupin/testing/browser.py), so every other test goes first."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items):
        items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_configure(config):
    config.pluginmanager.register(_BrowserTestsLast(), "fupin-browser-tests-last")
